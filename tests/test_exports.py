"""The plan as a spreadsheet (plans.exports): the shared format, what each side sees, the XLSX
read back, its Progress sheet, the files' names, formula injection, and who may export."""

import csv
import datetime
import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from accounts.models import Side
from plans.exports import HEADER, plan_csv, plan_export, plan_xlsx
from plans.models import Status
from rooms.access import room_access_for
from rooms.models import Direction
from tests.api_helpers import client_for, v1
from tests.factories import MilestoneFactory, TaskFactory

D = datetime.date
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def plan(world):
    """Room A1 with a plan of every kind of row: an owner on each side, an internal task, a
    completed one (late in the evening, UTC: already the next day in Paris), a blocked one, a
    milestone with no task and one with no date."""
    room = world.room_a1
    room.organisation.timezone = "Europe/Paris"
    room.organisation.save(update_fields=["timezone"])
    room.milestones.all().delete()
    bea = room.stakeholders.get(user=world.buyer)
    sam = room.stakeholders.get(user=world.owner)
    discovery = MilestoneFactory(room=room, title="Discovery", target_date=D(2027, 3, 1))
    TaskFactory(
        milestone=discovery,
        title="Agree the success criteria",
        description="In their words",
        side=Side.BUYER,
        owner=bea,
        due_date=D(2027, 2, 20),
        status=Status.DONE,
        completed_at=datetime.datetime(2027, 2, 18, 23, 30, tzinfo=datetime.UTC),
    )
    TaskFactory(
        milestone=discovery,
        title="Set our price floor",
        owner=sam,
        due_date=D(2027, 2, 25),
        is_internal=True,
    )
    TaskFactory(
        milestone=discovery,
        title="Security review",
        side=Side.BUYER,
        due_date=None,
        status=Status.BLOCKED,
    )
    MilestoneFactory(room=room, title="Go-live", target_date=None)
    contract = MilestoneFactory(room=room, title="Contract", target_date=D(2027, 4, 1))
    TaskFactory(
        milestone=contract,
        title="Send the order form",
        owner=sam,
        due_date=D(2027, 3, 15),
        status=Status.IN_PROGRESS,
    )
    return room


def owner_cells(world):
    return world.owner.get_full_name(), world.owner.email


def test_a_seller_exports_every_task_with_the_internal_column(world, plan):
    sam, sam_email = owner_cells(world)
    export = plan_export(room_access_for(world.owner, plan))
    assert export.header == HEADER
    assert export.rows == [
        ["Discovery", D(2027, 3, 1), "Agree the success criteria", "In their words",
         "Bea Buyer", "bea@buyer-a1.example", "Buyer", D(2027, 2, 20), "Done",
         D(2027, 2, 19), None],
        ["Discovery", D(2027, 3, 1), "Set our price floor", None,
         sam, sam_email, "Seller", D(2027, 2, 25), "To do", None, "Yes"],
        ["Discovery", D(2027, 3, 1), "Security review", None,
         None, None, "Buyer", None, "Blocked", None, None],
        ["Go-live", None, None, None, None, None, None, None, None, None, None],
        ["Contract", D(2027, 4, 1), "Send the order form", None,
         sam, sam_email, "Seller", D(2027, 3, 15), "In progress", None, None],
    ]  # fmt: skip


def test_a_buyer_exports_what_they_see_without_internal_tasks_or_column(world, plan):
    sam, sam_email = owner_cells(world)  # a seller's address is not for buyers
    export = plan_export(room_access_for(world.buyer, plan))
    assert export.header == HEADER[:-1]
    assert "Internal" not in export.header
    assert export.rows == [
        ["Discovery", D(2027, 3, 1), "Agree the success criteria", "In their words",
         "Bea Buyer", "bea@buyer-a1.example", "Buyer", D(2027, 2, 20), "Done",
         D(2027, 2, 19)],
        ["Discovery", D(2027, 3, 1), "Security review", None,
         None, None, "Buyer", None, "Blocked", None],
        ["Go-live", None, None, None, None, None, None, None, None, None],
        ["Contract", D(2027, 4, 1), "Send the order form", None,
         sam, None, "Seller", D(2027, 3, 15), "In progress", None],
    ]  # fmt: skip
    assert b"price floor" not in plan_csv(export)
    assert sam_email.encode() not in plan_csv(export)
    assert b"price floor" not in plan_xlsx(export)


