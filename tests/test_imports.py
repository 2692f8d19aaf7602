"""Importing a plan from the spreadsheets teams really have (plans.imports): each messy file is
built here and the resulting plan checked exactly."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from plans.imports.preview import parse_date, parse_status
from plans.imports.reading import MAX_BYTES, read_table
from plans.imports.services import (
    ImportOptions,
    plan_import,
    plan_import_preview,
    room_create_from_import,
)
from plans.models import Milestone, Task
from rooms.access import room_access_for
from stakeholders.models import Stakeholder

CANONICAL = [
    "Milestone", "Milestone date", "Task", "Description", "Owner", "Owner email", "Side",
    "Due date", "Status", "Completed on", "Internal",
]  # fmt: skip


def xlsx(rows, *, merge: str = "", number_format: str = "") -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def plan_of(room):
    """The room's plan as (milestone, its date, [(task, side, owner, due, status, internal)])."""
    return [
        (
            m.title,
            m.target_date,
            [
                (
                    t.title,
                    t.side,
                    t.owner.name if t.owner else None,
                    t.due_date,
                    t.status,
                    t.is_internal,
                )
                for t in m.tasks.order_by("position")
            ],
        )
        for m in room.milestones.order_by("position")
    ]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.PLAN_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def blank_room(world):
    world.room_a1.milestones.all().delete()
    return world.room_a1


def seller(world, room=None):
    return room_access_for(world.owner, room or world.room_a1)


def test_the_canonical_format_in_utf8_with_a_bom_imports_exactly(world, blank_room):
    rows = [
        CANONICAL,
        ["Discovery", "2027-01-31", "Kick-off call", "Agenda first", "Bea Buyer",
         "bea@buyer-a1.example", "Buyer", "2027-01-10", "Done", "2027-01-09", ""],
        ["Discovery", "2027-01-31", "Internal pricing review", "", "", "", "Seller",
         "2027-01-20", "In progress", "", "Yes"],
        ["Legal", "", "", "", "", "", "", "", "", "", ""],
        ["Pilot", "2027-03-01", "Set up the sandbox", "", "Dana Ops", "dana@buyer-a1.example",
         "Buyer", "2027-02-15", "Blocked", "", ""],
    ]  # fmt: skip
    text = "\n".join(",".join(row) for row in rows)
    data = "\ufeff".encode() + text.encode()

    plan_import(by=seller(world), data=data, filename="plan.csv", options=ImportOptions())

    assert plan_of(blank_room) == [
        ("Discovery", date(2027, 1, 31), [
            ("Kick-off call", "buyer", "Bea Buyer", date(2027, 1, 10), "done", False),
            ("Internal pricing review", "seller", None, date(2027, 1, 20), "in_progress", True),
        ]),
        ("Legal", None, []),
        ("Pilot", date(2027, 3, 1), [
            ("Set up the sandbox", "buyer", "Dana Ops", date(2027, 2, 15), "blocked", False),
        ]),
    ]  # fmt: skip
    done = Task.objects.get(title="Kick-off call")
    assert done.description == "Agenda first"
    assert done.completed_at.date() == date(2027, 1, 9)
    dana = Stakeholder.objects.get(room=blank_room, email="dana@buyer-a1.example")
    assert (dana.side, dana.access_state) == ("buyer", "not_invited")


def test_windows_1252_with_semicolons_and_day_month_dates_imports_exactly(world, blank_room):
    text = (
        "Phase;Action;Responsible;Deadline;Done\r\n"
        "Étude;Réunion de lancement;Us;03/04/2027;x\r\n"
        ";Cahier des charges;Them;25/04/2027;\r\n"
        "Décision;Signature;Buyer;1.5.2027;50%\r\n"
    )
    data = text.encode("cp1252")

    result = plan_import(by=seller(world), data=data, filename="plan.csv", options=ImportOptions())

    assert result.table.encoding == "cp1252"
    assert result.table.delimiter == ";"
    assert plan_of(blank_room) == [
        ("Étude", None, [
            ("Réunion de lancement", "seller", None, date(2027, 4, 3), "done", False),
            ("Cahier des charges", "buyer", None, date(2027, 4, 25), "todo", False),
        ]),
        ("Décision", None, [
            ("Signature", "buyer", None, date(2027, 5, 1), "in_progress", False),
        ]),
    ]  # fmt: skip
    # 03/04 and 1.5 could be either: the preview said how it was read.
    assert [str(w) for w in result.preview.warnings] == [
        "row 2: “03/04/2027” read as 3 April 2027 (day/month, as the organisation writes dates)",
        "row 4: “1.5.2027” read as 1 May 2027 (day/month, as the organisation writes dates)",
    ]


