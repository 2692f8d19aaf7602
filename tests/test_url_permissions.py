"""Every URL pattern of the project, requested as every persona (pretix's test_permissions).

A pattern that nobody classified fails the suite: a new route must say who may reach it.
Statuses: 200 page, 302 redirect, LOGIN a redirect to the sign-in page, 403 a member who may
look but not act, 404 an outsider (the same as for an object that does not exist), 405 a
method the route does not take, 410 a link that can no longer be used.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Membership
from accounts.services import api_token_create
from governance.models import OrganisationExport
from integrations.models import WebhookEndpoint
from plans.models import Comment
from tests.factories import InvitationFactory, ResourceFactory

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
PERSONAS = [
    "anonymous",
    "owner",
    "manager",
    "rep",
    "outsider",
    "buyer",
    "other_buyer",
    "revoked_buyer",
]
BUYERS = ["buyer", "other_buyer", "revoked_buyer"]


@dataclass
class Route:
    access: str
    expect: dict[str, object]
    method: str = "get"
    kwargs: Callable[[dict], dict] = field(default=lambda ctx: {})
    json: bool = False  # an empty JSON object as the body (the API's writes)


def public(status=200, signed_in=None) -> dict:
    return {p: status if p == "anonymous" else (signed_in or status) for p in PERSONAS}


def signed_in(status=200) -> dict:
    return {p: LOGIN if p == "anonymous" else status for p in PERSONAS}


def member(status=200) -> dict:
    """Organisation A's members; buyers are never members of an organisation."""
    return {
        "anonymous": LOGIN,
        "outsider": 404,
        "owner": status,
        "manager": status,
        "rep": status,
        **dict.fromkeys(BUYERS, 404),
    }


def admin_only(status=302) -> dict:
    return {**member(), "manager": 403, "rep": 403, "owner": status}


def room_seller(status=200, buyer=403) -> dict:
    """Room A1 belongs to the owner; the rep is not on its team. Its buyer may see the room but
    not do this (403) unless told; the buyer of room A2 and the revoked one get 404."""
    return {
        "anonymous": LOGIN,
        "outsider": 404,
        "rep": 404,
        "owner": status,
        "manager": status,
        "buyer": buyer,
        "other_buyer": 404,
        "revoked_buyer": 404,
    }


def room_member(status=200, buyer=None) -> dict:
    """What the room's buyer may do as well as its sellers."""
    return room_seller(status, buyer=status if buyer is None else buyer)


def template_seller(status=200) -> dict:
    """Templates are the seller's: buyers never reach one."""
    return {**room_seller(status), "buyer": 404}


def api(expect: dict) -> dict:
    """The REST API answers a request without a token or session 401, never a sign-in page."""
    return {**expect, "anonymous": 401}


def staff_only() -> dict:
    return dict.fromkeys(PERSONAS, ADMIN_LOGIN)


def any_member(status=200) -> dict:
    """Acts on the person's own current organisation: the outsider reaches their own."""
    return {**member(status), "outsider": status}


def home() -> dict:
    """The landing page, a member's rooms, a buyer's rooms; the revoked buyer has none left and
    is offered to start an organisation."""
    return {**public(), "revoked_buyer": 302}


