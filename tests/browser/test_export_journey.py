"""Exporting the plan from the pages: a seller on a desktop takes the Excel file from the room's
header, and a buyer on a phone the CSV of what they see."""

import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import Role
from plans.builtin_templates import BUILTIN_TEMPLATES
from rooms.services import room_create
from tests.browser.test_room_journey import PHONE, sign_in, snapshot
from tests.factories import MembershipFactory, StakeholderFactory, TaskFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET_TASK = "Get the 20% discount approved"


def globex(admin):
    room = room_create(
        membership=admin,
        buyer_company="Globex",
        target_date=timezone.localdate() + datetime.timedelta(days=180),
        template=BUILTIN_TEMPLATES["smb"],
    )
    TaskFactory(milestone=room.milestones.first(), title=SECRET_TASK, is_internal=True)
    return room


def test_a_seller_downloads_the_plan_as_excel_from_the_room_header(live_server, page, tmp_path):
    admin = MembershipFactory(role=Role.ADMIN)
    room = globex(admin)
    sign_in(page, live_server, admin.user.email, f"/rooms/{room.public_id}/")
    page.get_by_text("Export", exact=True).click()
    snapshot(page, tmp_path / "export-menu-desktop.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    assert download.value.suggested_filename == "Globex plan.xlsx"
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    titles = [row[2] for row in book["Plan"].iter_rows(min_row=2, values_only=True)]
    assert SECRET_TASK in titles
    assert book["Progress"]["A2"].value == "Whole plan"


def test_a_buyer_on_a_phone_downloads_the_csv_of_what_they_see(live_server, new_page, tmp_path):
    admin = MembershipFactory(role=Role.ADMIN)
    room = globex(admin)
    buyer = UserFactory(email="dana@globex.example", name="Dana Buyer")
    StakeholderFactory(room=room, name="Dana Buyer", email=buyer.email, user=buyer,
                       access_state="active")  # fmt: skip
    client = Client()
    client.force_login(buyer)
    page = new_page(viewport=PHONE)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/rooms/{room.public_id}/")
    page.get_by_text("Export", exact=True).click()
    snapshot(page, tmp_path / "export-menu-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "Globex plan.csv"
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert text.startswith("Milestone,Milestone date,Task,")
    assert SECRET_TASK not in text
    assert "Internal" not in text.splitlines()[0]
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex")
