"""Deployment: the compose file validates, the production settings pass `check --deploy`, and a
missing or malformed variable (PRODUCT.md section 6) stops start-up with a message naming it."""

import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_site_url,
    env_str,
)
from config.settings.base import DEVELOPMENT_SECRET_KEY
from tests.conftest import has_executable, require_or_skip

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_SERVICES = {"web", "worker", "beat", "db", "redis"}

# Every variable the settings read; the subprocesses start without any of them (CI may export
# DATABASE_URL and REDIS_URL for the rest of the suite) and get only what a test gives them.
SETTINGS_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "CONN_MAX_AGE",
    "DEFAULT_FROM_EMAIL",
    "ORGANISATION_INVITATION_DAYS",
    "TRUSTED_PROXY_COUNT",
    "ADMIN_ENABLED",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests for their own process
)


def a_secret_key() -> str:
    return secrets.token_urlsafe(60)[:60]


def clean_environment(**variables: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES and not name.startswith(("EMAIL_", "SECURE_", "COMPOSE_"))
    }
    env.update(variables)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'tandem.sqlite3'}"


@pytest.fixture
def production_environment(sqlite_url) -> dict[str, str]:
    return clean_environment(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=a_secret_key(),
        SITE_URL="https://tandem.example.com",
        ALLOWED_HOSTS="tandem.example.com",
        DEBUG="false",
        DATABASE_URL=sqlite_url,
    )


# --- docker-compose.yml ---------------------------------------------------------------------


@pytest.fixture
def compose(tmp_path):
    """Runs docker-compose on the repository's file; an empty --env-file keeps a developer's
    .env out of it, so that only the variables a test passes are set."""
    require_or_skip(
        has_executable("docker-compose"),
        "docker-compose is not installed (apt-get install docker-compose)",
    )
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")

    def run(*args: str, **variables: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["docker-compose", "--env-file", str(empty_env_file), "-f", "docker-compose.yml"]
            + list(args),
            cwd=REPO_ROOT,
            env=clean_environment(**variables),
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def test_the_compose_file_is_valid(compose):
    result = compose("config", "-q", SECRET_KEY=a_secret_key())
    assert result.returncode == 0, result.stderr


def test_the_compose_file_runs_web_worker_beat_postgres_and_redis(compose):
    result = compose("config", "--services", SECRET_KEY=a_secret_key())
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) >= COMPOSE_SERVICES


def test_the_compose_file_refuses_to_start_without_a_secret_key(compose):
    result = compose("config", "-q")
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_the_compose_file_gives_every_app_service_the_production_settings(compose):
    result = compose("config", SECRET_KEY="a-key-that-the-test-looks-for-" + "x" * 30)
    assert result.returncode == 0, result.stderr
    # One anchor feeds migrate, web, worker, beat and inbound-smtp: five copies once resolved.
    assert result.stdout.count("DJANGO_SETTINGS_MODULE: config.settings.production") == 5
    assert result.stdout.count("DATABASE_URL: postgres://tandem:tandem@db:5432/tandem") == 5
    assert result.stdout.count("REDIS_URL: redis://redis:6379/0") == 5
    assert result.stdout.count("SECRET_KEY: a-key-that-the-test-looks-for-") == 5


def test_the_compose_file_trusts_the_one_reverse_proxy_in_front_of_web(compose):
    """Its topology: one TLS-terminating proxy appends the client's address to X-Forwarded-For."""
    result = compose("config", SECRET_KEY=a_secret_key())
    assert result.returncode == 0, result.stderr
    assert len(re.findall(r"TRUSTED_PROXY_COUNT: ['\"]?1['\"]?$", result.stdout, re.M)) == 5


# --- production settings --------------------------------------------------------------------