ORG = lambda ctx: {"organisation_id": ctx["org_a"]}  # noqa: E731
ROOM = lambda ctx: {"room_id": ctx["room_a1"]}  # noqa: E731
TEMPLATE = lambda ctx: {"room_id": ctx["template_a"]}  # noqa: E731
MILESTONE = lambda ctx: {"room_id": ctx["room_a1"], "milestone_id": ctx["milestone"]}  # noqa: E731
TASK = lambda ctx: {"room_id": ctx["room_a1"], "task_id": ctx["task"]}  # noqa: E731
STAKEHOLDER = lambda ctx: {"room_id": ctx["room_a1"], "stakeholder_id": ctx["buyer"]}  # noqa: E731
RESOURCE = lambda ctx: {"room_id": ctx["room_a1"], "resource_id": ctx["resource"]}  # noqa: E731
ENDPOINT = lambda ctx: {**ORG(ctx), "endpoint_id": ctx["endpoint"]}  # noqa: E731
API_ENDPOINT = lambda ctx: {"endpoint_id": ctx["endpoint"]}  # noqa: E731
ROUTES: dict[str, Route] = {
    "home": Route("public: landing page, or the person's rooms", home()),
    "healthz": Route("public: load balancer probe", public()),
    # No worker runs beside this suite: with a broker configured its heartbeat is missing.
    "readyz": Route("public: readiness probe", public(503 if settings.REDIS_URL else 200)),
    "metrics": Route(
        "public, off without METRICS_TOKEN or networks (tests/test_ops.py)", public(404)
    ),
    # django-allauth
    "account_login": Route("public", public(signed_in=302)),
    "account_signup": Route("public", public(signed_in=302)),
    "account_logout": Route("public: confirm page for the signed in", public(302, signed_in=200)),
    "account_inactive": Route("public", public()),
    "account_email_verification_sent": Route("public", public()),
    "account_reset_password": Route("public", public()),
    "account_reset_password_done": Route("public", public()),
    "account_reset_password_from_key_done": Route("public", public()),
    "account_confirm_email": Route(
        "public: an unknown key is a clear 'invalid link' page",
        public(),
        kwargs=lambda ctx: {"key": "not-a-real-key"},
    ),
    "account_reset_password_from_key": Route(
        "public: a bad key is a clear 'bad token' page",
        public(),
        kwargs=lambda ctx: {"uidb36": "zz", "key": "not-a-real-key"},
    ),
    "account_email": Route("signed in", signed_in()),
    "account_change_password": Route("signed in", signed_in()),
    "account_set_password": Route("signed in: has one, so sent to change it", signed_in(302)),
    "account_reauthenticate": Route("signed in", signed_in()),
    # allauth.mfa: set up and use a second factor. Changing one asks for the password again
    # first (302); pages about a factor one has not set up are 404.
    "mfa_index": Route("signed in", signed_in()),
    "mfa_list_webauthn": Route("signed in", signed_in()),
    "mfa_authenticate": Route("sign-in step: none pending", signed_in(302)),
    "mfa_reauthenticate": Route("signed in: no factor, the password instead", signed_in(302)),
    "mfa_reauthenticate_webauthn": Route("signed in: no passkey", signed_in(302)),
    "mfa_login_webauthn": Route("sign-in step: already signed in", signed_in(302)),
    "mfa_activate_totp": Route("signed in: password first", signed_in(302)),
    "mfa_generate_recovery_codes": Route("signed in: password first", signed_in(302)),
    "mfa_add_webauthn": Route("signed in: password first", signed_in(302)),
    "mfa_remove_webauthn": Route(
        "signed in: password first", signed_in(302), kwargs=lambda ctx: {"pk": 999}
    ),
    "mfa_edit_webauthn": Route(
        "signed in: password first", signed_in(302), kwargs=lambda ctx: {"pk": 999}
    ),
    "mfa_deactivate_totp": Route("signed in: none to turn off", signed_in(404)),
    "mfa_view_recovery_codes": Route("signed in: none yet", signed_in(404)),
    "mfa_download_recovery_codes": Route("signed in: none yet", signed_in(404)),
    # allauth.socialaccount: single sign-on's pages (tests/test_sso.py). An unknown provider
    # id is a 404; the others are allauth's own steps of a sign-in through a provider.
    "openid_connect_login": Route(
        "public: no such organisation's provider",
        public(404),
        kwargs=lambda ctx: {"provider_id": "sso-unknown"},
    ),
    "openid_connect_callback": Route(
        "public: no such organisation's provider",
        public(404),
        kwargs=lambda ctx: {"provider_id": "sso-unknown"},
    ),
    "socialaccount_connections": Route("signed in: their provider accounts", signed_in()),
    "socialaccount_signup": Route("public: no sign-up pending", public(302)),
    "socialaccount_login_cancelled": Route("public", public()),
    "socialaccount_login_error": Route(
        "allauth's error page (401), unused: web.sso sends a failed sign-in back to the "
        "sign-in page with the reason",
        signed_in(401),
    ),
    # Sign-in by code is off: with no code pending, allauth sends everyone back.
    "account_confirm_login_code": Route("public: no code pending", public(302)),
    "account_request_reauthentication_code": Route("signed in", signed_in()),
    "account_confirm_reauthentication_code": Route("signed in: no code pending", signed_in(302)),
    # Organisations
    "organisation_create": Route("signed in", signed_in()),
    "organisation_switch": Route("member", member(302), method="post", kwargs=ORG),
    "member_list": Route("member", member(), kwargs=ORG),
    "organisation_settings": Route("org admin", admin_only(200), kwargs=ORG),
    "email_deliveries": Route("org admin", admin_only(200), kwargs=ORG),
    "organisation_branding": Route(
        "org admin: an empty form keeps the colour", admin_only(302), method="post", kwargs=ORG
    ),
    "brand_logo": Route(
        "public: a logo no one uses is a 404",
        public(404),
        kwargs=lambda ctx: {"name": "0" * 32 + ".png"},
    ),
    "audit_log": Route("org admin", admin_only(200), kwargs=ORG),
    "organisation_security": Route("org admin", admin_only(200), kwargs=ORG),
    "organisation_sso": Route("org admin", admin_only(200), kwargs=ORG),
    "organisation_sso_remove": Route(
        "org admin: none set up, nothing to remove", admin_only(302), method="post", kwargs=ORG
    ),
    "organisation_data": Route("org admin", admin_only(200), kwargs=ORG),
    "organisation_export_start": Route(
        "org admin: starts an export", admin_only(302), method="post", kwargs=ORG
    ),
    "organisation_export_status": Route(
        "org admin",
        admin_only(200),
        kwargs=lambda ctx: {**ORG(ctx), "export_id": ctx["export"]},
    ),
    "organisation_export_download": Route(
        "signed in: a made-up token is a 404 (tests/test_organisation_export.py: admins only)",
        signed_in(404),
        kwargs=lambda ctx: {"token": "made-up"},
    ),
    "two_factor_setup": Route("signed in", signed_in(200)),
    "audit_export": Route("org admin", admin_only(200), kwargs=ORG),
    "email_send_again": Route(
        "org admin: a made-up email is a 404",
        admin_only(404),
        method="post",
        kwargs=lambda ctx: {**ORG(ctx), "email_id": uuid.uuid4()},
    ),
    "member_set_role": Route(
        "org admin",
        admin_only(),
        method="post",
        kwargs=lambda ctx: {**ORG(ctx), "membership_id": ctx["rep_membership"]},
    ),
    "member_remove": Route(
        "org admin",
        admin_only(),
        method="post",
        kwargs=lambda ctx: {**ORG(ctx), "membership_id": ctx["rep_membership"]},
    ),
    "invitation_create": Route("org admin", admin_only(400), method="post", kwargs=ORG),
    "invitation_resend": Route(
        "org admin",
        admin_only(),
        method="post",
        kwargs=lambda ctx: {**ORG(ctx), "invitation_id": ctx["invitation"]},
    ),
    "invitation_revoke": Route(
        "org admin",
        admin_only(),
        method="post",
        kwargs=lambda ctx: {**ORG(ctx), "invitation_id": ctx["invitation"]},
    ),
    "invitation_accept": Route(
        "public: a made-up token is a 404",
        public(404),
        kwargs=lambda ctx: {"token": "made-up-token"},
    ),
    "invitation_accept_mine": Route(
        "the invitee only: nobody here is invited, so 404 for all",
        {**signed_in(404)},
        method="post",
        kwargs=lambda ctx: {"invitation_id": ctx["invitation"]},
    ),
    # Rooms
    # Rooms and templates
    "room_create": Route("any member, of their own organisation", any_member()),
    "room_import": Route("any member, of their own organisation", any_member()),
    "room_import_preview": Route(
        "any member: a file nobody uploaded in this session is a 404",
        any_member(404),
        kwargs=lambda ctx: {"token": "0" * 32},
    ),
    "template_list": Route("any member, of their own organisation", any_member()),
    "room_detail": Route("the room's people", room_member(), kwargs=ROOM),
    "room_document": Route("the room's people, each their own view", room_member(), kwargs=ROOM),
    "room_live": Route("the room's people: its body while it changes", room_member(), kwargs=ROOM),
    "inbound_provider": Route(
        "public: providers' webhooks, 404 until replies and a secret are configured",
        public(404),
        method="post",
        kwargs=lambda ctx: {"provider": "postmark"},
    ),
    "room_edit": Route("room seller", room_seller(), kwargs=ROOM),
    "room_buyer_logo": Route(
        "room seller: no file, back to the form", room_seller(302), method="post", kwargs=ROOM
    ),
    "room_stage": Route("room seller: empty form", room_seller(422), method="post", kwargs=ROOM),
    "room_save_as_template": Route("room seller", room_seller(), kwargs=ROOM),
    "template_detail": Route("template seller", template_seller(), kwargs=TEMPLATE),
    "template_delete": Route(
        "template seller", template_seller(302), method="post", kwargs=TEMPLATE
    ),
    # The plan
    "plan_import": Route("room seller", room_seller(), kwargs=ROOM),
    "plan_import_preview": Route(
        "room seller: a file nobody uploaded in this session is a 404",
        room_seller(404),
        kwargs=lambda ctx: {**ROOM(ctx), "token": "0" * 32},
    ),
    "milestone_add": Route("room seller", room_seller(), kwargs=ROOM),
    "milestone_edit": Route("room seller", room_seller(), kwargs=MILESTONE),
    "milestone_delete": Route("room seller", room_seller(302), method="post", kwargs=MILESTONE),
    "milestone_move": Route("room seller", room_seller(302), method="post", kwargs=MILESTONE),
    "task_add": Route("the room's people", room_member(), kwargs=MILESTONE),
    "task_detail": Route("the room's people", room_member(), kwargs=TASK),
    "task_edit": Route(
        "sellers; buyers their side's tasks (not this one)", room_seller(), kwargs=TASK
    ),
    "task_toggle": Route(
        "sellers; buyers their side's tasks (not this one)",
        room_seller(302),
        method="post",
        kwargs=TASK,
    ),
    "task_take": Route(
        "buyers take their side's unassigned tasks (not this one); sellers assign instead",
        room_seller(403),
        method="post",
        kwargs=TASK,
    ),
    "plan_export_csv": Route(
        "the room's people: the plan as they see it", room_member(), kwargs=ROOM
    ),
    "plan_export_xlsx": Route(
        "the room's people: the plan as they see it", room_member(), kwargs=ROOM
    ),
    "task_delete": Route("room seller", room_seller(302), method="post", kwargs=TASK),
    "task_move": Route("room seller", room_seller(302), method="post", kwargs=TASK),
    "task_comment_add": Route(
        "the room's people: empty", room_member(422), method="post", kwargs=TASK
    ),
    "room_comment_add": Route(
        "the room's people: empty", room_member(422), method="post", kwargs=ROOM
    ),
    # Stakeholders
    "buyer_add": Route("the room's people (buyers: a colleague)", room_member(), kwargs=ROOM),
    "seller_add": Route("room seller", room_seller(), kwargs=ROOM),
    "stakeholder_edit": Route("room seller", room_seller(), kwargs=STAKEHOLDER),
    "stakeholder_remove": Route("room seller", room_seller(302), method="post", kwargs=STAKEHOLDER),
    "stakeholder_move": Route("room seller", room_seller(302), method="post", kwargs=STAKEHOLDER),
    "buyer_invite": Route("room seller", room_seller(302), method="post", kwargs=STAKEHOLDER),
    "buyer_revoke": Route("room seller", room_seller(302), method="post", kwargs=STAKEHOLDER),
    # Buyers' links
    "buyer_link": Route(
        "public: a made-up token is a 404", public(404), kwargs=lambda ctx: {"token": "made-up"}
    ),
    "buyer_link_request": Route("public", public()),
    # Analytics: sellers only; a beacon answers 204 to everyone (it tells nothing) and counts
    # only what the sender may see (tests/test_analytics.py)
    "dashboard": Route("any member, of their own organisation", any_member()),
    "room_analytics": Route("room seller", room_seller(), kwargs=ROOM),
    "room_activity": Route("room seller", room_seller(), kwargs=ROOM),
    "room_beacon": Route("signed in: always 204", signed_in(204), method="post", kwargs=ROOM),
    "buyer_task_link": Route(
        "public: a made-up token is a 404",
        public(404),
        kwargs=lambda ctx: {"token": "made-up", "task_id": ctx["task"]},
    ),
    # Email preferences
    "notification_preferences": Route("signed in, buyers too", signed_in()),
    "unsubscribe": Route(
        "public: a tampered token is a 404", public(404), kwargs=lambda ctx: {"token": "bad"}
    ),
    # Resources: either side shares and opens; sellers reorder and remove anything (a buyer
    # removes only what they shared: this one is the owner's)
    "resource_add_file": Route(
        "the room's people: no file", room_member(422), method="post", kwargs=ROOM
    ),
    "resource_add_link": Route(
        "the room's people: no link", room_member(422), method="post", kwargs=ROOM
    ),
    "resource_open": Route("the room's people: a link", room_member(302), kwargs=RESOURCE),
    "resource_delete": Route("room seller", room_seller(302), method="post", kwargs=RESOURCE),
    "resource_move": Route("room seller", room_seller(302), method="post", kwargs=RESOURCE),
    # Personal API tokens
    "api_tokens": Route("signed in, buyers too", signed_in()),
    "profile": Route("signed in, buyers too", signed_in()),
    "api_token_revoke": Route(
        "the token's owner only: it is the owner's, so 404 for everyone else",
        {**signed_in(404), "owner": 302},
        method="post",
        kwargs=lambda ctx: {"token_id": ctx["api_token"]},
    ),
    # The REST API (api/): the same access as the pages above; a write with an empty body is
    # a 400 for whoever may make it
    "api:schema": Route("public: the OpenAPI schema", public()),
    "api:docs": Route("public: Swagger UI", public()),
    "api:organisations": Route("signed in: their own", api(signed_in())),
    "api:organisation": Route("member", api(member()), kwargs=ORG),
    "api:rooms": Route("signed in: the rooms they reach", api(signed_in())),
    "api:room": Route("the room's people", api(room_member()), kwargs=ROOM),
    "api:room-stage": Route(
        "room seller", api(room_seller(400)), method="post", json=True, kwargs=ROOM
    ),
    "api:room-document": Route(
        "the room's people, each their own view", api(room_member()), kwargs=ROOM
    ),
    "api:room-figures": Route("room seller", api(room_seller()), kwargs=ROOM),
    "api:room-save-as-template": Route(
        "room seller", api(room_seller(400)), method="post", json=True, kwargs=ROOM
    ),
    "api:stakeholders": Route("the room's people", api(room_member()), kwargs=ROOM),
    "api:stakeholder-sellers": Route(
        "room seller", api(room_seller(400)), method="post", json=True, kwargs=ROOM
    ),
    "api:stakeholder": Route("the room's people", api(room_member()), kwargs=STAKEHOLDER),
    "api:stakeholder-move": Route(
        "room seller", api(room_seller(400)), method="post", json=True, kwargs=STAKEHOLDER
    ),
    "api:stakeholder-invite": Route(
        "room seller", api(room_seller()), method="post", json=True, kwargs=STAKEHOLDER
    ),
    "api:stakeholder-revoke": Route(
        "room seller", api(room_seller()), method="post", json=True, kwargs=STAKEHOLDER
    ),
    "api:milestones": Route("the room's people", api(room_member()), kwargs=ROOM),
    "api:plan-import": Route(
        "room seller: no file", api(room_seller(400)), method="post", kwargs=ROOM
    ),
    "api:milestone": Route("the room's people", api(room_member()), kwargs=MILESTONE),
    "api:milestone-move": Route(
        "room seller", api(room_seller(400)), method="post", json=True, kwargs=MILESTONE
    ),
    "api:tasks": Route("the room's people", api(room_member()), kwargs=ROOM),
    "api:task": Route("the room's people", api(room_member()), kwargs=TASK),
    "api:task-tick": Route(
        "sellers; buyers their side's tasks (not this one)",
        api(room_seller(400)),
        method="post",
        json=True,
        kwargs=TASK,
    ),
    "api:task-move": Route(
        "room seller", api(room_seller(400)), method="post", json=True, kwargs=TASK
    ),
    "api:plan-export-csv": Route(
        "the room's people: the plan as they see it", api(room_member()), kwargs=ROOM
    ),
    "api:plan-export-xlsx": Route(
        "the room's people: the plan as they see it", api(room_member()), kwargs=ROOM
    ),
    "api:comments": Route("the room's people", api(room_member()), kwargs=ROOM),
    "api:comment": Route(
        "the room's people",
        api(room_member()),
        kwargs=lambda ctx: {"room_id": ctx["room_a1"], "comment_id": ctx["comment"]},
    ),
    "api:resources": Route("the room's people", api(room_member()), kwargs=ROOM),
    "api:resource-links": Route(
        "the room's people: no link", api(room_member(400)), method="post", json=True, kwargs=ROOM
    ),
    "api:resource-files": Route(
        "the room's people: no file", api(room_member(400)), method="post", kwargs=ROOM
    ),
    "api:resource": Route("the room's people", api(room_member()), kwargs=RESOURCE),
    "api:resource-download": Route(
        "the room's people: a link", api(room_member(302)), kwargs=RESOURCE
    ),
    "api:resource-move": Route(
        "room seller", api(room_seller(400)), method="post", json=True, kwargs=RESOURCE
    ),
    "api:templates": Route("any member, of their own organisations", api(any_member())),
    "api:template": Route(
        "members of the template's organisation",
        api(member()),
        kwargs=lambda ctx: {"template_id": str(ctx["template_a"])},
    ),
    "api:events": Route("signed in: their rooms' (buyers: none)", api(signed_in())),
    # Integrations
    "webhook_list": Route("org admin", admin_only(200), kwargs=ORG),
    "webhook_detail": Route("org admin", admin_only(200), kwargs=ENDPOINT),
    "webhook_rotate": Route("org admin", admin_only(200), method="post", kwargs=ENDPOINT),
    "webhook_test": Route("org admin", admin_only(302), method="post", kwargs=ENDPOINT),
    "webhook_delete": Route("org admin", admin_only(302), method="post", kwargs=ENDPOINT),
    "webhook_send_again": Route(
        "org admin: a made-up delivery is a 404",
        admin_only(404),
        method="post",
        kwargs=lambda ctx: {**ENDPOINT(ctx), "delivery_id": uuid.uuid4()},
    ),
    "chat_channels": Route("org admin", admin_only(200), kwargs=ORG),
    "chat_delete": Route(
        "org admin: a made-up channel is a 404",
        admin_only(404),
        method="post",
        kwargs=lambda ctx: {**ORG(ctx), "channel_id": uuid.uuid4()},
    ),
    "calendar_settings": Route("signed in, buyers too", signed_in()),
    "calendar_revoke": Route(
        "the feed's person only: a made-up one is a 404",
        signed_in(404),
        method="post",
        kwargs=lambda ctx: {"feed_id": uuid.uuid4()},
    ),
    "calendar_feed": Route(
        "public: the secret URL is the key; a wrong one is a 404",
        public(404),
        kwargs=lambda ctx: {"token": "not-a-real-token"},
    ),
    "room_calendar": Route(
        "the room's buyer; its sellers are sent to their own feed",
        room_member(302, buyer=200),
        kwargs=ROOM,
    ),
    "room_calendar_ics": Route("the room's people", room_member(), kwargs=ROOM),
    "task_calendar_ics": Route("the room's people", room_member(), kwargs=TASK),
    "api:webhooks": Route("signed in: their organisations' (as admin)", api(signed_in())),
    "api:webhook": Route("org admin", api(admin_only(200)), kwargs=API_ENDPOINT),
    "api:webhook-rotate-secret": Route(
        "org admin", api(admin_only(200)), method="post", kwargs=API_ENDPOINT
    ),
    "api:webhook-test": Route(
        "org admin", api(admin_only(202)), method="post", kwargs=API_ENDPOINT
    ),
    "api:webhook-deliveries": Route("org admin", api(admin_only(200)), kwargs=API_ENDPOINT),
    "api:webhook-send-again": Route(
        "org admin: a made-up delivery is a 404",
        api(admin_only(404)),
        method="post",
        kwargs=lambda ctx: {**API_ENDPOINT(ctx), "delivery_id": uuid.uuid4()},
    ),
    "api:calendar-feeds": Route("signed in: their own", api(signed_in())),
    "api:calendar-feed": Route(
        "the feed's person only: a made-up one is a 404",
        api(signed_in(404)),
        method="delete",
        kwargs=lambda ctx: {"feed_id": uuid.uuid4()},
    ),
}


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner.strip(":"))
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name or "", prefix + str(pattern.pattern), pattern


