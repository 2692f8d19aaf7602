"""Erasing a buyer (GDPR): their name and address appear nowhere in the database or the stored
files afterwards; what they did stays as "a former stakeholder"; the audit log says only that
an erasure happened."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from activity.kinds import EventKind
from activity.models import Event
from governance.erasure import person_erase
from governance.models import AuditEntry
from inbound.models import InboundMessage
from integrations.calendar import feed_create
from integrations.models import CalendarFeed
from plans.models import Comment
from plans.services import comment_create, task_set_done
from rooms.access import room_access_for
from rooms.models import Resource
from rooms.resource_services import resource_add_file, resource_add_link
from stakeholders.models import Stakeholder
from stakeholders.services import buyer_invite
from tests.factories import StakeholderFactory, TaskFactory

NAME = "Bea Buyer"
EMAIL = "bea@buyer-a1.example"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def everywhere_in_the_database(*needles: str) -> list[str]:
    """Every table and every column, read as text: where any needle appears."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            for column in columns:
                for needle in needles:
                    cursor.execute(
                        f'SELECT COUNT(*) FROM "{table}" '  # noqa: S608  names from introspection
                        f'WHERE LOWER(CAST("{column}" AS TEXT)) LIKE %s',
                        [f"%{needle.lower()}%"],
                    )
                    if cursor.fetchone()[0]:
                        found.append(f"{table}.{column}: {needle}")
    return found


def everywhere_in_the_files(root: Path, *needles: str) -> list[str]:
    found = []
    for path in root.rglob("*") if root.exists() else []:
        if path.is_file():
            content = path.read_bytes().lower()
            found += [f"{path}: {n}" for n in needles if n.lower().encode() in content]
            found += [f"{path} (name): {n}" for n in needles if n.lower() in path.name.lower()]
    return found


