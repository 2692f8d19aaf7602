"""First journeys, driven through the pages as a person would: sign-up to the first room, an
invited colleague joining, and the entrance pages at phone width."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Invitation, Membership, Role, User
from tests.factories import PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "plum-harbour-lantern-42"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
INVITATION_LINK = re.compile(r"https?://\S+/invitations/[^/\s]+/")


def emailed_link(address: str, pattern: re.Pattern, live_server) -> str:
    """The link in the one email to the address that carries such a link, on the live server."""
    messages = [
        message for message in mail.outbox if address in message.to and pattern.search(message.body)
    ]
    assert len(messages) == 1, [(message.to, message.subject) for message in mail.outbox]
    parts = urlsplit(pattern.search(messages[0].body).group(0))
    return f"{live_server.url}{parts.path}"


def fill_sign_up(page: Page, email: str, name: str = "Sam Seller") -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label(re.compile(r"^Email", re.IGNORECASE)).fill(email)
    page.get_by_label(re.compile(r"^Password:?$", re.IGNORECASE)).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\)", re.IGNORECASE)).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account").click()


def sign_up(page: Page, email: str) -> None:
    fill_sign_up(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    expect(page.get_by_text("We have sent you an email with a link")).to_be_visible()


def confirm_email(page: Page, email: str, live_server) -> None:
    page.goto(emailed_link(email, CONFIRM_LINK, live_server))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    # In the product's words: no "... is an email address for user ...".
    expect(page.get_by_role("main")).not_to_contain_text("for user")
    page.get_by_role("button", name="Confirm my address").click()


def test_seller_signs_up_verifies_creates_organisation_and_sees_first_room_prompt(
    live_server, page, tmp_path
):
    email = "sam@northwind.example"
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Create your free account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))

    sign_up(page, email)
    assert [message.to for message in mail.outbox] == [[email]]
    confirm_email(page, email, live_server)

    # Confirming signs the seller in; without an organisation, home sends them to create one.
    expect(page).to_have_url(re.compile(r"/orgs/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your organisation")
    page.get_by_label("Organisation name").fill("Northwind Traders")
    page.get_by_role("button", name="Create organisation").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deal rooms")
    expect(page.get_by_text("Northwind Traders is ready.")).to_be_visible()
    expect(page.get_by_role("heading", name="Create your first room")).to_be_visible()
    first_room = page.get_by_test_id("create-first-room")
    expect(first_room).to_be_visible()
    page.screenshot(path=tmp_path / "empty-state.png", full_page=True)

    first_room.click()
    expect(page).to_have_url(re.compile(r"/rooms/new/$"))
    expect(page.get_by_label("Buyer company")).to_be_visible()
    expect(page.get_by_label("Target date")).to_be_visible()
    expect(page.get_by_role("button", name="Create room")).to_be_visible()
    page.screenshot(path=tmp_path / "new-room.png", full_page=True)

    user = User.objects.get(email=email)
    assert user.name == "Sam Seller"  # asked at sign-up: buyers see it, not the address
    expect(page.get_by_test_id("account-menu")).to_contain_text("Sam Seller")
    assert EmailAddress.objects.filter(user=user, email=email, verified=True).exists()
    membership = Membership.objects.get(user=user)
    assert membership.organisation.name == "Northwind Traders"
    assert membership.role == Role.ADMIN


def test_invited_colleague_signs_up_verifies_and_joins_as_manager(
    live_server, new_page, settings, celery_eager
):
    settings.SITE_URL = live_server.url  # the invitation email links to SITE_URL
    admin = MembershipFactory(
        role=Role.ADMIN, organisation__name="Acme Robotics", user__email="ada@acme.example"
    )
    invitee = "grace@acme.example"

    # The admin signs in and invites a colleague as manager.
    page = new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    page.get_by_label(re.compile(r"^Email", re.IGNORECASE)).fill(admin.user.email)
    # Email first (single sign-on): then the password.
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(re.compile(r"^Password:?$", re.IGNORECASE)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deal rooms")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    page.get_by_label("Email address").fill(invitee)
    page.get_by_label("Role", exact=True).select_option(label="Manager")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {invitee}.")).to_be_visible()
    pending = page.get_by_role("region", name=re.compile(r"^Pending invitations"))
    expect(pending.get_by_text(invitee)).to_be_visible()

    # The colleague, in a browser of their own, follows the emailed link.
    invitation_url = emailed_link(invitee, INVITATION_LINK, live_server)
    colleague = new_page()
    colleague.goto(invitation_url)
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Join Acme Robotics on Tandem")
    expect(colleague.get_by_text("to join as manager")).to_be_visible()
    colleague.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(colleague).to_have_url(re.compile(r"/accounts/signup/\?next=(/|%2F)invitations"))

    fill_sign_up(colleague, invitee)
    # The link proved the address, so signing up with it asks for no confirmation email.
    assert not [m for m in mail.outbox if m.to == [invitee] and "confirm-email" in m.body]

    # Verified and signed in, they are back at the invitation and accept it.
    expect(colleague).to_have_url(invitation_url)
    colleague.get_by_role("button", name="Accept and join Acme Robotics").click()

    expect(colleague).to_have_url(live_server.url + "/")
    expect(colleague.get_by_text("You joined Acme Robotics.")).to_be_visible()
    expect(colleague.get_by_test_id("org-switcher")).to_contain_text("Acme Robotics")
    expect(colleague.get_by_test_id("org-switcher")).to_contain_text("Manager")

    membership = Membership.objects.get(user__email=invitee)
    assert membership.organisation_id == admin.organisation_id
    assert membership.role == Role.MANAGER
    assert Invitation.objects.get(email=invitee).accepted_at is not None


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/accounts/signup/"], ids=["landing", "sign-in", "sign-up"]
)
def test_entrance_pages_fit_a_phone_without_sideways_scrolling(live_server, new_page, path):
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
