"""Journey 6: a buyer's reminder email brings her straight to her task.

The email is read the way she gets it, as a message in a file (Django's file backend); its
link is her personal one (the buyer-link rules: a GET shows where it leads, the button signs
her in) and lands on the task, not on the room.
"""

import datetime
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role, Side
from notifications.reminders import morning_day, reminders_sweep
from stakeholders.models import AccessState
from tests.browser.test_buyer_journey import PHONE, mailbox, text_of  # noqa: F401 (a fixture)
from tests.factories import (
    MembershipFactory,
    MilestoneFactory,
    RoomFactory,
    StakeholderFactory,
    TaskFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TASK_LINK = re.compile(r"https?://[^\s/]+/b/[^/\s]+/tasks/[0-9a-f-]+/")


def a_zone_in_its_morning(now: datetime.datetime) -> tuple[str, datetime.date]:
    """UTC from 08:00; before that, Kiritimati (UTC+14) is in its afternoon."""
    for name in ("UTC", "Pacific/Kiritimati"):
        day = morning_day(now, zoneinfo.ZoneInfo(name))
        if day is not None:
            return name, day
    raise AssertionError("no zone in its morning")  # cannot happen: see the docstring


def test_a_buyer_follows_her_reminder_into_the_task(
    live_server,
    new_page,
    settings,
    mailbox,  # noqa: F811
    celery_eager,
):
    settings.SITE_URL = live_server.url  # emailed links point at the live server
    now = timezone.now()
    zone, today = a_zone_in_its_morning(now)
    admin = MembershipFactory(
        role=Role.ADMIN, organisation__name="Northwind", organisation__timezone=zone
    )
    room = RoomFactory(
        organisation=admin.organisation, owner=admin.user, buyer_company="Harbour Logistics"
    )
    dana = StakeholderFactory(
        room=room, name="Dana Buyer", email="dana@buyer.example", access_state=AccessState.INVITED
    )
    task = TaskFactory(
        milestone=MilestoneFactory(room=room, title="Security"),
        owner=dana,
        side=Side.BUYER,
        title="Return the security questionnaire",
        due_date=today + datetime.timedelta(days=2),
    )

    assert reminders_sweep(now=now) == 1
    [reminder] = mailbox.to("dana@buyer.example")
    assert reminder["Subject"].endswith("Return the security questionnaire")
    [link] = TASK_LINK.findall(text_of(reminder))
    assert link.startswith(live_server.url)

    page = new_page(PHONE)  # she reads her email on her phone
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Return the security questionnaire")
    page.get_by_role("button", name="Open the task").click()
    expect(page).to_have_url(f"{live_server.url}/rooms/{room.public_id}/tasks/{task.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Return the security questionnaire")
    dana.refresh_from_db()
    assert dana.access_state == AccessState.ACTIVE