def test_the_export_makes_two_queries_whatever_the_size_of_the_plan(
    world, plan, django_assert_num_queries
):
    access = room_access_for(world.owner, plan)
    # The tasks with their owners; the milestones.
    with django_assert_num_queries(2):
        plan_export(access)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_csv_is_utf8_with_a_bom_and_iso_dates(world, plan):
    rows = read_csv(plan_csv(plan_export(room_access_for(world.owner, plan))))
    assert rows[0] == HEADER
    assert rows[1] == [
        "Discovery", "2027-03-01", "Agree the success criteria", "In their words", "Bea Buyer",
        "bea@buyer-a1.example", "Buyer", "2027-02-20", "Done", "2027-02-19", "",
    ]  # fmt: skip
    assert rows[4] == ["Go-live"] + [""] * 10
    assert len(rows) == 6


def read_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_the_xlsx_reads_back_with_real_date_cells_and_readable_columns(world, plan):
    export = plan_export(room_access_for(world.owner, plan))
    book = read_xlsx(plan_xlsx(export))
    assert book.sheetnames == ["Plan", "Progress"]
    sheet = book["Plan"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    # Dates come back as (naive) datetimes: openpyxl reads every date cell so.
    assert values[1][0] == "Discovery"
    assert values[1][1].date() == D(2027, 3, 1)
    assert values[1][2] == "Agree the success criteria"
    assert values[1][9].date() == D(2027, 2, 19)
    assert sheet["B2"].is_date and sheet["B2"].number_format == "yyyy-mm-dd"
    assert values[2][10] == "Yes"
    assert values[4] == ["Go-live"] + [None] * 10
    assert len(values) == 6
    assert sheet.column_dimensions["C"].width >= len("Agree the success criteria")
    assert all(sheet.column_dimensions[c].width >= 10 for c in "ABCDEFGHIJK")


def test_the_progress_sheet_has_the_plan_and_each_milestone(world, plan):
    seller = read_xlsx(plan_xlsx(plan_export(room_access_for(world.owner, plan))))["Progress"]
    assert [list(row) for row in seller.iter_rows(values_only=True)] == [
        ["Milestone", "Done", "Total", "Percent"],
        ["Whole plan", 1, 4, 0.25],
        ["Discovery", 1, 3, 0.33],
        ["Go-live", 0, 0, 0],
        ["Contract", 0, 1, 0],
    ]
    assert seller["D2"].number_format == "0%"
    buyer = read_xlsx(plan_xlsx(plan_export(room_access_for(world.buyer, plan))))["Progress"]
    assert list(buyer.iter_rows(min_row=2, max_row=3, values_only=True)) == [
        ("Whole plan", 1, 3, 0.33),
        ("Discovery", 1, 2, 0.5),
    ]


def test_a_template_exports_its_dates_as_the_offsets_it_shows(world):
    template = world.template_a
    template.direction = Direction.BACKWARD
    template.target_date = D(2027, 6, 30)
    template.save(update_fields=["direction", "target_date"])
    milestone = MilestoneFactory(room=template, title="Legal", target_date=D(2027, 6, 16))
    TaskFactory(milestone=milestone, title="Redlines", due_date=D(2027, 6, 30))
    export = plan_export(room_access_for(world.owner, template))
    assert export.rows == [
        ["Legal", "T−14", "Redlines", None, None, None, "Seller", "Target date", "To do", None,
         None],
    ]  # fmt: skip
    assert read_csv(plan_csv(export))[1][:2] == ["Legal", "T−14"]
    assert read_xlsx(plan_xlsx(export))["Plan"]["B2"].value == "T−14"


FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_a_cell_that_starts_a_formula_is_neutralised_in_csv(world, plan, start):
    payload = f'{start}HYPERLINK("https://evil.example")'
    plan.tasks.filter(title="Security review").update(title=payload)
    rows = read_csv(plan_csv(plan_export(room_access_for(world.owner, plan))))
    assert rows[3][2] == "'" + payload


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_a_cell_that_starts_a_formula_is_neutralised_in_xlsx(world, plan, start):
    payload = f'{start}HYPERLINK("https://evil.example")'
    plan.tasks.filter(title="Security review").update(title=payload)
    plan.milestones.filter(title="Go-live").update(title=payload)
    book = read_xlsx(plan_xlsx(plan_export(room_access_for(world.owner, plan))))
    for cell in (book["Plan"]["C4"], book["Plan"]["A5"], book["Progress"]["A4"]):
        assert cell.data_type == "s"
        # An XML parser reads a carriage return back as a line feed.
        assert cell.value.replace("\n", "\r") == "'" + payload.replace("\n", "\r")


def test_a_control_character_cannot_hide_a_formula_from_the_xlsx(world, plan):
    plan.tasks.filter(title="Security review").update(title="\x01=1+1")
    book = read_xlsx(plan_xlsx(plan_export(room_access_for(world.owner, plan))))
    assert book["Plan"]["C4"].value == "'=1+1"
    assert book["Plan"]["C4"].data_type == "s"


def test_a_plain_cell_is_left_as_it_is(world, plan):
    plan.tasks.filter(title="Security review").update(title="Review: 50% done = fine")
    rows = read_csv(plan_csv(plan_export(room_access_for(world.owner, plan))))
    assert rows[3][2] == "Review: 50% done = fine"


# Over HTTP: the pages and the API --------------------------------------------------------


def test_a_seller_downloads_the_plan_from_the_room_page(client, world, plan):
    client.force_login(world.owner)
    page = client.get(f"/rooms/{plan.public_id}/")
    assert f'href="/rooms/{plan.public_id}/export.xlsx"' in page.text
    response = client.get(f"/rooms/{plan.public_id}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Buyer A1 plan.xlsx\"; filename*=UTF-8''Buyer%20A1%20plan.xlsx"
    )
    assert read_xlsx(response.content)["Plan"]["K3"].value == "Yes"


def test_a_buyer_downloads_their_view_from_the_room_page(client, world, plan):
    client.force_login(world.buyer)
    page = client.get(f"/rooms/{plan.public_id}/")
    assert f'href="/rooms/{plan.public_id}/export.csv"' in page.text
    response = client.get(f"/rooms/{plan.public_id}/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response.content)
    assert rows[0] == HEADER[:-1]
    assert "Set our price floor" not in response.content.decode("utf-8-sig")


def test_a_template_page_offers_its_export_to_sellers_only(client, world):
    template = world.template_a
    client.force_login(world.owner)
    page = client.get(f"/templates/{template.public_id}/")
    assert f'href="/rooms/{template.public_id}/export.csv"' in page.text
    response = client.get(f"/rooms/{template.public_id}/export.csv")
    assert response.status_code == 200
    assert 'filename="Template A template.csv"' in response["Content-Disposition"]
    client.force_login(world.buyer)
    assert client.get(f"/rooms/{template.public_id}/export.csv").status_code == 404


def test_the_file_name_comes_from_the_buyer_company_safely(client, world, plan):
    plan.buyer_company = 'Ünïcode "Q" / R\\S <Corp>: Ltd.'
    plan.save(update_fields=["buyer_company"])
    client.force_login(world.owner)
    header = client.get(f"/rooms/{plan.public_id}/export.csv")["Content-Disposition"]
    ascii_part, utf8_part = header.split("; filename*=UTF-8''")
    assert ascii_part == 'attachment; filename="Unicode Q R S Corp Ltd plan.csv"'
    assert unquote(utf8_part) == "Ünïcode Q R S Corp Ltd plan.csv"
    assert utf8_part.isascii() and "/" not in utf8_part and '"' not in utf8_part


def test_a_company_name_of_nothing_but_symbols_still_gives_a_file_name(client, world, plan):
    plan.buyer_company = '../"/'
    plan.save(update_fields=["buyer_company"])
    client.force_login(world.owner)
    header = client.get(f"/rooms/{plan.public_id}/export.xlsx")["Content-Disposition"]
    assert header.startswith('attachment; filename="Tandem plan.xlsx"')


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_api_exports_the_plan_as_the_token_holder_sees_it(world, plan, kind):
    url = v1(f"rooms/{plan.public_id}/plan/export/{kind}/")
    seller = client_for(world, "owner").get(url)
    buyer = client_for(world, "buyer").get(url)
    assert seller.status_code == buyer.status_code == 200
    assert seller["Content-Disposition"].startswith('attachment; filename="Buyer A1 plan.')
    if kind == "csv":
        assert read_csv(seller.content)[0] == HEADER
        assert read_csv(buyer.content)[0] == HEADER[:-1]
    else:
        assert read_xlsx(seller.content)["Plan"]["K1"].value == "Internal"
        assert read_xlsx(buyer.content)["Plan"]["K1"].value is None
    assert client_for(world, "outsider").get(url).status_code == 404
    assert client_for(world, "other_buyer").get(url).status_code == 404


def test_the_api_exports_a_template_for_its_sellers(world):
    url = v1(f"rooms/{world.template_a.public_id}/plan/export/xlsx/")
    assert client_for(world, "owner").get(url).status_code == 200
    assert client_for(world, "buyer").get(url).status_code == 404


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_api_answers_a_client_that_accepts_only_the_file_type(world, plan, kind):
    url = v1(f"rooms/{plan.public_id}/plan/export/{kind}/")
    accept = "text/csv" if kind == "csv" else XLSX
    response = client_for(world, "owner").get(url, HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(accept)
    refused = client_for(world, "outsider").get(url, HTTP_ACCEPT=accept)
    assert refused.status_code == 404
    assert refused["Content-Type"] == "application/json"