def test_an_xlsx_with_a_title_row_merged_milestones_serials_and_ticks_imports_exactly(
    world, blank_room
):
    member = world.rep
    data = xlsx(
        [
            ["Globex rollout plan — v3"],
            [],
            ["Milestone", "Task", "Owner", "Due", "Complete?"],
            ["Security review", "Send the questionnaire", member.get_full_name(), 46388, "✓"],
            [None, "Pen test report", "bea@buyer-a1.example", 46395, ""],
            [None, "Sign the DPA", "Ivan Legal", 46400, "✓"],
            ["Go-live", "Train the admins", "Us", 46420, None],
        ],
        merge="A4:A6",
    )

    result = plan_import(by=seller(world), data=data, filename="plan.xlsx", options=ImportOptions())

    assert result.preview.header_row == 3
    assert plan_of(blank_room) == [
        ("Security review", None, [
            ("Send the questionnaire", "seller", member.get_full_name(), date(2027, 1, 1),
             "done", False),
            ("Pen test report", "buyer", "Bea Buyer", date(2027, 1, 8), "todo", False),
            ("Sign the DPA", "buyer", "Ivan Legal", date(2027, 1, 13), "done", False),
        ]),
        ("Go-live", None, [
            ("Train the admins", "seller", None, date(2027, 2, 2), "todo", False),
        ]),
    ]  # fmt: skip
    # The member joined the seller team; Bea was matched by her email; Ivan is a new buyer.
    assert blank_room.seller_team.filter(pk=member.pk).exists()
    assert [(o.label, o.is_new) for o in result.preview.owners] == [
        (member.get_full_name(), False),
        ("Bea Buyer", False),
        ("Ivan Legal", True),
    ]
    assert Stakeholder.objects.filter(room=blank_room, name="Bea Buyer").count() == 1


def test_the_chosen_sheet_of_a_workbook_is_read(world):
    book = Workbook()
    book.active.append(["not this one"])
    second = book.create_sheet("Plan")
    second.append(["Milestone", "Task"])
    second.append(["Pilot", "Run it"])
    buffer = io.BytesIO()
    book.save(buffer)

    table = read_table(buffer.getvalue(), "plan.xlsx", sheet="Plan")

    assert table.sheets == ["Sheet", "Plan"]
    assert table.rows == [["Milestone", "Task"], ["Pilot", "Run it"]]


def test_a_row_error_is_said_in_words_and_nothing_is_saved(world, blank_room):
    data = b"Milestone,Task,Due date\nPilot,Run it,Q3\nPilot,Report,2027-02-01\n"

    result = plan_import_preview(
        by=seller(world), data=data, filename="plan.csv", options=ImportOptions()
    )
    assert [str(e) for e in result.preview.errors] == ["row 2: “Q3” is not a date"]
    with pytest.raises(ValidationError) as raised:
        plan_import(by=seller(world), data=data, filename="plan.csv", options=ImportOptions())

    assert raised.value.messages == ["row 2: “Q3” is not a date"]
    assert not Milestone.objects.filter(room=blank_room).exists()


def test_the_person_corrects_a_mapping_the_guess_got_wrong(world, blank_room):
    data = b"Stage,What,Notes\nPilot,Run it,2027-02-01\n"
    options = ImportOptions(mapping={"milestone": 0, "task": 1, "due_date": 2})

    plan_import(by=seller(world), data=data, filename="plan.csv", options=options)

    assert plan_of(blank_room) == [
        ("Pilot", None, [("Run it", "seller", None, date(2027, 2, 1), "todo", False)])
    ]