def all_routes() -> list[tuple[str, str]]:
    return [(name, route) for name, route, _ in walk(get_resolver().url_patterns)]


def is_admin_route(route: str) -> bool:
    return route.startswith("admin/")


def test_every_url_pattern_is_classified():
    unclassified = [
        f"{name or '(unnamed)'} {route}"
        for name, route in all_routes()
        if not is_admin_route(route) and name not in ROUTES
    ]
    assert unclassified == [], "Classify these routes in tests/test_url_permissions.py"
    stale = set(ROUTES) - {name for name, _ in all_routes()}
    assert stale == set(), "These classified routes no longer exist"


@pytest.fixture
def ctx(world) -> dict:
    return {
        "org_a": world.org_a.public_id,
        "room_a1": world.room_a1.public_id,
        "template_a": world.template_a.public_id,
        "milestone": world.room_a1.milestones.get().public_id,
        "task": world.room_a1.tasks.get().public_id,
        "buyer": world.room_a1.stakeholders.get(email="bea@buyer-a1.example").public_id,
        "rep_membership": Membership.objects.get(user=world.rep).public_id,
        "invitation": InvitationFactory(organisation=world.org_a).public_id,
        "resource": ResourceFactory(room=world.room_a1, created_by=world.owner).public_id,
        "api_token": api_token_create(user=world.owner, name="CRM")[0].public_id,
        "endpoint": WebhookEndpoint.objects.create(
            organisation=world.org_a, url="https://hooks.example/t", event_types=["room.created"]
        ).public_id,
        "comment": Comment.objects.create(
            organisation=world.org_a, room=world.room_a1, author=world.owner, body="Hello"
        ).public_id,
        "export": OrganisationExport.objects.create(
            organisation=world.org_a, requested_by=world.owner
        ).public_id,
    }


