"""Calendar feeds (RFC 5545): a person's secret URL that Google Calendar or Outlook polls.

A seller's feed holds the open tasks they own and the milestones of their rooms; a buyer's
holds their room's milestones and the buyer side's open tasks, never an internal item. Each
date is an all-day event (calendars ignore to-dos) with a stable UID; its SEQUENCE is the
item's version and its LAST-MODIFIED moves with it, so a moved date replaces the old one. A
task completed or deleted drops out. The URL's token is random, kept as its hash, revocable.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as IcsEvent

from accounts.models import Membership, Side, User
from activity.kinds import EventKind
from activity.models import Event
from integrations.models import CalendarFeed
from plans.models import Milestone, Status, Task
from rooms.models import Room, Stage
from stakeholders.models import OPEN_STATES, AccessState, Stakeholder

PRODID = "-//Tandem//Mutual action plans//EN"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_create(*, user: User, stakeholder: Stakeholder | None = None) -> tuple[CalendarFeed, str]:
    """A new feed and its token (shown once: only the hash is kept). A person has one feed per
    scope: making a new one revokes the one before, whose URL may have leaked."""
    feed_revoke_all(user=user, stakeholder=stakeholder)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, stakeholder=stakeholder, token_hash=_hash(token))
    return feed, token


@transaction.atomic
def feed_revoke(*, feed: CalendarFeed) -> None:
    CalendarFeed.objects.filter(pk=feed.pk, revoked_at=None).update(revoked_at=timezone.now())


def feed_revoke_all(*, user: User, stakeholder: Stakeholder | None) -> None:
    CalendarFeed.objects.filter(user=user, stakeholder=stakeholder, revoked_at=None).update(
        revoked_at=timezone.now()
    )


def feeds_of(user: User) -> QuerySet[CalendarFeed]:
    return CalendarFeed.objects.filter(user=user, revoked_at=None).select_related(
        "stakeholder__room"
    )


def feed_url(token: str) -> str:
    return settings.SITE_URL + f"/calendar/{token}.ics"


def webcal_url(token: str) -> str:
    return "webcal://" + feed_url(token).split("://", 1)[1]


def feed_find(token: str) -> CalendarFeed | None:
    """The feed of a live token: not revoked, and for a buyer's, whose access still stands."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user", "stakeholder__room")
        .filter(token_hash=_hash(token), revoked_at=None, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    buyer = feed.stakeholder
    if buyer is not None and (
        buyer.user_id != feed.user_id
        or buyer.access_state not in OPEN_STATES
        or buyer.access_state == AccessState.REVOKED
    ):
        return None
    return feed


@dataclass(frozen=True)
class Item:
    uid: str
    summary: str
    day: date
    sequence: int
    modified: datetime
    description: str
    url: str


def _room_url(room: Room) -> str:
    return settings.SITE_URL + f"/rooms/{room.public_id}/"


def _milestone_changes(rooms: list[int]) -> dict[int, datetime]:
    """When each room's milestones last changed (a milestone has no time of its own)."""
    kinds = (EventKind.MILESTONE_CREATED, EventKind.MILESTONE_UPDATED)
    rows = (
        Event.objects.filter(room_id__in=rooms, kind__in=kinds)
        .values("room_id")
        .annotate(at=Max("created_at"))
    )
    return {row["room_id"]: row["at"] for row in rows}


def _milestone_items(milestones: QuerySet[Milestone]) -> list[Item]:
    milestones = milestones.filter(target_date__isnull=False).select_related("room")
    listed = list(milestones)
    changed = _milestone_changes(sorted({m.room_id for m in listed}))
    return [
        Item(
            uid=f"milestone-{m.public_id}@tandem",
            summary=f"{m.room.buyer_company}: {m.title}",
            day=m.target_date,
            sequence=m.version,
            modified=changed.get(m.room_id, m.created_at),
            description=m.description,
            url=_room_url(m.room),
        )
        for m in listed
        if m.target_date is not None
    ]


def task_item(task: Task, day: date) -> Item:
    return Item(
        uid=f"task-{task.public_id}@tandem",
        summary=f"{task.room.buyer_company}: {task.title}",
        day=day,
        sequence=task.version,
        modified=task.updated_at,
        description=task.description,
        url=_room_url(task.room) + f"tasks/{task.public_id}/",
    )


def _open_tasks() -> QuerySet[Task]:
    return (
        Task.objects.exclude(status=Status.DONE)
        .filter(due_date__isnull=False, room__is_template=False)
        .select_related("room")
    )


def seller_items(user: User) -> list[Item]:
    organisations = Membership.objects.filter(user=user).values("organisation_id")
    rooms = Room.objects.filter(
        Q(owner=user) | Q(seller_team=user),
        organisation_id__in=organisations,
        is_template=False,
        stage=Stage.ACTIVE,
    ).values("pk")
    tasks = _open_tasks().filter(
        owner__user=user, owner__side=Side.SELLER, organisation_id__in=organisations
    )
    milestones = Milestone.objects.filter(room_id__in=rooms)
    return _milestone_items(milestones) + [task_item(t, t.due_date) for t in tasks if t.due_date]


def buyer_items(stakeholder: Stakeholder) -> list[Item]:
    room = stakeholder.room
    tasks = _open_tasks().filter(room=room, side=Side.BUYER, is_internal=False)
    return _milestone_items(room.milestones.all()) + [
        task_item(t, t.due_date) for t in tasks if t.due_date
    ]


def feed_items(feed: CalendarFeed) -> list[Item]:
    if feed.stakeholder is not None:
        return buyer_items(feed.stakeholder)
    return seller_items(feed.user)


def ics_build(items: list[Item], name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = max((item.modified for item in items), default=timezone.now())
    for item in sorted(items, key=lambda i: (i.day, i.uid)):
        event = IcsEvent()
        event.add("uid", item.uid)
        event.add("summary", item.summary)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("dtstamp", stamp)
        event.add("last-modified", item.modified)
        event.add("sequence", item.sequence)
        event.add("transp", "TRANSPARENT")
        event.add("url", item.url)
        if item.description:
            event.add("description", item.description + "\n\n" + item.url)
        else:
            event.add("description", item.url)
        calendar.add_component(event)
    return calendar.to_ical()


def last_modified(items: list[Item]) -> datetime | None:
    return max((item.modified for item in items), default=None)


def feed_render(feed: CalendarFeed) -> tuple[bytes, datetime | None]:
    items = feed_items(feed)
    name = (
        f"Tandem · {feed.stakeholder.room.buyer_company}"
        if feed.stakeholder is not None
        else f"Tandem · {feed.user.get_full_name() or feed.user.email}"
    )
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return ics_build(items, name), last_modified(items)


def room_items(room: Room, tasks: QuerySet[Task], *, buyer: bool) -> list[Item]:
    """A room's calendar as its viewer sees it (``tasks``: those they may see); a buyer gets
    their side's tasks only, as in their feed."""
    open_tasks = tasks.exclude(status=Status.DONE).filter(due_date__isnull=False)
    if buyer:
        open_tasks = open_tasks.filter(side=Side.BUYER, is_internal=False)
    listed = open_tasks.select_related("room")
    return _milestone_items(room.milestones.all()) + [
        task_item(t, t.due_date) for t in listed if t.due_date
    ]


def task_ics(task: Task) -> bytes | None:
    """One task's ``.ics`` (None when it has no due date)."""
    if task.due_date is None:
        return None
    return ics_build([task_item(task, task.due_date)], task.title)
