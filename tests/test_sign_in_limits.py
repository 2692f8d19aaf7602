"""Per-client rate limits behind the reverse proxy, and Django's admin sign-in: its lockout and
its off switch (ADMIN_ENABLED)."""

import importlib

import pytest
from django.test import RequestFactory
from django.urls import clear_url_caches, reverse
from rest_framework.request import Request

import config.urls
from api.throttling import TokenRateThrottle
from tests.factories import PASSWORD, UserFactory, sign_in_with_totp, with_totp

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # every request reaches the app from the proxy's address
LOCKED = "Too many failed login attempts"


def failed_sign_in(client, forwarded_for: str, n: int):
    """One failed sign-in (a new address each time: only the per-client limit can trip)."""
    return client.post(
        reverse("account_login"),
        {"login": f"guess{n}@example.com", "password": "wrong-guess"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def lock_out(client, forwarded_for: str) -> None:
    for n in range(10):  # ACCOUNT_RATE_LIMITS["login_failed"]: 10 a minute per client
        assert LOCKED not in failed_sign_in(client, forwarded_for, n).content.decode()
    assert LOCKED in failed_sign_in(client, forwarded_for, 10).content.decode()


def test_clients_behind_the_proxy_are_rate_limited_separately(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    lock_out(client, "203.0.113.7")
    other = failed_sign_in(client, "198.51.100.9", 0)
    assert LOCKED not in other.content.decode()
    assert "not correct" in other.content.decode()


def test_a_client_cannot_escape_its_limit_by_writing_x_forwarded_for_itself(client, settings):
    """The proxy appends the address it saw: only the last entry is the proxy's word."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    lock_out(client, "203.0.113.7")
    spoofed = failed_sign_in(client, "198.51.100.9, 203.0.113.7", 11)
    assert LOCKED in spoofed.content.decode()


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, settings):
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0  # the default
    lock_out(client, "203.0.113.7")
    # Another header from the same address changes nothing: a client cannot pick its address.
    assert LOCKED in failed_sign_in(client, "198.51.100.9", 0).content.decode()


def api_client_address(forwarded_for: str) -> str:
    request = RequestFactory().get("/api/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    return TokenRateThrottle().get_ident(Request(request))


def test_the_api_limits_clients_by_the_same_address_as_sign_in(settings):
    assert api_client_address("203.0.113.7") == PROXY  # no trusted proxy: the header is ignored
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert api_client_address("198.51.100.9, 203.0.113.7") == "203.0.113.7"


# --- Django's admin ---------------------------------------------------------------------------


def test_the_admin_signs_in_through_the_sites_sign_in_and_so_its_lockout(client):
    # Django's admin has no sign-in of its own: the site's (allauth's: its lockout, its
    # second factor) is the one way in, for a GET and a POST alike.
    url = reverse("admin:login")
    for response in (client.get(url), client.post(url, {"username": "x", "password": "y"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_staff_sign_in_to_the_admin_with_the_password_and_a_second_factor(client):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    sign_in_with_totp(client, staff, with_totp(staff))
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.fixture
def admin_disabled(settings):
    settings.ADMIN_ENABLED = False
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.ADMIN_ENABLED = True
    importlib.reload(config.urls)
    clear_url_caches()


def test_with_the_admin_disabled_its_urls_are_not_found(client, admin_disabled):
    with_totp(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    client.login(email="staff@example.com", password=PASSWORD)
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 404
