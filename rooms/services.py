"""Writes to rooms and templates. Each service is one transaction and records its event."""

import re
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Side, User
from activity.kinds import EventKind
from activity.record import record
from plans.builtin_templates import BUILTIN_TEMPLATES
from plans.models import Milestone, Task
from plans.specs import MilestoneSpec, TaskSpec, TemplateSpec
from rooms.access import RoomAccess
from rooms.conflicts import version_claim
from rooms.events import event_record, event_record_by
from rooms.markdown import render_markdown
from rooms.models import BuyerInvites, Direction, Room, Stage
from stakeholders.models import BuyingRole, Stakeholder

# What a seller may change about a room (a template: its name and description too), in the
# order the details form shows them.
DETAIL_FIELDS = (
    "name",
    "description",
    "buyer_company",
    "accent_colour",
    "deal_value",
    "currency",
    "value_summary",
    "success_criteria",
    "business_goal",
    "business_goal_date",
    "start_date",
    "target_date",
    "buyer_invites",
    "buyer_domains",
)
# A template has no buyer: these are a room's only.
ROOM_ONLY_FIELDS = ("buyer_company", "buyer_invites", "buyer_domains")
DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _seller_stakeholder(room: Room, user: User, position: int = 0) -> Stakeholder:
    return Stakeholder.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        side=Side.SELLER,
        name=user.get_full_name(),
        email=user.email,
        user=user,
        role=BuyingRole.OTHER,
        position=position,
    )


def _plan_apply(room: Room, spec: TemplateSpec, anchor: date, seller: Stakeholder | None) -> None:
    """Create the spec's milestones and tasks in ``room``, dates counted from ``anchor``."""

    def due(offset: int | None) -> date | None:
        return None if offset is None else anchor + timedelta(days=offset)

    milestones = Milestone.objects.bulk_create(
        Milestone(
            organisation_id=room.organisation_id,
            room=room,
            title=m.title,
            description=m.description,
            target_date=due(m.offset),
            position=position,
        )
        for position, m in enumerate(spec.milestones)
    )
    Task.objects.bulk_create(
        Task(
            organisation_id=room.organisation_id,
            room=room,
            milestone=milestone,
            title=t.title,
            description=t.description,
            side=t.side,
            owner=seller if t.side == Side.SELLER else None,
            due_date=due(t.offset),
            is_internal=t.internal,
            position=position,
        )
        for milestone, m in zip(milestones, spec.milestones, strict=True)
        for position, t in enumerate(m.tasks)
    )


@transaction.atomic
def room_create(
    *,
    membership: Membership,
    buyer_company: str,
    target_date: date,
    start_date: date | None = None,
    template: TemplateSpec | None = None,
) -> Room:
    """A room owned by the member, blank or planned from a template, all or nothing; its accent
    starts as the organisation's brand colour, when it has one."""
    buyer_company = buyer_company.strip()
    if not buyer_company:
        raise ValidationError({"buyer_company": "Name the buyer's company."})
    start_date = start_date or timezone.localdate()
    direction = template.direction if template else Direction.BACKWARD
    # The organisation's brand colour is where a new room's accent starts (the seller then
    # sets the buyer's own colour, if they like, in the room's details).
    brand_colour = membership.organisation.brand_colour
    room = Room.objects.create(
        organisation_id=membership.organisation_id,
        **({"accent_colour": brand_colour} if brand_colour else {}),
        owner_id=membership.user_id,
        buyer_company=buyer_company,
        target_date=target_date,
        start_date=start_date,
        direction=direction,
    )
    seller = _seller_stakeholder(room, membership.user)
    if template is not None:
        anchor = start_date if direction == Direction.FORWARD else target_date
        try:
            _plan_apply(room, template, anchor, seller)
        except OverflowError:
            field = "start_date" if direction == Direction.FORWARD else "target_date"
            raise ValidationError({field: "Choose a date this plan's dates fit around."}) from None
    summary = f"created the room from “{template.name}”" if template else "created the room"
    event_record(
        room=room,
        actor=membership.user,
        side=Side.SELLER,
        kind=EventKind.ROOM_CREATED,
        summary=summary,
    )
    return room


def _check_buyer_invites(room: Room, changes: dict[str, Any]) -> None:
    """The domains a buyer may invite colleagues from: a clean list, and one at least when the
    room allows those domains only."""
    if "buyer_domains" in changes:
        domains = [d.strip().lower().lstrip("@") for d in changes["buyer_domains"].split(",")]
        domains = [d for d in domains if d]
        bad = [d for d in domains if not DOMAIN.fullmatch(d)]
        if bad:
            raise ValidationError({"buyer_domains": f"Not a domain: {', '.join(bad)}"})
        changes["buyer_domains"] = ", ".join(domains)
    invites = changes.get("buyer_invites", room.buyer_invites)
    if invites == BuyerInvites.DOMAINS and not changes.get("buyer_domains", room.buyer_domains):
        raise ValidationError({"buyer_domains": "Name at least one domain, e.g. globex.com."})


def _render_markdown_fields(room: Room) -> None:
    room.value_summary_html = render_markdown(room.value_summary)
    room.success_criteria_html = render_markdown(room.success_criteria)


