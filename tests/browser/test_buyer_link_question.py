"""A seller signed in opens a buyer's personal link (a forwarded invitation, a link tried out):
the link asks before it signs them out. Staying leaves them themselves and the link unused;
opening it as the buyer signs them in as the buyer, as the link always did.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from plans.builtin_templates import BUILTIN_TEMPLATES
from rooms.access import room_access_for
from rooms.services import room_create
from stakeholders.models import AccessState, BuyerLink
from stakeholders.services import buyer_invite
from tests.browser.test_buyer_journey import (  # noqa: F401 (mailbox is a fixture)
    PHONE,
    link_in,
    mailbox,
    sign_in,
    snapshot,
)
from tests.factories import MembershipFactory, StakeholderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELLER_ORG = "Northwind Traders"
SAM = "sam@northwind.example"
COMPANY = "Harbour Logistics"
DANA = "dana@buyer.example"


def signed_in_as(page: Page, email: str) -> None:
    # The account menu names the person; its panel's heading carries their address.
    expect(page.get_by_test_id("account-menu").locator(".menu__heading")).to_contain_text(email)


def test_a_seller_opening_a_buyers_link_is_asked_and_may_stay_themselves(
    live_server,
    new_page,
    settings,
    tmp_path,
    mailbox,  # noqa: F811
    celery_eager,
):
    settings.SITE_URL = live_server.url  # emailed links point at the live server
    admin = MembershipFactory(
        role=Role.ADMIN,
        organisation__name=SELLER_ORG,
        user__name="Sam Seller",
        user__email=SAM,
    )
    room = room_create(
        membership=admin,
        buyer_company=COMPANY,
        target_date=timezone.localdate() + datetime.timedelta(days=45),
        template=BUILTIN_TEMPLATES["smb"],
    )
    room_url = f"{live_server.url}/rooms/{room.public_id}/"
    dana = StakeholderFactory(room=room, name="Dana Decider", email=DANA, role="champion")
    buyer_invite(stakeholder=dana, by=room_access_for(admin.user, room))
    [invitation] = mailbox.to(DANA)
    link = link_in(invitation, live_server)  # Dana forwarded it, or Sam tries it out

    # Sam is signed in and opens Dana's link: the link asks before anything happens.
    page = new_page()
    sign_in(page, live_server, SAM, f"/rooms/{room.public_id}/")
    signed_in_as(page, SAM)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Open the room as Dana Decider?")
    expect(page.get_by_text(f"You are signed in as {SAM}.")).to_be_visible()
    snapshot(page, tmp_path / "question-1280.png")
    phone = new_page(PHONE)
    sign_in(phone, live_server, SAM, f"/rooms/{room.public_id}/")
    phone.goto(link)
    expect(phone.get_by_role("button", name="Open as Dana Decider")).to_be_visible()
    snapshot(phone, tmp_path / "question-390.png")

    # He stays himself: back in the room as Sam, and Dana's link is still hers to open.
    page.get_by_role("button", name="Stay as Sam Seller").click()
    expect(page).to_have_url(room_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(COMPANY)
    expect(page.get_by_text(f"You are still signed in as {SAM}.")).to_be_visible()
    signed_in_as(page, SAM)
    snapshot(page, tmp_path / "stayed.png")
    dana.refresh_from_db()
    assert (dana.user, dana.access_state) == (None, AccessState.INVITED)
    assert BuyerLink.objects.get(stakeholder=dana).last_used_at is None

    # He opens it again and this time chooses Dana: signed out, and in as her.
    page.goto(link)
    page.get_by_role("button", name="Open as Dana Decider").click()
    expect(page).to_have_url(room_url)
    signed_in_as(page, DANA)
    expect(page.get_by_role("main").get_by_role("heading", name="Your tasks")).to_be_visible()
    dana.refresh_from_db()
    assert dana.access_state == AccessState.ACTIVE
    assert re.fullmatch(r"[^@]+@buyer\.example", dana.user.email)
