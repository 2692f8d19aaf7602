"""The page shell, security headers, health check, caches and management commands."""

import gc
import re
import weakref

import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.template import engines
from django.test import override_settings
from django.urls import reverse
from whitenoise.storage import CompressedManifestStaticFilesStorage

from accounts.models import Membership, Organisation, Role, User
from analytics.selectors import dashboard
from config.static import StaticFilesStorage
from rooms.models import Room

pytestmark = pytest.mark.django_db


def csp_of(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


@pytest.mark.parametrize("name", ["home", "account_login", "account_signup"])
def test_every_page_sends_a_strict_content_security_policy(client, name):
    response = client.get(reverse(name))
    policy = csp_of(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts, "the shell loads htmx"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_nonce_changes_with_every_response(client):
    first = csp_of(client.get("/"))["script-src"]
    second = csp_of(client.get("/"))["script-src"]
    assert first != second


def test_htmx_is_served_from_our_static_files_with_csrf_in_hx_headers(client, world):
    client.force_login(world.owner)
    html = client.get("/").content.decode()
    assert re.search(r'<script src="/static/vendor/htmx\.min\.js"', html)
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html).group(1)
    assert len(token) >= 32
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', html).group(1)
    assert '"selfRequestsOnly": true' in config
    assert '"allowEval": false' in config
    assert '"allowScriptTags": false' in config


def test_the_organisation_switcher_lists_the_other_organisations(client, world):
    other = Organisation.objects.create(name="Second Org")
    Membership.objects.create(organisation=other, user=world.manager, role=Role.REP)
    client.force_login(world.manager)
    html = client.get("/").content.decode()
    assert reverse("organisation_switch", args=[other.public_id]) in html
    assert reverse("organisation_switch", args=[world.org_a.public_id]) not in html


def test_healthz_reports_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_redis_does_not_answer(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "redis": "error"}


def test_the_database_cache_table_exists_after_migrating():
    """Without Redis, allauth's rate limits count in the database cache."""
    db_cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "tandem_cache",
    }
    with override_settings(CACHES={"default": db_cache}):
        cache = caches.create_connection("default")
        cache.set("probe", 41)
        cache.incr("probe")
        assert cache.get("probe") == 42


def test_the_404_page_is_the_products(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


class TestCommands:
    def test_create_org_makes_a_verified_admin_who_can_sign_in(self, client, capsys):
        call_command(
            "create_org", "Initech", admin="Peter@Initech.example", password="tps-reports-2026"
        )
        user = User.objects.get(email="peter@initech.example")
        membership = Membership.objects.get(user=user)
        assert (membership.organisation.name, membership.role) == ("Initech", Role.ADMIN)
        assert user.emailaddress_set.get().verified
        response = client.post(
            reverse("account_login"),
            {"login": "peter@initech.example", "password": "tps-reports-2026"},
        )
        assert response.status_code == 302
        assert client.get("/").status_code == 200
        assert "Created Initech" in capsys.readouterr().out

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["Initech", "--admin", "bill@initech.example"], "already exists"),
            (["Other", "--admin", "peter@initech.example"], "already exists"),
            (["Other", "--admin", "not-an-email"], "not a valid email"),
        ],
    )
    def test_create_org_refuses_duplicates_and_bad_input(self, args, message):
        call_command(
            "create_org", "Initech", admin="peter@initech.example", password="tps-reports-2026"
        )
        with pytest.raises(CommandError, match=message):
            call_command("create_org", *args, password="tps-reports-2026")
        assert Organisation.objects.count() == 1
        assert User.objects.count() == 1

    def test_create_org_refuses_a_weak_password_and_creates_nothing(self):
        with pytest.raises(CommandError, match="too weak"):
            call_command("create_org", "Initech", admin="peter@initech.example", password="123")
        assert not Organisation.objects.exists()
        assert not User.objects.exists()

    def test_create_org_without_a_terminal_asks_for_password_flag(self, monkeypatch):
        monkeypatch.setattr("sys.stdin.isatty", lambda: False)
        with pytest.raises(CommandError, match="--password"):
            call_command("create_org", "Initech", admin="peter@initech.example")

    def test_seed_demo_is_idempotent_and_prints_the_logins(self, capsys, client):
        call_command("seed_demo")
        call_command("seed_demo")
        out = capsys.readouterr().out
        assert Organisation.objects.count() == 1
        roles = dict(Membership.objects.values_list("user__email", "role"))
        assert roles == {
            "admin@northwind.example": Role.ADMIN,
            "manager@northwind.example": Role.MANAGER,
            "rep@northwind.example": Role.REP,
        }
        assert out.count("rep@northwind.example") == 2
        rooms = Room.objects.filter(organisation__name="Northwind Software")
        assert sorted(rooms.values_list("buyer_company", flat=True)) == [
            "Acme Logistics",
            "Globex Corporation",
            "Initech",
            "Umbrella Health",
        ]
        # A few weeks of history, so that the dashboard shows each state for a reason.
        manager = Membership.objects.get(role=Role.MANAGER)
        board = {row.room.buyer_company: row for row in dashboard(manager).rows}
        states = {name: row.health.health.state for name, row in board.items()}
        assert states == {
            "Globex Corporation": "on_track",
            "Acme Logistics": "at_risk",
            "Initech": "stalled",
            "Umbrella Health": "stalled",
        }
        assert board["Globex Corporation"].engagement.visitors_30 == 3
        assert board["Globex Corporation"].health.forecast.date is not None
        assert "password: " in out
        # The printed buyer's link opens the Globex room, without a password.
        link = re.findall(r"no password\): (http\S+)", out)[-1]
        response = client.post(link.replace("http://127.0.0.1:8000", ""))
        assert response.status_code == 302
        assert response["Location"].startswith("/rooms/")


def test_a_rendered_page_lets_go_of_its_context_without_the_garbage_collector(rf, world):
    """config.templates: what a page's context holds is freed as the page is made, not left
    in a reference cycle for a full collection (the dashboard's 500 rows were its p99)."""

    class Rows(list):
        pass

    rows = Rows([1, 2, 3])
    alive = weakref.ref(rows)
    request = rf.get("/")
    request.user, request.session = world.manager, {}
    template = engines["django"].from_string("{% for row in rows %}{{ row }}{% endfor %}")
    gc.disable()
    try:
        assert template.render({"rows": rows}, request) == "123"
        del rows
        assert alive() is None
    finally:
        gc.enable()


def test_a_static_files_hashed_url_is_looked_up_once_per_process(settings, monkeypatch):
    """config.static: the manifest lookup behind {% static %} runs once per file name."""
    settings.DEBUG = False
    looked_up = []

    def lookup(self, name, force=False):
        looked_up.append(name)
        return f"/static/{name}.0123abcd"

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "url", lookup)
    storage = StaticFilesStorage()
    for _ in range(3):
        assert storage.url("css/tandem.css") == "/static/css/tandem.css.0123abcd"
    assert storage.url("js/live.js") == "/static/js/live.js.0123abcd"
    assert looked_up == ["css/tandem.css", "js/live.js"]
