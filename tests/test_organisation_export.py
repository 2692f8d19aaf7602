"""Exporting a whole organisation (governance.export): a worker builds a ZIP of JSON and CSV
and the files themselves, with progress on the Data page; the admin who asked is emailed a
link that works for the organisation's admins only, until it expires; the audit log says so."""

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organisation, Role, User
from activity.kinds import EventKind
from governance.export import export_build, export_request, exports_purge
from governance.models import AuditEntry, ExportStatus, OrganisationExport
from plans.models import Task
from plans.services import comment_create
from rooms.access import room_access_for
from rooms.models import Room
from rooms.resource_services import resource_add_file
from tests.factories import MilestoneFactory, RoomFactory, StakeholderFactory, TaskFactory

NOTES = b"Pricing questions from the buyer's legal team\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def a_busy_organisation(world) -> None:
    """Organisation A with more in it: a third room with its own plan and people, a comment
    and an uploaded file."""
    room = RoomFactory(
        organisation=world.org_a,
        owner=world.owner,
        buyer_company="Cyberdyne",
        name="Cyberdyne renewal",
    )
    milestone = MilestoneFactory(room=room, title="Legal")
    TaskFactory(milestone=milestone, title="Redline the MSA")
    StakeholderFactory(room=room, name="Sarah Connor", email="sarah@cyberdyne.example")
    seller = room_access_for(world.owner, world.room_a1)
    task = world.room_a1.tasks.get()
    comment_create(by=seller, body="Criteria drafted, see the notes.", task=task)
    resource_add_file(by=seller, upload=SimpleUploadedFile("pricing notes.txt", NOTES))


def start_export(client, world, capture) -> OrganisationExport:
    client.force_login(world.owner)
    with capture(execute=True):
        response = client.post(reverse("organisation_export_start", args=[world.org_a.public_id]))
    assert response.status_code == 302
    return OrganisationExport.objects.get(organisation=world.org_a)


def opened(export: OrganisationExport) -> zipfile.ZipFile:
    with export.file.open("rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


def table(archive: zipfile.ZipFile, name: str) -> tuple[list[dict], list[dict]]:
    rows_json = json.loads(archive.read(f"{name}.json"))
    rows_csv = list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode())))
    return rows_json, rows_csv


def link_in(message) -> str:
    (url,) = re.findall(r"https?://\S+/exports/[^/\s]+/", message.body)
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_an_export_holds_every_room_task_person_comment_and_file(
    client, world, django_capture_on_commit_callbacks
):
    a_busy_organisation(world)
    export = start_export(client, world, django_capture_on_commit_callbacks)

    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.progress == 100
    archive = opened(export)
    assert archive.testzip() is None
    for name in ["rooms", "milestones", "tasks", "comments", "stakeholders", "files", "events"]:
        assert {f"{name}.json", f"{name}.csv"} <= set(archive.namelist())
    rooms_json, rooms_csv = table(archive, "rooms")
    everyone = set(
        Room.objects.filter(organisation=world.org_a).values_list("buyer_company", "name")
    )
    assert len(everyone) == 4  # two rooms and a template of the world, and Cyberdyne's
    assert {(r["buyer_company"], r["name"]) for r in rooms_json} == everyone
    assert {(r["buyer_company"], r["name"]) for r in rooms_csv} == everyone
    assert ("Cyberdyne", "Cyberdyne renewal") in everyone
    assert "Buyer B1" not in archive.read("rooms.json").decode()  # not another's
    tasks_json, tasks_csv = table(archive, "tasks")
    titles = set(Task.objects.filter(organisation=world.org_a).values_list("title", flat=True))
    assert {"Agree the success criteria", "Redline the MSA"} <= titles
    assert {t["title"] for t in tasks_json} == titles == {t["title"] for t in tasks_csv}
    people, _ = table(archive, "stakeholders")
    assert {"Bea Buyer", "Olga Other", "Sarah Connor"} <= {p["name"] for p in people}
    comments, _ = table(archive, "comments")
    assert [c["body"] for c in comments] == ["Criteria drafted, see the notes."]
    members, _ = table(archive, "members")
    assert {m["user__email"] for m in members} == {
        "owner@a.example",
        "manager@a.example",
        "rep@a.example",
    }
    # The uploaded file itself, under its room.
    (stored,) = [n for n in archive.namelist() if n.startswith("files/")]
    assert stored.startswith(f"files/{world.room_a1.public_id}/")
    assert stored.endswith("pricing notes.txt")
    assert archive.read(stored) == NOTES
    # No secret of any kind.
    everything = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".json"))
    assert b"token_hash" not in everything and b"password" not in everything