def test_an_override_of_encoding_and_delimiter_is_obeyed(world):
    data = "Milestone\tTask\nÉtude\tLire\n".encode("latin-1")

    table = read_table(data, "plan.txt", encoding="latin-1", delimiter="\t")

    assert table.rows == [["Milestone", "Task"], ["Étude", "Lire"]]


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2027-04-03", "dmy", (date(2027, 4, 3), "")),
        ("04/03/2027", "mdy", (date(2027, 4, 3), "ambiguous")),
        ("13/04/2027", "mdy", (date(2027, 4, 13), "")),
        ("3 Apr 2027", "dmy", (date(2027, 4, 3), "")),
        ("April 3, 2027", "dmy", (date(2027, 4, 3), "")),
        ("46388", "dmy", (date(2027, 1, 1), "")),
        ("31/02/2027", "dmy", (None, "error")),
        ("Q3", "dmy", (None, "error")),
    ],
)
def test_dates_are_read_in_the_organisations_order(text, order, expected):
    found, said = parse_date(text, order)
    kind = "error" if said.startswith("!") else ("ambiguous" if said else "")
    assert (found, kind) == expected


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("Done", "done"), ("✓", "done"), ("x", "done"), ("100%", "done"), (1.0, "done"),
        ("In progress", "in_progress"), ("40%", "in_progress"), (0.4, "in_progress"),
        ("Blocked", "blocked"), ("", "todo"), (None, "todo"), ("To do", "todo"),
        ("0%", "todo"), ("maybe", None),
    ],
)  # fmt: skip
def test_status_words_and_percentages_are_understood(value, status):
    assert parse_status(value) == status


def test_an_unknown_status_is_a_warning_and_the_task_is_to_do(world, blank_room):
    data = b"Milestone,Task,Status\nPilot,Run it,maybe\n"

    result = plan_import(by=seller(world), data=data, filename="p.csv", options=ImportOptions())

    assert [str(w) for w in result.preview.warnings] == [
        "row 2: “maybe” is not a status: the task is to do."
    ]
    assert Task.objects.get(title="Run it").status == "todo"


def test_a_file_over_the_size_limit_is_refused_in_words(world):
    with pytest.raises(ValidationError) as raised:
        plan_import_preview(
            by=seller(world),
            data=b"a" * (MAX_BYTES + 1),
            filename="p.csv",
            options=ImportOptions(),
        )
    assert raised.value.message_dict == {"file": ["The file is over 5 MB: split it in two."]}


def test_more_than_two_thousand_rows_are_refused_in_words(world):
    data = "Milestone,Task\n" + "".join(f"M,Task {i}\n" for i in range(2001))

    result = plan_import_preview(
        by=seller(world), data=data.encode(), filename="p.csv", options=ImportOptions()
    )

    assert [str(e) for e in result.preview.errors] == [
        "row 2002: more than 2,000 rows: split the file in two."
    ]


def test_a_cell_longer_than_the_limit_is_refused_in_words(world):
    data = "Milestone,Task\nM," + "x" * 2001 + "\n"

    result = plan_import_preview(
        by=seller(world), data=data.encode(), filename="p.csv", options=ImportOptions()
    )

    assert [str(e) for e in result.preview.errors] == [
        "row 2: “Task” is longer than 2,000 characters."
    ]


def test_a_buyer_cannot_import(world):
    buyer_access = room_access_for(world.buyer, world.room_a1)
    with pytest.raises(PermissionDenied):
        plan_import(
            by=buyer_access,
            data=b"Milestone,Task\nM,T\n",
            filename="p.csv",
            options=ImportOptions(),
        )


def test_an_import_appends_to_the_rooms_plan(world):
    data = b"Milestone,Task\nPilot,Run it\n"

    plan_import(by=seller(world), data=data, filename="p.csv", options=ImportOptions())

    assert [m.title for m in world.room_a1.milestones.order_by("position")] == [
        "Discovery",
        "Pilot",
    ]


