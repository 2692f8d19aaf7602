"""Strict readers for the environment variables of PRODUCT.md section 6.

django-environ parses URLs well but forgives too much (``DEBUG=maybe`` reads as False,
``DATABASE_URL=foo`` as an empty dict), so every reader here checks its value and stops
start-up with an ``ImproperlyConfigured`` that names the variable and what was wrong.
"""

import ipaddress
import os
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_DB_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}


def _redact(value: str) -> str:
    """Hide a URL's password: start-up errors end up in logs."""
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return value
    return value.replace(f":{password}@", ":***@") if password else value


def _fail(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={_redact(value)!r} is not valid: expected {expected}.")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _fail(name, raw, "one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _fail(name, raw, "a whole number") from None
    if minimum is not None and value < minimum:
        raise _fail(name, raw, f"a whole number of at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise _fail(name, raw, "a comma-separated list with at least one item")
    return items


def env_database(name: str, default: str) -> dict:
    raw = env_str(name) or default
    scheme = urlsplit(raw).scheme
    if scheme not in _DB_SCHEMES:
        raise _fail(name, raw, "a postgres://user@host:port/name or sqlite:///path URL")
    try:
        config = environ.Env.db_url_config(raw)
    except ValueError as exc:
        raise _fail(name, raw, f"a well-formed database URL ({exc})") from None
    if not config.get("NAME"):
        raise _fail(name, raw, "a URL that names the database")
    return config


def env_redis_url(name: str) -> str:
    raw = env_str(name)
    if not raw:
        return ""
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise _fail(name, raw, "a redis://host:port/db URL with a numeric port") from None
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise _fail(name, raw, "a redis://host:port/db URL")
    return raw


def env_site_url(name: str, default: str) -> str:
    raw = env_str(name) or default
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        raise _fail(name, raw, "an http(s):// origin with no path, e.g. https://tandem.example.com")
    return raw.rstrip("/")


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name).lower() or default
    if value not in choices:
        raise _fail(name, value, "one of " + ", ".join(choices))
    return value


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of addresses or networks (``10.0.0.0/8,::1``); empty: none."""
    raw = env_str(name)
    try:
        return [ipaddress.ip_network(item.strip()) for item in raw.split(",") if item.strip()]
    except ValueError:
        raise _fail(name, raw, "comma-separated addresses or networks, e.g. 10.0.0.0/8") from None