@transaction.atomic
def room_update_details(
    *, by: RoomAccess, expected_version: int | None = None, **changes: Any
) -> Room:
    """Changes the details given and leaves the rest (sellers); refuses an edit of older details
    than the room's (rooms.conflicts)."""
    by.require_seller()
    room = by.room
    version_claim(room, expected_version, field="details_version")
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"Not room details: {sorted(unknown)}")
    if room.is_template:
        changes = {k: v for k, v in changes.items() if k not in ROOM_ONLY_FIELDS}
    else:
        _check_buyer_invites(room, changes)
    if room.is_template and not (changes.get("name", room.name) or "").strip():
        raise ValidationError({"name": "Give the template a name."})
    if (
        not room.is_template
        and not (changes.get("buyer_company", room.buyer_company) or "").strip()
    ):
        raise ValidationError({"buyer_company": "Name the buyer's company."})
    for field, value in changes.items():
        setattr(room, field, value)
    _render_markdown_fields(room)
    room.full_clean(exclude=["owner", "organisation"])
    # Not every column: a plain save() would write back the content version read with the room,
    # undoing a bump that another write committed since (rooms.versioning).
    html_fields = ["value_summary_html", "success_criteria_html"]
    room.save(update_fields=[*changes, *html_fields, "details_version", "updated_at"])
    event_record_by(
        by,
        kind=EventKind.ROOM_UPDATED,
        summary="updated the room's details",
    )
    return room


@transaction.atomic
def room_set_stage(*, by: RoomAccess, stage: str, lost_reason: str = "") -> Room:
    by.require_seller()
    room = by.room
    if room.is_template:
        raise ValidationError("A template has no stage.")
    if stage not in Stage.values:
        raise ValidationError({"stage": f"“{stage}” is not a stage."})
    lost_reason = lost_reason.strip()
    if stage == Stage.LOST and not lost_reason:
        raise ValidationError({"lost_reason": "Say why the deal was lost: it helps the next one."})
    room.stage = stage
    room.lost_reason = lost_reason if stage == Stage.LOST else ""
    room.stage_changed_at = timezone.now()
    room.save(update_fields=["stage", "lost_reason", "stage_changed_at", "updated_at"])
    summary = f"marked the room {room.get_stage_display().lower()}"
    if stage == Stage.LOST:
        summary += f": {lost_reason}"
    event_record_by(
        by,
        kind=EventKind.ROOM_STAGE_CHANGED,
        summary=summary,
        stage=stage,
    )
    return room


def template_spec_for(key: str, org_templates: list[Room]) -> TemplateSpec | None:
    """The plan a new room starts from: a built-in template's key, one of ``org_templates``
    by its public id, or None (a blank plan, and an unknown key)."""
    if key in BUILTIN_TEMPLATES:
        return BUILTIN_TEMPLATES[key]
    chosen = next((t for t in org_templates if str(t.public_id) == key), None)
    return template_spec_from_room(chosen) if chosen is not None else None


def template_spec_from_room(room: Room) -> TemplateSpec:
    """An organisation's template (or any room) as a spec: dates become offsets."""
    anchor = room.anchor_date

    def offset(day: date | None) -> int | None:
        return None if day is None else (day - anchor).days

    tasks_by_milestone: dict[int, list[TaskSpec]] = {}
    for task in room.tasks.order_by("position", "pk"):
        tasks_by_milestone.setdefault(task.milestone_id, []).append(
            TaskSpec(
                title=task.title,
                side=task.side,
                offset=offset(task.due_date),
                description=task.description,
                internal=task.is_internal,
            )
        )
    milestones = tuple(
        MilestoneSpec(
            title=m.title,
            offset=offset(m.target_date),
            description=m.description,
            tasks=tuple(tasks_by_milestone.get(m.pk, [])),
        )
        for m in room.milestones.order_by("position", "pk")
    )
    return TemplateSpec(
        key=str(room.public_id),
        name=room.name,
        description=room.description,
        direction=room.direction,
        milestones=milestones,
    )


@transaction.atomic
def room_save_as_template(*, by: RoomAccess, name: str, description: str = "") -> Room:
    """Copy a room's plan (not its people, comments or activity) into a new template."""
    by.require_seller()
    room = by.room
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the template a name."})
    spec = template_spec_from_room(room)
    template = Room.objects.create(
        organisation_id=room.organisation_id,
        is_template=True,
        name=name,
        description=description.strip(),
        owner=by.user,
        target_date=room.target_date,
        start_date=room.start_date,
        direction=room.direction,
    )
    _plan_apply(template, spec, template.anchor_date, seller=None)
    event_record_by(
        by,
        kind=EventKind.ROOM_SAVED_AS_TEMPLATE,
        summary=f"saved the plan as the template “{name}”",
        is_internal=True,
    )
    return template


@transaction.atomic
def template_delete(*, by: RoomAccess) -> None:
    """Delete the template ``by`` reaches (its sellers)."""
    by.require_seller()
    template = by.room
    if not template.is_template:
        raise ValidationError("Only a template can be deleted; archive a room instead.")
    # Its own events go with it: the organisation's log keeps that it was deleted.
    record(
        organisation_id=template.organisation_id,
        room_id=None,
        actor_id=by.user.pk,
        side=by.audience,
        kind=EventKind.TEMPLATE_DELETED,
        summary=f"deleted the template “{template.name}”",
        is_internal=True,
        data={"template_id": str(template.public_id)},
    )
    template.delete()


@transaction.atomic
def room_set_buyer_logo(*, by: RoomAccess, logo: ContentFile | None) -> Room:
    """The buyer's logo shown beside the seller's (sellers): a PNG made by
    accounts.branding.process_logo, or None to show none."""
    by.require_seller()
    room = Room.objects.select_for_update(no_key=True).get(pk=by.room.pk)
    old_name, storage = room.buyer_logo.name, room.buyer_logo.storage
    if logo is not None:
        room.buyer_logo.save(logo.name or "logo.png", logo, save=False)
    else:
        room.buyer_logo = ""
    room.save(update_fields=["buyer_logo", "updated_at"])
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    by.room.buyer_logo = room.buyer_logo
    event_record_by(
        by,
        kind=EventKind.ROOM_UPDATED,
        summary="set the buyer's logo" if logo is not None else "removed the buyer's logo",
    )
    return room
