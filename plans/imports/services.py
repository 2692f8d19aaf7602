"""Importing a plan from a spreadsheet: the preview (nothing saved) and the import, all or
nothing, into a room's plan (appended), a new room, or an organisation's template.

The same number of queries whatever the number of rows: the people are read once, and the
milestones, tasks and new people are created in bulk.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from activity.kinds import EventKind
from plans.imports.preview import Person, Preview, build_preview
from plans.imports.reading import Table, read_table
from plans.models import Milestone, Status, Task
from rooms.access import RoomAccess, room_access_for
from rooms.events import event_record_by
from rooms.models import Room
from rooms.ordering import next_position
from rooms.services import room_create
from stakeholders.models import AccessState, BuyingRole, Stakeholder


@dataclass
class ImportOptions:
    """What the person chose; empty means "guess" (the mapping: field name to column index)."""

    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    mapping: dict[str, int | None] | None = None


@dataclass
class ImportResult:
    table: Table
    preview: Preview
    milestones: list[Milestone] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    people: list[Stakeholder] = field(default_factory=list)


def _people(room: Room) -> list[Person]:
    """The room's people, then the organisation's members (who may join its seller team)."""
    if room.is_template:
        return []
    stakeholders = list(room.stakeholders.all())
    people = [
        Person(key=f"stakeholder:{s.pk}", name=s.name, email=s.email, side=s.side)
        for s in stakeholders
    ]
    in_room = [s.user_id for s in stakeholders if s.user_id]
    return people + _members(room.organisation_id, exclude=in_room)


def _members(organisation_id: int, exclude: list[int]) -> list[Person]:
    members = (
        Membership.objects.filter(organisation_id=organisation_id)
        .exclude(user_id__in=exclude)
        .select_related("user")
    )
    return [
        Person(
            key=f"member:{m.user_id}",
            name=m.user.get_full_name(),
            email=m.user.email,
            side="seller",
        )
        for m in members
    ]


def _preview(room: Room, data: bytes, filename: str, options: ImportOptions) -> ImportResult:
    return _read_and_preview(
        data, filename, options, room.organisation.date_order, _people(room), room.is_template
    )


def _read_and_preview(
    data: bytes,
    filename: str,
    options: ImportOptions,
    date_order: str,
    people: list[Person],
    for_template: bool,
) -> ImportResult:
    try:
        table = read_table(
            data,
            filename,
            encoding=options.encoding,
            delimiter=options.delimiter,
            sheet=options.sheet,
        )
    except ValueError as error:
        raise ValidationError({"file": str(error)}) from None
    preview = build_preview(
        table,
        date_order=date_order,
        mapping=options.mapping,
        people=people,
        for_template=for_template,
    )
    return ImportResult(table=table, preview=preview)


def plan_import_preview(
    *, by: RoomAccess, data: bytes, filename: str, options: ImportOptions
) -> ImportResult:
    """What the import would make, saving nothing (sellers)."""
    by.require_seller()
    return _preview(by.room, data, filename, options)


def _completed_at(day: date | None) -> datetime:
    if day is None:
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(hour=12)))


@transaction.atomic
def plan_import(
    *, by: RoomAccess, data: bytes, filename: str, options: ImportOptions
) -> ImportResult:
    """Append the spreadsheet's plan to the room's (or template's), adding the owners nobody
    matched as new buyers and the organisation's members as the seller team. Refused, with
    nothing saved, while any row has an error."""
    by.require_seller()
    room = by.room
    result = _preview(room, data, filename, options)
    preview = result.preview
    if preview.errors:
        raise ValidationError([str(m) for m in preview.errors])
    org = room.organisation_id
    owners: dict[int, Stakeholder] = {}
    new_people: list[Stakeholder] = []
    members: list[int] = []
    by_key = {f"stakeholder:{s.pk}": s for s in room.stakeholders.all()} if preview.owners else {}
    position = next_position(room.stakeholders.all()) if preview.owners else 0
    for owner in preview.owners:
        person = owner.person
        if person is not None and person.key in by_key:
            owners[id(owner)] = by_key[person.key]
            continue
        user_id = int(person.key.split(":")[1]) if person is not None else None
        stakeholder = Stakeholder(
            organisation_id=org,
            room=room,
            side=owner.side,
            name=owner.label[:150],
            email=owner.email,
            user_id=user_id,
            role=BuyingRole.OTHER,
            access_state=AccessState.NOT_INVITED,
            position=position,
        )
        position += 1
        if user_id is not None:
            members.append(user_id)
        new_people.append(stakeholder)
        owners[id(owner)] = stakeholder
    if new_people:
        Stakeholder.objects.bulk_create(new_people)
    if members:
        room.seller_team.add(*members)
    start = next_position(room.milestones.all())
    milestones = Milestone.objects.bulk_create(
        Milestone(
            organisation_id=org,
            room=room,
            title=m.title,
            target_date=m.target_date,
            position=start + i,
        )
        for i, m in enumerate(preview.milestones)
    )
    tasks = Task.objects.bulk_create(
        Task(
            organisation_id=org,
            room=room,
            milestone=milestone,
            title=t.title,
            description=t.description[:5000],
            side=t.side,
            owner=owners.get(id(t.owner)) if t.owner else None,
            due_date=t.due_date,
            status=t.status,
            completed_at=_completed_at(t.completed_on) if t.status == Status.DONE else None,
            completed_by=by.user if t.status == Status.DONE else None,
            is_internal=t.internal,
            position=i,
        )
        for milestone, m in zip(milestones, preview.milestones, strict=True)
        for i, t in enumerate(m.tasks)
    )
    summary = f"imported {len(milestones)} milestones and {len(tasks)} tasks from {filename}"
    if new_people:
        summary += f", adding {len(new_people)} people"
    # Internal: the counts include internal tasks.
    event_record_by(by, EventKind.MILESTONE_CREATED, summary[:250], is_internal=True)
    result.milestones, result.tasks, result.people = milestones, tasks, new_people
    return result


def room_import_preview(
    *, membership: Membership, data: bytes, filename: str, options: ImportOptions
) -> ImportResult:
    """What a new room made from the file would hold (its owners may match the member's
    organisation's people), saving nothing."""
    organisation = membership.organisation
    people = _members(organisation.pk, exclude=[])
    return _read_and_preview(data, filename, options, organisation.date_order, people, False)


@transaction.atomic
def room_create_from_import(
    *,
    membership: Membership,
    buyer_company: str,
    target_date: date,
    data: bytes,
    filename: str,
    options: ImportOptions,
    start_date: date | None = None,
) -> tuple[Room, ImportResult]:
    """A new room owned by the member, its plan the spreadsheet's: both or neither."""
    room = room_create(
        membership=membership,
        buyer_company=buyer_company,
        target_date=target_date,
        start_date=start_date,
    )
    by = room_access_for(membership.user, room)
    return room, plan_import(by=by, data=data, filename=filename, options=options)