def test_into_a_template_dates_are_kept_and_nobody_is_added(world):
    template = world.template_a
    data = (
        b"Milestone,Task,Owner,Side,Due date,Status\n"
        b"Pilot,Run it,Ivan Legal,Buyer,2027-02-01,Done\n"
    )

    plan_import(by=seller(world, template), data=data, filename="p.csv", options=ImportOptions())

    assert plan_of(template) == [
        ("Pilot", None, [("Run it", "buyer", None, date(2027, 2, 1), "todo", False)])
    ]
    assert not template.stakeholders.exists()


def test_a_new_room_is_created_with_the_imported_plan(world):
    data = b"Milestone,Task\nPilot,Run it\n"

    room, _ = room_create_from_import(
        membership=world.membership(world.owner),
        buyer_company="Initech",
        target_date=date(2027, 6, 30),
        data=data,
        filename="p.csv",
        options=ImportOptions(),
    )

    assert room.buyer_company == "Initech"
    assert plan_of(room) == [("Pilot", None, [("Run it", "seller", None, None, "todo", False)])]


def test_a_new_room_is_not_created_when_its_file_has_an_error(world):
    before = world.org_a.rooms.count()
    with pytest.raises(ValidationError):
        room_create_from_import(
            membership=world.membership(world.owner),
            buyer_company="Initech",
            target_date=date(2027, 6, 30),
            data=b"Milestone,Task,Due date\nPilot,Run it,Q3\n",
            filename="p.csv",
            options=ImportOptions(),
        )
    assert world.org_a.rooms.count() == before


# SQLite takes at most 999 values a query, so Django splits a bulk insert of more than ~55
# tasks there; PostgreSQL takes them all at once (the benchmark imports 2,000 rows so).
@pytest.mark.parametrize("size", [5, 50])
def test_an_import_makes_the_same_queries_whatever_its_size(
    world, blank_room, size, django_assert_num_queries
):
    rows = "".join(
        f"M{i // 10},Task {i},Person {i % 7},person{i % 7}@buyer.example,Buyer,2027-01-01,Done\n"
        for i in range(size)
    )
    data = ("Milestone,Task,Owner,Owner email,Side,Due date,Status\n" + rows).encode()
    access = seller(world)
    access.room.organisation  # noqa: B018 - loaded, as the access helper does

    # 1-2 the room's people and the organisation's members (the preview's owner matching),
    # 3 savepoint, 4 the room's people again (by key), 5 their last position, 6 the new people,
    # 7 the milestones' last position, 8 the milestones, 9 the tasks, 10-11 the event and the
    # room's content version, 12 savepoint release.
    with django_assert_num_queries(12):
        plan_import(by=access, data=data, filename="p.csv", options=ImportOptions())
    assert Task.objects.filter(room=blank_room).count() == size


# The pages: upload, preview, import or cancel.


def upload(client, room, data: bytes, name: str = "plan.csv", **options):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/rooms/{room.public_id}/import/",
        {"file": SimpleUploadedFile(name, data), **options},
    )
    assert response.status_code == 302, response.content
    return response["Location"]


def test_a_seller_uploads_previews_fixes_the_mapping_and_imports(client, world, blank_room):
    client.force_login(world.owner)
    preview_url = upload(client, blank_room, b"Stage,What,Notes\nPilot,Run it,2027-02-01\n")

    page = client.get(preview_url)
    assert page.status_code == 200
    # "What" was not taken for the tasks: the plan has a milestone and nothing in it.
    assert "No tasks." in page.content.decode()
    columns = {"map_milestone": "0", "map_task": "1", "map_due_date": "2"}
    page = client.post(preview_url, {"action": "preview", **columns})
    assert "1 Feb 2027" in page.content.decode()
    assert not Milestone.objects.filter(room=blank_room).exists()

    done = client.post(preview_url, {"action": "import", **columns})

    assert done.status_code == 302
    assert plan_of(blank_room) == [
        ("Pilot", None, [("Run it", "seller", None, date(2027, 2, 1), "todo", False)])
    ]
    assert client.get(preview_url).status_code == 404  # the file is gone


