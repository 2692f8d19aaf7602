"""A deal turning at risk, seen by its seller as it happens (issue 14): a buyer task's date
moves into the past, the room is checked at once, and the seller's open room page shows
"Health changed: On track → At risk (…)" in its feed without a reload; on a phone too."""

import datetime
import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from analytics.health_changes import health_sweep
from plans.builtin_templates import BUILTIN_TEMPLATES
from plans.services import task_update
from rooms.access import room_access_for
from rooms.services import room_create
from tests.browser.test_room_journey import PHONE, sign_in
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    shots = os.environ.get("SCREENSHOTS")  # a developer looking at the pages
    if shots:
        page.screenshot(path=f"{shots}/{name}.png", full_page=True)


def test_a_deal_turning_at_risk_shows_in_the_sellers_feed(live_server, new_page, celery_eager):
    admin = MembershipFactory(role=Role.ADMIN, organisation__name="Northwind Traders")
    room = room_create(
        membership=admin,
        buyer_company="Harbour Logistics",
        target_date=timezone.localdate() + datetime.timedelta(days=120),
        template=BUILTIN_TEMPLATES["smb"],
    )
    task = room.tasks.filter(side="buyer").order_by("due_date").first()
    health_sweep()  # on track, stored: a first computation says nothing
    path = f"/rooms/{room.public_id}/"

    seller = new_page()
    sign_in(seller, live_server, admin.user.email, path)
    feed = seller.get_by_role("region", name="Activity")
    expect(feed).to_be_visible()
    expect(feed).not_to_contain_text("Health changed")

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    task_update(task=task, by=room_access_for(admin.user, room), due_date=yesterday)
    line = feed.get_by_role("listitem").filter(has_text="Health changed").first
    expect(line).to_contain_text("On track → At risk (1 buyer task overdue)", timeout=15_000)
    feed.scroll_into_view_if_needed()
    shoot(seller, "health_feed_1280")

    phone = new_page(PHONE)
    sign_in(phone, live_server, admin.user.email, path)
    phone_line = phone.get_by_role("region", name="Activity").get_by_role("listitem").first
    expect(phone_line).to_contain_text("Health changed: On track → At risk")
    box = phone_line.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]  # wraps, fits
    shoot(phone, "health_feed_390")