def test_production_settings_pass_the_deployment_checks(production_environment):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_the_development_secret_key(production_environment):
    production_environment["SECRET_KEY"] = DEVELOPMENT_SECRET_KEY
    result = manage("check", env=production_environment)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(production_environment):
    del production_environment["SECRET_KEY"]
    result = manage("check", env=production_environment)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_a_short_secret_key(production_environment):
    production_environment["SECRET_KEY"] = "too-short"
    result = manage("check", env=production_environment)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_debug(production_environment):
    production_environment["DEBUG"] = "true"
    result = manage("check", env=production_environment)
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "foo"),
        ("DATABASE_URL", "postgres://u@h:notaport/db"),
        ("REDIS_URL", "notaurl"),
        ("SITE_URL", "not-a-url"),
        ("EMAIL_PORT", "abc"),
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("ADMIN_ENABLED", "maybe"),
    ],
)
def test_a_malformed_variable_stops_start_up_with_a_message_naming_it(name, value, sqlite_url):
    env = clean_environment(DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=sqlite_url)
    env[name] = value
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name}={value!r} is not valid" in result.stderr


def test_one_variable_sets_the_trusted_proxies_of_sign_in_and_the_api(sqlite_url):
    env = clean_environment(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=sqlite_url,
        TRUSTED_PROXY_COUNT="1",
    )
    code = (
        "from django.conf import settings; "
        "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["1", "1"]


# --- the readers of config/env.py -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("false", False),
        ("1", True),
        ("0", False),
        ("yes", True),
        ("no", False),
        ("on", True),
        ("off", False),
        (" TRUE ", True),
        ("Off", False),
    ],
)
def test_env_bool_reads_the_usual_spellings_of_true_and_false(monkeypatch, raw, expected):
    monkeypatch.setenv("TANDEM_FLAG", raw)
    assert env_bool("TANDEM_FLAG", default=not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled", "truee"])
def test_env_bool_rejects_anything_else_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("TANDEM_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="TANDEM_FLAG"):
        env_bool("TANDEM_FLAG", default=False)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_env_bool_falls_back_to_the_default_when_unset_or_blank(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("TANDEM_FLAG", raising=False)
    else:
        monkeypatch.setenv("TANDEM_FLAG", raw)
    assert env_bool("TANDEM_FLAG", default=True) is True
    assert env_bool("TANDEM_FLAG", default=False) is False


def test_env_int_reads_a_whole_number(monkeypatch):
    monkeypatch.setenv("TANDEM_NUMBER", " 587 ")
    assert env_int("TANDEM_NUMBER", default=25) == 587


def test_env_int_falls_back_to_the_default_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("TANDEM_NUMBER", raising=False)
    assert env_int("TANDEM_NUMBER", default=25) == 25
    monkeypatch.setenv("TANDEM_NUMBER", "")
    assert env_int("TANDEM_NUMBER", default=25) == 25


@pytest.mark.parametrize("raw", ["abc", "4.5", "25s", "0x19"])
def test_env_int_rejects_anything_but_a_whole_number(monkeypatch, raw):
    monkeypatch.setenv("TANDEM_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match="TANDEM_NUMBER"):
        env_int("TANDEM_NUMBER", default=25)


def test_env_str_strips_and_falls_back_to_the_default(monkeypatch):
    monkeypatch.setenv("TANDEM_TEXT", "  smtp.example.com \n")
    assert env_str("TANDEM_TEXT") == "smtp.example.com"
    monkeypatch.delenv("TANDEM_TEXT")
    assert env_str("TANDEM_TEXT", "localhost") == "localhost"


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("TANDEM_HOSTS", " a.example.com, b.example.com ,,c.example.com ")
    assert env_list("TANDEM_HOSTS", default=[]) == [
        "a.example.com",
        "b.example.com",
        "c.example.com",
    ]
    monkeypatch.setenv("TANDEM_HOSTS", "")
    assert env_list("TANDEM_HOSTS", default=["localhost"]) == ["localhost"]


def test_env_list_refuses_a_list_of_nothing_but_commas(monkeypatch):
    monkeypatch.setenv("TANDEM_HOSTS", " , ")
    with pytest.raises(ImproperlyConfigured, match="TANDEM_HOSTS"):
        env_list("TANDEM_HOSTS", default=["localhost"])


def test_a_malformed_url_error_does_not_print_its_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://tandem:s3cret-pw@db:notaport/tandem")
    with pytest.raises(ImproperlyConfigured) as raised:
        env_database("DATABASE_URL", default="sqlite:///unused")
    assert "s3cret-pw" not in str(raised.value)
    assert "tandem:***@db" in str(raised.value)


def test_env_database_reads_a_postgres_url(monkeypatch):
    monkeypatch.setenv("TANDEM_DB", "postgres://tandem:secret@db.internal:5433/tandem")
    config = env_database("TANDEM_DB", default="sqlite:///unused.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"]) == ("tandem", "db.internal", 5433)
    assert (config["USER"], config["PASSWORD"]) == ("tandem", "secret")


def test_env_database_falls_back_to_the_default_sqlite_file(monkeypatch, tmp_path):
    monkeypatch.delenv("TANDEM_DB", raising=False)
    config = env_database("TANDEM_DB", default=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")


@pytest.mark.parametrize(
    "raw",
    [
        "foo",
        "mysql://u@h:3306/tandem",
        "postgres://u@h:notaport/db",
        "postgres://u@h:5432/",
    ],
)
def test_env_database_rejects_a_malformed_url(monkeypatch, raw):
    monkeypatch.setenv("TANDEM_DB", raw)
    with pytest.raises(ImproperlyConfigured, match="TANDEM_DB"):
        env_database("TANDEM_DB", default="sqlite:///unused.sqlite3")


@pytest.mark.parametrize("raw", ["redis://redis:6379/0", "rediss://:pw@cache.example.com:6380/1"])
def test_env_redis_url_accepts_redis_urls(monkeypatch, raw):
    monkeypatch.setenv("TANDEM_REDIS", raw)
    assert env_redis_url("TANDEM_REDIS") == raw


def test_env_redis_url_is_empty_when_unset(monkeypatch):
    monkeypatch.delenv("TANDEM_REDIS", raising=False)
    assert env_redis_url("TANDEM_REDIS") == ""


@pytest.mark.parametrize(
    "raw", ["notaurl", "http://redis:6379/0", "redis://redis:port/0", "redis://"]
)
def test_env_redis_url_rejects_anything_but_a_redis_url(monkeypatch, raw):
    monkeypatch.setenv("TANDEM_REDIS", raw)
    with pytest.raises(ImproperlyConfigured, match="TANDEM_REDIS"):
        env_redis_url("TANDEM_REDIS")


def test_env_site_url_drops_the_trailing_slash_and_has_a_default(monkeypatch):
    monkeypatch.setenv("TANDEM_SITE", "https://tandem.example.com/")
    assert env_site_url("TANDEM_SITE", default="http://unused") == "https://tandem.example.com"
    monkeypatch.delenv("TANDEM_SITE")
    assert env_site_url("TANDEM_SITE", default="http://127.0.0.1:8000") == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    "raw",
    [
        "not-a-url",
        "tandem.example.com",
        "ftp://tandem.example.com",
        "https://",
        "https://example.com/tandem",
    ],
)
def test_env_site_url_rejects_anything_but_an_absolute_http_url(monkeypatch, raw):
    monkeypatch.setenv("TANDEM_SITE", raw)
    with pytest.raises(ImproperlyConfigured, match="TANDEM_SITE"):
        env_site_url("TANDEM_SITE", default="http://unused")


def _locked(path: Path) -> dict[str, str]:
    """name → version of every package a lock file pins, each of which must carry hashes."""
    text = path.read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+) \\\n\s+--hash=sha256:", text, re.M))
    assert pins, path
    lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9_.\-]+==", line)]
    assert len(lines) == len(pins), f"{path.name}: a pin without its hashes"
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins.items()}


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ["main"]), ("requirements-dev.lock", ["main", "dev"])],
)
def test_the_lock_files_pin_with_hashes_what_pyproject_asks_for(lock, groups):
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        "main": project["dependencies"],
        "dev": project["optional-dependencies"]["dev"],
    }
    locked = _locked(REPO_ROOT / lock)
    for group in groups:
        for requirement in wanted[group]:
            name, version = re.fullmatch(
                r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", requirement
            ).groups()
            assert locked.get(re.sub(r"[-_.]+", "-", name).lower()) == version, (lock, requirement)
