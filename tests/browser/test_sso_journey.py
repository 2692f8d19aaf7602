"""Single sign-on in a real browser (issue 17, item 2): an admin sets it up against a real
OpenID Connect provider (tests/oidc_provider, its own process), and a person of the domain
types their email on Tandem's sign-in page, signs in at the provider and lands in the
organisation."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, Role
from activity.kinds import EventKind
from governance.models import AuditEntry
from tests.browser.test_accessibility import AXE_SOURCE, RUN_AXE
from tests.browser.test_room_journey import sign_in
from tests.browser.test_two_factor_journey import shoot
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IDP_PASSWORD = "idp-password-of-the-test"


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation (tests/browser/test_accessibility.py)."""
    page.evaluate(AXE_SOURCE)
    assert page.evaluate(RUN_AXE) == []


def test_a_person_of_an_sso_domain_signs_in_through_their_provider(
    new_page, live_server, oidc_provider
):
    admin = MembershipFactory(
        role=Role.ADMIN, organisation__name="Acme Robotics", user__email="ada@acme.example"
    )
    org = admin.organisation

    # The admin registers Tandem at the provider with the redirect URI the page shows, then
    # tells Tandem about the provider.
    page = new_page()
    sign_in(page, live_server, admin.user.email, f"/orgs/{org.public_id}/security/")
    page.get_by_role("link", name="Set up single sign-on").click()
    expect(page.get_by_role("heading", name="Single sign-on", level=1)).to_be_visible()
    redirect_uri = page.get_by_label("Sign-in redirect URI").input_value()
    assert redirect_uri == (f"{live_server.url}/accounts/oidc/sso-{org.public_id}/login/callback/")
    oidc_provider.register(
        client_id="tandem-browser", client_secret="browser-secret", redirect_uris=[redirect_uri]
    )
    page.get_by_label("Issuer URL").fill(oidc_provider.issuer)
    page.get_by_label("Client ID").fill("tandem-browser")
    page.get_by_label("Client secret").fill("browser-secret")
    page.get_by_label("Email domains").fill("acme.example")
    page.get_by_label("Role of people who join this way").select_option(label="Manager")
    page.get_by_label("Require single sign-on for these domains").check()
    page.get_by_role("button", name="Save single sign-on").click()
    expect(page.get_by_text("Single sign-on saved.")).to_be_visible()
    expect(page.get_by_label("Client secret")).to_have_value("")
    shoot(page, "sso_settings")
    assert_accessible(page)

    # A colleague who has never used Tandem signs in with their company account.
    oidc_provider.person("grace@acme.example", IDP_PASSWORD, name="Grace Hopper")
    person = new_page()
    person.goto(f"{live_server.url}/accounts/login/")
    shoot(person, "sign_in_email_first")
    assert_accessible(person)
    person.get_by_label(re.compile(r"^Email", re.I)).fill("grace@acme.example")
    person.get_by_role("button", name="Continue").click()
    # Required: Tandem's single sign-on step goes on to the provider by itself.
    expect(person.get_by_role("heading", name="Acme identity provider")).to_be_visible()
    person.get_by_label("Username").fill("grace@acme.example")
    person.get_by_label("Password").fill(IDP_PASSWORD)
    person.get_by_role("button", name="Sign in to Acme").click()

    expect(person.get_by_test_id("org-switcher").locator(".menu__label")).to_have_text(
        "Acme Robotics"
    )
    assert person.url.startswith(live_server.url)
    membership = Membership.objects.get(user__email="grace@acme.example")
    assert (membership.organisation, membership.role) == (org, Role.MANAGER)
    assert membership.user.name == "Grace Hopper"
    assert AuditEntry.objects.filter(kind=EventKind.SSO_CHANGED, organisation_id=org.pk).exists()
    assert AuditEntry.objects.filter(
        kind=EventKind.MEMBER_JOINED, actor_id=membership.user_id, summary__contains="single"
    ).exists()
