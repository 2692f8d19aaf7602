"""A manager's first minute on the dashboard: the deals that need attention, each with its
reason, above the fold at 1280x800; the table fits its card at 1280; on a phone each room is a
card and nothing runs off the screen."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from plans.builtin_templates import BUILTIN_TEMPLATES
from rooms.access import room_access_for
from rooms.services import room_create
from stakeholders.services import buyer_invite, stakeholder_add_buyer
from tests.browser.test_buyer_journey import sign_in
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager():
    manager = MembershipFactory(role=Role.MANAGER, user__name="Maya Manager")
    today = timezone.localdate()
    for number in range(6):
        room = room_create(
            membership=manager,
            buyer_company=f"Buyer company {number}",
            target_date=today + datetime.timedelta(days=40 + number),
            template=BUILTIN_TEMPLATES["smb"],
        )
        if number < 2:  # invited and never seen: stalled after ten days
            by = room_access_for(manager.user, room)
            buyer = stakeholder_add_buyer(by=by, name="Quiet Buyer", email=f"q{number}@b.example")
            buyer_invite(stakeholder=buyer, by=by)
            buyer.__class__.objects.filter(pk=buyer.pk).update(
                invited_at=timezone.now() - datetime.timedelta(days=12)
            )
    return manager


def test_deals_needing_attention_come_first_with_their_reason(live_server, new_page, manager):
    page = new_page()
    sign_in(page, live_server, manager.user.email, "/dashboard/")
    attention = page.get_by_test_id("attention")
    expect(attention.get_by_role("heading", name="Needs attention")).to_be_visible()
    expect(attention.get_by_role("listitem")).to_have_count(2)
    expect(attention.get_by_role("listitem").first).to_contain_text("Stalled")
    expect(attention.get_by_role("listitem").first).to_contain_text("No buyer has opened the room")
    bottom = attention.evaluate("el => el.getBoundingClientRect().bottom")
    assert bottom <= 800, f"the deals that need attention end at y = {bottom}"

    card = page.locator(".dashboard-table")
    widths = card.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1], f"the table is {widths[0]} px wide in a {widths[1]} px card"
    overdue = card.get_by_role("columnheader", name="Overdue")
    overdue.scroll_into_view_if_needed()
    expect(overdue).to_be_in_viewport()


def test_on_a_phone_each_room_is_a_card_and_nothing_runs_off(live_server, new_page, manager):
    page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, live_server, manager.user.email, "/dashboard/")
    expect(page.get_by_test_id("attention")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    health = page.locator('.table--dashboard td[data-label="Health"]').first
    box = health.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
