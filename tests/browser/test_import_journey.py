"""A seller brings their spreadsheet: uploads it, fixes a column the guess got wrong, reads the
preview's row error, uploads the corrected file, imports, and sees the plan in the room."""

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.test_room_journey import PHONE, enterprise_room, sign_in, snapshot
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def workbook(path, header: list, rows: list[list]) -> str:
    book = Workbook()
    sheet = book.active
    sheet.append(["Globex rollout — plan"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_a_seller_imports_a_spreadsheet_after_fixing_a_column_and_a_row(
    live_server, new_page, tmp_path, settings
):
    settings.PLAN_IMPORT_DIR = tmp_path / "imports"
    admin = MembershipFactory(role=Role.ADMIN)
    room = enterprise_room(admin)
    page = new_page()
    page.route("**/beacon/", lambda route: route.abort())
    sign_in(page, live_server, admin.user.email, f"/rooms/{room.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex")

    rows = [
        ["Rollout readiness", "Send the questionnaire", "Us", "Q3", "✓"],
        ["Rollout readiness", "Pen test report", "ivan@globex.example", "2027-01-08", ""],
    ]
    messy = workbook(tmp_path / "plan.xlsx", ["Phase", "What", "Who", "Deadline", "Done"], rows)
    page.get_by_role("link", name="Import plan").click()
    page.get_by_label("Spreadsheet").set_input_files(messy)
    page.get_by_role("button", name="Preview").click()

    # "What" was not taken for the tasks: the person says so.
    expect(page.get_by_role("heading", name="Preview: plan.xlsx")).to_be_visible()
    page.get_by_label("Task", exact=True).select_option(label="What")
    page.get_by_role("button", name="Update preview").click()
    expect(page.get_by_role("alert")).to_contain_text("row 3: “Q3” is not a date")
    expect(page.get_by_role("cell", name="Pen test report")).to_be_visible()
    expect(page.get_by_role("button", name="Import")).to_be_disabled()
    snapshot(page, tmp_path / "import-preview-error-1280.png")

    rows[0][3] = "2027-01-01"
    fixed = workbook(
        tmp_path / "plan-fixed.xlsx", ["Phase", "Task", "Who", "Deadline", "Done"], rows
    )
    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("Spreadsheet").set_input_files(fixed)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview: plan-fixed.xlsx")).to_be_visible()
    expect(page.get_by_text("added as a new buyer")).to_be_visible()
    snapshot(page, tmp_path / "import-preview-1280.png")
    phone = new_page(viewport=PHONE)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    snapshot(phone, tmp_path / "import-preview-390.png")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Globex")
    expect(page.get_by_text("Imported 1 milestone and 2 tasks.")).to_be_visible()
    expect(page.get_by_role("heading", name="Rollout readiness", level=3)).to_be_visible()
    assert room.tasks.get(title="Send the questionnaire").status == "done"
    assert room.stakeholders.filter(email="ivan@globex.example", side="buyer").exists()