def login_as(client, world, persona: str) -> None:
    if persona != "anonymous":
        client.force_login(getattr(world, persona))


def assert_status(response, expected, persona: str, url: str) -> None:
    where = f"{persona} {response.request['REQUEST_METHOD']} {url}"
    if expected == LOGIN:
        assert response.status_code == 302, where
        assert response["Location"].startswith(reverse("account_login")), where
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302, where
        assert response["Location"].startswith(reverse("admin:login")), where
    else:
        assert response.status_code == expected, f"{where}: {response.status_code}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_answers_each_persona_as_classified(client, world, ctx, name, persona):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(ctx))
    login_as(client, world, persona)
    body = {"data": "{}", "content_type": "application/json"} if route.json else {}
    response = getattr(client, route.method)(url, **body)
    assert_status(response, route.expect[persona], persona, url)


def test_outsider_gets_404_for_a_forged_organisation_id(client, world):
    client.force_login(world.owner)
    forged = uuid.uuid4()
    assert client.get(reverse("member_list", args=[forged])).status_code == 404
    assert client.get(reverse("member_list", args=[world.org_b.public_id])).status_code == 404


ADMIN_SAMPLE = {
    "object_id": "1",
    "id": "1",
    "content_type_id": "1",
    "app_label": "accounts",
    "url": "x",
}


def admin_url(route: str) -> str:
    """Fill an admin route (path converters or regex groups) with sample values."""
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ADMIN_SAMPLE[m.group(1)], route)
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: ADMIN_SAMPLE[m.group(1)], route)
    return "/" + route.replace("^", "").replace("$", "")


@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_site_is_for_staff_only(client, world, persona):
    """No persona is staff: every admin page but its sign-in sends them to the admin sign-in."""
    login_as(client, world, persona)
    checked = 0
    for name, route in all_routes():
        if not is_admin_route(route) or name in {"admin:login", "admin:logout"}:
            continue
        url = admin_url(route)
        assert_status(client.get(url), ADMIN_LOGIN, persona, url)
        checked += 1
    assert checked > 20