def test_the_preview_shows_a_row_error_and_import_saves_nothing(client, world, blank_room):
    client.force_login(world.owner)
    preview_url = upload(client, blank_room, b"Milestone,Task,Due date\nPilot,Run it,Q3\n")

    page = client.get(preview_url)
    assert page.status_code == 422
    assert "row 2: “Q3” is not a date" in page.content.decode()
    again = client.post(preview_url, {"action": "import"})

    assert again.status_code == 422
    assert not Milestone.objects.filter(room=blank_room).exists()


def test_cancel_discards_the_file_and_saves_nothing(client, world, blank_room):
    client.force_login(world.owner)
    preview_url = upload(client, blank_room, b"Milestone,Task\nPilot,Run it\n")

    response = client.post(preview_url, {"action": "cancel"})

    assert response.status_code == 302
    assert not Milestone.objects.filter(room=blank_room).exists()
    assert client.get(preview_url).status_code == 404


def test_another_sellers_session_cannot_open_an_uploaded_file(client, world, blank_room):
    client.force_login(world.owner)
    preview_url = upload(client, blank_room, b"Milestone,Task\nPilot,Run it\n")
    client.force_login(world.manager)

    assert client.get(preview_url).status_code == 404


def test_a_template_imports_from_its_page(client, world):
    client.force_login(world.owner)
    preview_url = upload(client, world.template_a, b"Milestone,Task\nPilot,Run it\n")

    client.post(preview_url, {"action": "import"})

    assert [m.title for m in world.template_a.milestones.all()] == ["Pilot"]


# The API: the same import, with a dry run.


def api_import(client, room, data: bytes, name: str = "plan.csv", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/v1/rooms/{room.public_id}/import/",
        {"file": SimpleUploadedFile(name, data), **fields},
    )


def test_the_api_previews_with_a_dry_run_and_saves_nothing(client, world, blank_room):
    client.force_login(world.owner)
    data = b"Milestone,Task,Owner,Due date\nPilot,Run it,Ivan Legal,Q3\n"

    response = api_import(client, blank_room, data, dry_run="true")

    assert response.status_code == 200
    body = response.json()
    assert body["imported"] is False
    assert body["errors"] == [{"row": 2, "message": "“Q3” is not a date"}]
    assert body["owners"] == [{"label": "Ivan Legal", "email": "", "side": "buyer", "is_new": True}]
    assert body["milestones"][0]["tasks"][0]["title"] == "Run it"
    assert not Milestone.objects.filter(room=blank_room).exists()


def test_the_api_refuses_a_file_with_an_error_and_imports_a_fixed_one(client, world, blank_room):
    client.force_login(world.owner)

    refused = api_import(client, blank_room, b"Milestone,Task,Due date\nPilot,Run it,Q3\n")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"row": 2, "message": "“Q3” is not a date"}]
    assert not Milestone.objects.filter(room=blank_room).exists()

    done = api_import(
        client,
        blank_room,
        b"Stage,What,When\nPilot,Run it,2027-02-01\n",
        column_milestone=0,
        column_task=1,
        column_due_date=2,
    )
    assert done.status_code == 201
    assert done.json()["imported"] is True
    assert plan_of(blank_room) == [
        ("Pilot", None, [("Run it", "seller", None, date(2027, 2, 1), "todo", False)])
    ]


def test_the_api_imports_into_a_template(client, world):
    client.force_login(world.owner)

    response = api_import(client, world.template_a, b"Milestone,Task\nPilot,Run it\n")

    assert response.status_code == 201
    assert [m.title for m in world.template_a.milestones.all()] == ["Pilot"]


def test_a_buyer_gets_403_from_the_api_import(client, world):
    client.force_login(world.buyer)

    response = api_import(client, world.room_a1, b"Milestone,Task\nPilot,Run it\n")

    assert response.status_code == 403


