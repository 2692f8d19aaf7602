"""Personal API tokens: made and revoked on a settings page or by a command, stored hashed."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke
from accounts.tokens import token_hash
from tests.api_helpers import v1


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_token_is_stored_only_as_its_hash(world):
    api_token, token = api_token_create(user=world.owner, name="CRM sync")
    assert token.startswith("tdm_")
    assert len(token) > 40
    stored = ApiToken.objects.get(pk=api_token.pk)
    assert stored.token_hash == token_hash(token)
    assert token not in {stored.token_hash, stored.prefix, stored.name}
    assert token.startswith(stored.prefix)


def test_a_token_acts_as_its_user_and_notes_its_last_use_once_a_minute(world):
    api_token, token = api_token_create(user=world.owner, name="CRM")
    client = bearer(token)
    assert client.get(v1("rooms/")).status_code == 200
    api_token.refresh_from_db()
    first = api_token.last_used_at
    assert first is not None
    assert client.get(v1("rooms/")).status_code == 200
    api_token.refresh_from_db()
    assert api_token.last_used_at == first  # no write on every request
    ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(v1("rooms/"))
    api_token.refresh_from_db()
    assert api_token.last_used_at > first - timedelta(minutes=1)


def test_a_token_request_leaves_no_session_behind(world):
    _, token = api_token_create(user=world.owner, name="CRM")
    response = bearer(token).get(v1(f"rooms/{world.room_a1.public_id}/"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize(
    "header",
    [
        "Bearer tdm_made-up",
        "Bearer",
        "Bearer two parts",
        "Bearer not-even-ours",
        "Bearer tdm_\u00e9",
    ],
)
def test_unknown_and_malformed_tokens_are_401(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(v1("rooms/"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_revoked_and_expired_tokens_are_401(world):
    revoked, revoked_secret = api_token_create(user=world.owner, name="old")
    api_token_revoke(api_token=revoked, actor=world.owner)
    assert bearer(revoked_secret).get(v1("rooms/")).status_code == 401
    expiring, expiring_secret = api_token_create(
        user=world.owner, name="short", expires_at=timezone.now() + timedelta(days=1)
    )
    assert bearer(expiring_secret).get(v1("rooms/")).status_code == 200
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now())
    assert bearer(expiring_secret).get(v1("rooms/")).status_code == 401


def test_a_deactivated_users_token_is_401(world):
    _, token = api_token_create(user=world.owner, name="CRM")
    world.owner.is_active = False
    world.owner.save()
    assert bearer(token).get(v1("rooms/")).status_code == 401


def test_a_revoked_buyers_token_reaches_no_room(world):
    _, token = api_token_create(user=world.revoked_buyer, name="mine")
    client = bearer(token)
    assert client.get(v1("rooms/")).json()["count"] == 0
    assert client.get(v1(f"rooms/{world.room_a1.public_id}/")).status_code == 404


def test_requests_are_limited_per_token(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/min"},
    }
    _, first = api_token_create(user=world.owner, name="one")
    _, second = api_token_create(user=world.owner, name="two")
    statuses = [bearer(first).get(v1("organisations/")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert bearer(second).get(v1("organisations/")).status_code == 200  # its own allowance


# The settings page ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner", "buyer"])
def test_a_person_creates_a_token_seen_once_and_revokes_it(client, world, persona):
    client.force_login(getattr(world, persona))
    url = reverse("api_tokens")
    response = client.post(url, {"name": "CRM sync", "expires_in": "30"})
    assert response.status_code == 200
    token = response.context["new_token"]
    assert token in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    api_token = ApiToken.objects.get(name="CRM sync")
    assert api_token.expires_at is not None
    page = client.get(url).content.decode()
    assert token not in page
    assert api_token.prefix in page
    assert bearer(token).get(v1("rooms/")).status_code == 200
    revoked = client.post(reverse("api_token_revoke", args=[api_token.public_id]))
    assert revoked.status_code == 302
    assert bearer(token).get(v1("rooms/")).status_code == 401


def test_a_token_without_a_name_is_refused(client, world):
    client.force_login(world.owner)
    response = client.post(reverse("api_tokens"), {"name": "  "})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token(client, world):
    api_token, token = api_token_create(user=world.owner, name="CRM")
    client.force_login(world.manager)
    response = client.post(reverse("api_token_revoke", args=[api_token.public_id]))
    assert response.status_code == 404
    assert bearer(token).get(v1("rooms/")).status_code == 200


# The command ------------------------------------------------------------------------------------


def test_create_api_token_prints_a_working_token(world):
    out = StringIO()
    call_command("create_api_token", "OWNER@a.example", "--name", "CI", stdout=out)
    token = out.getvalue().strip()
    assert bearer(token).get(v1("rooms/")).json()["count"] == 2
    assert ApiToken.objects.get().name == "CI"


def test_create_api_token_refuses_an_unknown_person(db):
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_api_token", "nobody@example.com", "--name", "CI")
