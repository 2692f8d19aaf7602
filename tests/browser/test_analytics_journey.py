"""A buyer's visit, seen by the seller as it happens: the buyer opens her link, reads a task and
leaves; the seller's open room page shows the visit in its feed without a reload, the room's
analytics show her visit, the task she read and her time on the page, and the dashboard counts
her visit."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from activity.models import Event
from plans.builtin_templates import BUILTIN_TEMPLATES
from rooms.access import room_access_for
from rooms.services import room_create
from stakeholders.services import buyer_invite, buyer_link_create, stakeholder_add_buyer
from tests.browser.test_buyer_journey import PHONE, sign_in, snapshot
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPANY = "Harbour Logistics"


def test_a_buyer_visit_shows_up_in_the_seller_feed_and_analytics(
    live_server, new_page, celery_eager, tmp_path
):
    admin = MembershipFactory(role=Role.ADMIN, organisation__name="Northwind Traders")
    room = room_create(
        membership=admin,
        buyer_company=COMPANY,
        target_date=timezone.localdate() + datetime.timedelta(days=45),
        template=BUILTIN_TEMPLATES["smb"],
    )
    as_admin = room_access_for(admin.user, room)
    dana = stakeholder_add_buyer(by=as_admin, name="Dana Decider", email="dana@buyer.example")
    buyer_invite(stakeholder=dana, by=as_admin)
    _link, token = buyer_link_create(stakeholder=dana, actor=admin.user, replace=False)
    task = room.tasks.filter(side="buyer").order_by("due_date").first()

    seller = new_page()
    sign_in(seller, live_server, admin.user.email, f"/rooms/{room.public_id}/")
    feed = seller.get_by_role("region", name="Activity")
    expect(feed).to_contain_text("invited Dana Decider")
    expect(feed).not_to_contain_text("opened the room")

    buyer = new_page()
    buyer.goto(f"{live_server.url}/b/{token}/")
    buyer.get_by_role("button", name="Open the room").click()
    expect(buyer.get_by_role("heading", level=1)).to_have_text(COMPANY)
    buyer.goto(f"{live_server.url}/rooms/{room.public_id}/")
    expect(buyer.locator("#tandem-beacon")).to_have_count(1)
    buyer.wait_for_timeout(1_500)  # a second and a half on the page, visible
    buyer.close(run_before_unload=True)  # leaving reports the time it stayed visible

    # The seller's page, never reloaded, polls its feed.
    expect(feed.get_by_role("listitem").filter(has_text="Dana Decider").first).to_contain_text(
        "opened the room", timeout=15_000
    )
    expect(feed).to_contain_text("Buyer")

    reader = new_page()
    reader.goto(f"{live_server.url}/b/{token}/")
    reader.get_by_role("button", name="Open the room").click()
    reader.goto(f"{live_server.url}/rooms/{room.public_id}/tasks/{task.public_id}/")
    expect(reader.get_by_role("heading", level=1)).to_contain_text(task.title)

    seconds = Event.objects.filter(room=room, kind="room.time").values_list("seconds", flat=True)
    assert list(seconds) and sum(seconds) >= 1

    feed.get_by_role("link", name=re.compile("Engagement analytics")).click()
    expect(seller.get_by_role("heading", level=1)).to_have_text("Engagement")
    people = seller.get_by_role("region", name="People")
    row = people.get_by_role("row").filter(has_text="Dana Decider")
    expect(row).to_contain_text("Buyer")
    visits = row.get_by_role("cell").nth(2)
    expect(visits).to_have_text("1")  # her views, minutes apart, are one visit
    expect(people).to_contain_text(task.title)
    snapshot(seller, tmp_path / "analytics.png")

    seller.goto(f"{live_server.url}/dashboard/")
    room_row = seller.get_by_role("row").filter(has_text=COMPANY)
    expect(room_row).to_contain_text("1 / 1")  # visits in 7 and 30 days
    expect(room_row).to_contain_text("On track")

    phone = new_page(PHONE)
    sign_in(phone, live_server, admin.user.email, "/dashboard/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Dashboard")
    snapshot(phone, tmp_path / "dashboard-phone.png")