def test_an_owner_already_in_the_room_is_matched_not_added_again(world, blank_room):
    # The room's owner is in it and a member: the room's person is the match, by email or name.
    data = (
        "Milestone,Task,Owner\n"
        f"Pilot,Run it,{world.owner.email}\n"
        f"Pilot,Report,{world.owner.get_full_name()}\n"
    ).encode()
    before = blank_room.stakeholders.count()

    result = plan_import(by=seller(world), data=data, filename="p.csv", options=ImportOptions())

    assert [(o.label, o.is_new, o.person.key.split(":")[0]) for o in result.preview.owners] == [
        (world.owner.get_full_name(), False, "stakeholder")
    ]
    assert blank_room.stakeholders.count() == before
    assert {t.owner.user for t in Task.objects.filter(room=blank_room)} == {world.owner}


def test_an_admin_says_the_organisation_writes_month_day_and_imports_read_so(
    client, world, blank_room
):
    from django.urls import reverse

    client.force_login(world.owner)
    url = reverse("organisation_settings", args=[world.org_a.public_id])
    form = {"timezone": "UTC", "reminder_days_before": "2", "date_order": "mdy"}
    assert client.post(url, form).status_code == 302
    world.org_a.refresh_from_db()
    assert world.org_a.date_order == "mdy"

    access = room_access_for(world.owner, world.room_a1)
    data = b"Milestone,Task,Due date\nPilot,Run it,04/03/2027\n"
    plan_import(by=access, data=data, filename="p.csv", options=ImportOptions())

    assert Task.objects.get(title="Run it").due_date == date(2027, 4, 3)


def test_a_new_room_is_made_from_a_spreadsheet_after_its_preview(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.rep)
    assert "Import a spreadsheet" in client.get("/rooms/new/").content.decode()
    response = client.post(
        "/rooms/new/import/",
        {
            "buyer_company": "Initech",
            "target_date": "2027-06-30",
            "file": SimpleUploadedFile("p.csv", b"Milestone,Task,Owner\nPilot,Run it,Ivan\n"),
        },
    )
    preview_url = response["Location"]
    page = client.get(preview_url)
    assert "New room for Initech" in page.content.decode()
    assert not world.org_a.rooms.filter(buyer_company="Initech").exists()

    done = client.post(preview_url, {"action": "import"})

    room = world.org_a.rooms.get(buyer_company="Initech")
    assert done["Location"] == f"/rooms/{room.public_id}/"
    assert (room.owner, room.target_date) == (world.rep, date(2027, 6, 30))
    assert plan_of(room) == [("Pilot", None, [("Run it", "buyer", "Ivan", None, "todo", False)])]


def test_the_canonical_xlsx_with_real_dates_and_no_internal_column_imports_exactly(
    world, blank_room
):
    # A buyer's export leaves the Internal column out.
    data = xlsx(
        [
            CANONICAL[:-1],
            ["Pilot", date(2027, 3, 1), "Run it", "", "Bea Buyer", "bea@buyer-a1.example",
             "Buyer", date(2027, 2, 15), "Done", date(2027, 2, 14)],
            ["Pilot", date(2027, 3, 1), "Report", "", "", "", "Seller", None, "To do", None],
        ]
    )  # fmt: skip

    result = plan_import(by=seller(world), data=data, filename="p.xlsx", options=ImportOptions())

    assert result.preview.warnings == []
    assert plan_of(blank_room) == [
        ("Pilot", date(2027, 3, 1), [
            ("Run it", "buyer", "Bea Buyer", date(2027, 2, 15), "done", False),
            ("Report", "seller", None, None, "todo", False),
        ]),
    ]  # fmt: skip


def test_an_owner_address_too_long_to_keep_is_a_row_error(world):
    data = f"Milestone,Task,Owner email\nM,T,{'a' * 250}@x.example\n".encode()

    result = plan_import_preview(
        by=seller(world), data=data, filename="p.csv", options=ImportOptions()
    )

    assert [str(e) for e in result.preview.errors] == [
        "row 2: the owner's email address is longer than 254 characters."
    ]