def a_buyers_history(world, django_capture_on_commit_callbacks):
    """Bea in two rooms: invited, she comments, ticks, shares a file (named after her) and a
    link; the seller mentions her by name."""
    StakeholderFactory(
        room=world.room_a2, name=NAME, email=EMAIL, user=world.buyer, access_state="active"
    )
    seller = room_access_for(world.owner, world.room_a1)
    bea_in_a1 = Stakeholder.objects.get(room=world.room_a1, email=EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        buyer_invite(stakeholder=bea_in_a1, by=seller)
    bea = room_access_for(world.buyer, world.room_a1)
    task = TaskFactory(
        milestone=world.room_a1.milestones.get(), title="Security review", side="buyer"
    )
    comment_create(by=bea, body="Our security team will answer by Friday. — Bea Buyer", task=task)
    comment_create(by=seller, body=f"Thanks @{NAME}, I will send it to {EMAIL} too.", task=task)
    task_set_done(task=task, done=True, by=bea)
    resource_add_file(by=bea, upload=SimpleUploadedFile("Bea Buyer notes.png", PNG))
    notes = f"Questions from {NAME} <{EMAIL}>\n".encode()
    resource_add_file(by=bea, upload=SimpleUploadedFile("Bea Buyer questions.txt", notes))
    resource_add_link(by=bea, url="https://bea.example/notes", title="Bea's notes")
    # The newer apps' rows: her calendar feeds (integrations) and her replies by email, as
    # logged (inbound, a face above governance: reached through its erasure hook).
    feed_create(user=world.buyer, stakeholder=bea_in_a1)
    feed_create(user=world.buyer)
    raw = f"From: {NAME} <{EMAIL}>\r\nSubject: Re: Security review\r\n\r\nDone.\r\n"
    for room_id in (world.room_a1.pk, None):
        InboundMessage.objects.create(
            message_id=f"<{room_id}@buyer-a1.example>",
            via="smtp",
            sender=EMAIL,
            raw=raw.encode(),
            room_id_seen=room_id,
        )


def test_an_erased_buyer_appears_nowhere_in_the_database_or_the_files(
    world, media, django_capture_on_commit_callbacks
):
    a_buyers_history(world, django_capture_on_commit_callbacks)
    assert everywhere_in_the_database(NAME, EMAIL)  # the search finds what is there
    assert everywhere_in_the_files(media, NAME, EMAIL)
    events_before = Event.objects.filter(room__organisation=world.org_a).count()

    rooms = person_erase(organisation=world.org_a, email=EMAIL.upper(), actor=world.owner)

    assert rooms == 2
    assert everywhere_in_the_database(NAME, EMAIL) == []
    assert everywhere_in_the_files(media, NAME, EMAIL) == []
    assert not Resource.objects.filter(room=world.room_a1, created_by=world.buyer).exists()
    assert not CalendarFeed.objects.filter(user=world.buyer).exists()
    assert not InboundMessage.objects.exists()
    # What she did is kept, anonymous: the figures still add up.
    assert Event.objects.filter(room__organisation=world.org_a).count() == events_before
    ticked = Event.objects.get(kind=EventKind.TASK_COMPLETED)
    assert ticked.actor_id == world.buyer.pk
    people = Stakeholder.objects.filter(organisation=world.org_a, name="A former stakeholder")
    assert people.count() == 2
    comment = Comment.objects.get(body__startswith="Our security team")
    assert comment.author.get_full_name() == "A former stakeholder"
    assert "a former stakeholder" in Comment.objects.get(body__startswith="Thanks").body
    # Her account is gone with it: no sign-in, no address.
    world.buyer.refresh_from_db()
    assert not world.buyer.is_active and not world.buyer.has_usable_password()


def test_the_audit_log_says_an_erasure_happened_not_whom_it_erased(
    world, django_capture_on_commit_callbacks
):
    a_buyers_history(world, django_capture_on_commit_callbacks)
    person_erase(organisation=world.org_a, email=EMAIL, actor=world.owner)
    (entry,) = AuditEntry.objects.filter(kind=EventKind.PERSON_ERASED)
    assert entry.summary == "erased a person's data on request"
    assert entry.actor_email == "owner@a.example"
    assert entry.data == {"rooms": 2}


def test_a_member_or_an_unknown_address_is_not_erased(world):
    with pytest.raises(ValidationError, match="No buyer"):
        person_erase(organisation=world.org_a, email="nobody@x.example", actor=world.owner)
    # Another organisation's buyer is not this one's to erase.
    with pytest.raises(ValidationError, match="No buyer"):
        person_erase(organisation=world.org_b, email=EMAIL, actor=world.outsider)
    assert Stakeholder.objects.filter(email=EMAIL).exists()


def test_a_buyer_of_another_organisation_too_keeps_their_account_there(world):
    StakeholderFactory(room=world.room_b1, name=NAME, email=EMAIL, user=world.buyer)
    person_erase(organisation=world.org_a, email=EMAIL, actor=world.owner)
    assert Stakeholder.objects.filter(room=world.room_b1, email=EMAIL, name=NAME).exists()
    assert not Stakeholder.objects.filter(organisation=world.org_a, email=EMAIL).exists()
    world.buyer.refresh_from_db()
    assert world.buyer.is_active and world.buyer.email == EMAIL


def test_admins_erase_from_the_data_page_and_must_confirm(client, world):
    client.force_login(world.owner)
    url = reverse("organisation_data", args=[world.org_a.public_id])
    unconfirmed = client.post(url, {"email": EMAIL})
    assert unconfirmed.status_code == 422
    assert Stakeholder.objects.filter(email=EMAIL).exists()
    unknown = client.post(url, {"email": "nobody@x.example", "confirm": "on"})
    assert unknown.status_code == 422
    assert "No buyer with this address" in unknown.content.decode()
    done = client.post(url, {"email": EMAIL, "confirm": "on"}, follow=True)
    assert "Erased from 1 room" in done.content.decode()
    assert not Stakeholder.objects.filter(email=EMAIL).exists()


def test_managers_may_not_erase(client, world):
    client.force_login(world.manager)
    url = reverse("organisation_data", args=[world.org_a.public_id])
    assert client.post(url, {"email": EMAIL, "confirm": "on"}).status_code == 403
    assert Stakeholder.objects.filter(email=EMAIL).exists()