def test_the_admin_is_emailed_a_link_that_only_the_organisations_admins_can_use(
    client, world, django_capture_on_commit_callbacks
):
    a_busy_organisation(world)
    export = start_export(client, world, django_capture_on_commit_callbacks)

    (message,) = [m for m in mail.outbox if "export" in m.subject.lower()]
    assert message.to == ["owner@a.example"]
    assert message.subject == "Your export of Organisation A is ready"
    path = link_in(message)
    export.refresh_from_db()
    assert export.token_hash and export.token_hash not in path  # only its hash is kept

    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert "rooms.json" in zipfile.ZipFile(io.BytesIO(body)).namelist()

    # Another admin of the organisation may use it too; nobody else, whatever their role.
    other_admin = User.objects.create_user(email="second@a.example", password="x" * 12)
    Membership.objects.create(organisation=world.org_a, user=other_admin, role=Role.ADMIN)
    client.force_login(other_admin)
    assert client.get(path).status_code == 200
    for person in (world.manager, world.rep, world.outsider, world.buyer):
        client.force_login(person)
        assert client.get(path).status_code == 404, person.email
    client.logout()
    assert client.get(path).status_code == 302  # to the sign-in page
    client.force_login(world.owner)
    assert client.get(path.replace(path.split("/")[-2], "made-up")).status_code == 404


def test_an_expired_link_says_so_and_the_nightly_purge_deletes_the_zip(
    client, world, django_capture_on_commit_callbacks, settings
):
    assert settings.ORGANISATION_EXPORT_DAYS == 7
    export = start_export(client, world, django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[-1])
    export.refresh_from_db()
    days = (export.expires_at - export.finished_at).days
    assert days == 7
    OrganisationExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(path)
    assert response.status_code == 410
    assert "This export has expired" in response.content.decode()
    name = export.file.name
    assert exports_purge() == 1
    assert not export.file.storage.exists(name)
    assert client.get(path).status_code == 410
    page = client.get(reverse("organisation_data", args=[world.org_a.public_id]))
    assert "Expired" in page.content.decode()


def test_the_audit_log_records_the_export(client, world, django_capture_on_commit_callbacks):
    start_export(client, world, django_capture_on_commit_callbacks)
    (entry,) = AuditEntry.objects.filter(
        organisation_id=world.org_a.pk, kind=EventKind.DATA_EXPORTED
    )
    assert entry.actor_email == "owner@a.example"
    assert entry.summary == "exported the organisation's data"
    assert entry.data == {"rooms": 3, "files": 0}
    page = client.get(reverse("audit_log", args=[world.org_a.public_id]))
    assert "exported the organisation&#x27;s data" in page.content.decode()


def test_the_page_polls_while_the_export_runs_and_stops_when_it_is_ready(client, world):
    client.force_login(world.owner)
    export = export_request(organisation=world.org_a, actor=world.owner)  # no worker yet
    OrganisationExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, progress=40, step="Writing tasks"
    )
    status_url = reverse(
        "organisation_export_status", args=[world.org_a.public_id, export.public_id]
    )
    page = client.get(reverse("organisation_data", args=[world.org_a.public_id])).content.decode()
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 2s"' in page
    partial = client.get(status_url).content.decode()
    assert 'value="40"' in partial and "40%" in partial and "Writing tasks" in partial
    # Asking again while one runs gives the same export, not a second job.
    assert export_request(organisation=world.org_a, actor=world.owner) == export

    seen = []
    export_build(export.pk, on_step=lambda e: seen.append(e.progress))
    assert seen == sorted(seen) and len(seen) >= 10  # one step per table at least
    partial = client.get(status_url).content.decode()
    assert "hx-get" not in partial and "Ready" in partial


def test_only_admins_start_an_export_and_outsiders_see_nothing(client, world):
    url = reverse("organisation_export_start", args=[world.org_a.public_id])
    for person, status in [(world.manager, 403), (world.rep, 403), (world.outsider, 404)]:
        client.force_login(person)
        assert client.post(url).status_code == status
    assert not OrganisationExport.objects.exists()
    export = export_request(organisation=world.org_a, actor=world.owner)
    client.force_login(world.outsider)
    status_url = reverse(
        "organisation_export_status", args=[world.org_b.public_id, export.public_id]
    )
    assert client.get(status_url).status_code == 404  # another organisation's export


@pytest.mark.django_db
def test_an_export_of_the_demo_organisation_holds_every_room(django_capture_on_commit_callbacks):
    call_command("seed_demo")
    organisation = Organisation.objects.get(name="Northwind Software")
    admin = User.objects.get(email="admin@northwind.example")
    with django_capture_on_commit_callbacks(execute=True):
        export_request(organisation=organisation, actor=admin)
    export = OrganisationExport.objects.get()
    export.refresh_from_db()
    assert export.status == ExportStatus.READY
    archive = opened(export)
    rooms, _ = table(archive, "rooms")
    names = set(
        Room.objects.filter(organisation=organisation).values_list("buyer_company", flat=True)
    )
    assert "Acme Logistics" in names and len(names) >= 3
    assert {r["buyer_company"] for r in rooms} == names
    _, tasks = table(archive, "tasks")
    titles = set(Task.objects.filter(organisation=organisation).values_list("title", flat=True))
    assert {t["title"] for t in tasks} == titles
