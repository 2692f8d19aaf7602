"""Two-factor sign-in in a real browser (issue 17): a seller turns on a passkey, with
Chromium's virtual authenticator standing in for a phone or a fingerprint reader, and signs
in with it; an organisation requires two-factor and a member is made to set it up."""

import os
import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from accounts.models import Role
from activity.kinds import EventKind
from governance.models import AuditEntry
from tests.browser.test_room_journey import PHONE, sign_in
from tests.factories import PASSWORD, MembershipFactory, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    shots = os.environ.get("SCREENSHOTS")  # a developer looking at the pages
    if not shots:
        return
    size = page.viewport_size
    page.screenshot(path=f"{shots}/{name}_1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{shots}/{name}_390.png", full_page=True)
    page.set_viewport_size(size)


def virtual_authenticator(page) -> None:
    """A platform authenticator that holds passkeys and verifies its user (Chrome DevTools
    Protocol's WebAuthn domain)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_a_seller_turns_on_a_passkey_and_signs_in_with_it(new_page, live_server):
    rep = MembershipFactory(role=Role.REP, user__email="pat@initech.example").user
    page = new_page()
    virtual_authenticator(page)
    sign_in(page, live_server, rep.email)
    expect(page.get_by_role("heading", name=re.compile("room", re.I)).first).to_be_visible()

    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    # Adding a factor asks for the password again first.
    page.get_by_label(re.compile(r"^Password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.get_by_label(re.compile(r"^Name", re.I)).fill("Work laptop")
    page.get_by_label(re.compile("Passwordless", re.I)).check()
    shoot(page, "passkey_add")
    page.get_by_role("button", name=re.compile("^Add$", re.I)).click()
    # The first factor comes with recovery codes, shown at once.
    expect(page.get_by_text("Security key added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    shoot(page, "recovery_codes")
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/")
    expect(page.get_by_text("Work laptop").first).to_be_visible()
    shoot(page, "passkey_list")
    key = Authenticator.objects.get(user=rep, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().is_passwordless

    page.context.clear_cookies()  # signed out; the passkey stays on the authenticator
    page.goto(f"{live_server.url}/accounts/login/")
    shoot(page, "sign_in_with_passkey")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    expect(page.get_by_test_id("account-menu").locator(".menu__heading")).to_contain_text(rep.email)
    # The passkey was the whole sign-in: no password was typed this time.
    assert "/accounts/" not in page.url


def test_an_organisation_requires_two_factor_and_a_member_is_made_to_set_it_up(
    new_page, live_server
):
    admin = MembershipFactory(role=Role.ADMIN, user__email="ada@initech.example")
    org = admin.organisation
    rep = MembershipFactory(organisation=org, role=Role.REP, user__email="ray@initech.example")

    page = new_page()
    sign_in(page, live_server, admin.user.email, f"/orgs/{org.public_id}/security/")
    expect(page.get_by_role("heading", name="Sign-in", exact=True)).to_be_visible()
    page.get_by_label("Require two-factor sign-in of every member").check()
    shoot(page, "organisation_security")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Sign-in settings saved.")).to_be_visible()

    member = new_page()
    sign_in(member, live_server, rep.user.email)
    expect(member.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    shoot(member, "two_factor_setup")
    # Nothing else opens until it is done.
    member.goto(f"{live_server.url}/dashboard/")
    expect(member.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    member.get_by_role("link", name=re.compile("An authenticator app")).click()
    # allauth asks for the password again before a factor is added.
    member.get_by_label(re.compile(r"^Password", re.I)).fill(PASSWORD)
    member.get_by_role("button", name=re.compile("confirm", re.I)).click()
    secret = member.locator("#authenticator_secret").input_value()
    shoot(member, "totp_activate")
    member.get_by_label("Authenticator code").fill(totp_code(secret))
    member.get_by_role("button", name="Activate").click()
    member.goto(f"{live_server.url}/dashboard/")
    expect(member.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert Authenticator.objects.filter(user=rep.user, type=Authenticator.Type.TOTP).exists()

    # The admin's audit log shows the rule being turned on.
    page.goto(f"{live_server.url}/orgs/{org.public_id}/audit/")
    expect(page.get_by_text("required two-factor sign-in of every member")).to_be_visible()
    shoot(page, "audit_log")
    page.goto(f"{live_server.url}/orgs/{org.public_id}/data/")
    expect(page.get_by_role("heading", name="Erase a person")).to_be_visible()
    shoot(page, "organisation_data")
    assert AuditEntry.objects.filter(kind=EventKind.SECURITY_SETTINGS_CHANGED).exists()
