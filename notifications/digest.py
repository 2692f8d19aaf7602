"""The sellers' morning digest: what happened yesterday in their rooms, skipped when nothing did.

``activity_between`` is the one place that reads yesterday's activity, from analytics.Event:
buyer visits (views that start a visit, analytics.rollups' rule, by the buyer's side), ticks
(``task.completed``) and comments (``comment.created``). It reads the raw events of one day of
one person's rooms because the day is the recipient's, where the rollups' days are UTC.
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Side
from activity.kinds import VIEW_KINDS, EventKind
from activity.models import Event
from notifications.reminders import morning_day, sweep_lock, zone_of
from outbox.composers import reply_about
from outbox.models import Kind, OutboundEmail
from outbox.services import email_queue
from plans.models import Status, Task
from rooms.models import LIVE_STAGES, Room

TICK, COMMENT = EventKind.TASK_COMPLETED, EventKind.COMMENT_CREATED


@dataclass
class RoomDay:
    room: Room
    url: str = ""
    visits: int = 0
    visitors: int = 0
    ticks: int = 0
    comments: int = 0
    overdue: int = 0  # open tasks past their due date this morning
    newly_overdue: int = 0  # of which due yesterday: this is news

    @property
    def happened(self) -> bool:
        return bool(self.visits or self.ticks or self.comments or self.newly_overdue)


def activity_between(room_ids: list[int], start: datetime, end: datetime) -> dict[int, dict]:
    """Per room: buyer visits and distinct visitors, ticks and comments in [start, end)."""
    events = Event.objects.filter(
        room_id__in=room_ids, created_at__gte=start, created_at__lt=end
    ).order_by()
    visits = (
        events.filter(kind__in=VIEW_KINDS, starts_visit=True, actor_side=Side.BUYER)
        .values("room_id")
        .annotate(n=Count("pk"), people=Count("actor_id", distinct=True))
    )
    found: dict[int, dict] = defaultdict(dict)
    for row in visits:
        found[row["room_id"]] |= {"visits": row["n"], "visitors": row["people"]}
    changes = events.filter(kind__in=[TICK, COMMENT]).values("room_id", "kind")
    for row in changes.annotate(n=Count("pk")):
        found[row["room_id"]]["ticks" if row["kind"] == TICK else "comments"] = row["n"]
    return found


def overdue_on(room_ids: list[int], today: date) -> dict[int, tuple[int, int]]:
    """Per room: (open tasks overdue this morning, of which due yesterday)."""
    rows = (
        Task.objects.filter(room_id__in=room_ids, due_date__lt=today)
        .exclude(status=Status.DONE)
        .values("room_id")
        .annotate(n=Count("pk"), new=Count("pk", filter=Q(due_date=today - timedelta(days=1))))
    )
    return {row["room_id"]: (row["n"], row["new"]) for row in rows}


def room_days(rooms: list[Room], day: date, zone: zoneinfo.ZoneInfo) -> dict[int, RoomDay]:
    """Yesterday (the day before ``day``, in ``zone``) in each room."""
    ids = [room.pk for room in rooms]
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    activity = activity_between(
        ids, datetime.combine(day - timedelta(days=1), time(0), tzinfo=zone), midnight
    )
    overdue = overdue_on(ids, day)
    days = {}
    for room in rooms:
        counts = activity.get(room.pk, {})
        late, new = overdue.get(room.pk, (0, 0))
        days[room.pk] = RoomDay(
            room=room,
            url=settings.SITE_URL + reverse("room_detail", args=[room.public_id]),
            overdue=late,
            newly_overdue=new,
            **counts,
        )
    return days


def digest_sweep(*, now: datetime | None = None) -> int:
    """Queue each seller's digest once their morning has begun; returns how many were queued."""
    now = now or timezone.now()
    queued = 0
    with transaction.atomic():
        if not sweep_lock("digest"):
            return 0
        # Who is in their morning, and which day it is for them.
        todo: dict[tuple[str, date], list[Membership]] = defaultdict(list)
        for member in Membership.objects.select_related("user", "organisation"):
            name = member.user.timezone or member.organisation.timezone
            day = morning_day(now, zone_of(name))
            if day is not None:
                todo[(name, day)].append(member)
        keys = {
            f"digest:{m.user_id}:{m.organisation_id}:{day.isoformat()}"
            for (_name, day), members in todo.items()
            for m in members
        }
        done = set(OutboundEmail.objects.filter(key__in=keys).values_list("key", flat=True))
        for (name, day), members in todo.items():
            members = [
                m
                for m in members
                if f"digest:{m.user_id}:{m.organisation_id}:{day.isoformat()}" not in done
            ]
            if members:
                queued += _digest_queue(members, day, zone_of(name))
    return queued


def _digest_queue(members: list[Membership], day: date, zone: zoneinfo.ZoneInfo) -> int:
    user_ids = [m.user_id for m in members]
    rooms = list(
        Room.objects.rooms()
        .filter(organisation__in={m.organisation_id for m in members}, stage__in=LIVE_STAGES)
        .filter(Q(owner_id__in=user_ids) | Q(seller_team__id__in=user_ids))
        .distinct()
        .prefetch_related("seller_team")
    )
    days = room_days(rooms, day, zone)
    queued = 0
    for member in members:
        mine = [
            days[room.pk]
            for room in rooms
            if room.organisation_id == member.organisation_id
            and (room.owner_id == member.user_id or member.user in room.seller_team.all())
        ]
        happened = [d for d in mine if d.happened]
        if not happened:
            continue  # nothing happened: no email
        email = email_queue(
            key=f"digest:{member.user_id}:{member.organisation_id}:{day.isoformat()}",
            to=member.user.email,
            template="notifications/email/digest",
            kind=Kind.DIGEST,
            organisation_id=member.organisation_id,
            topic=f"organisation:{member.organisation_id}",
            # One room: a reply lands in its discussion (several: no single place to land).
            headers=reply_about("room", happened[0].room.pk) if len(happened) == 1 else None,
            context={
                "user": member.user,
                "organisation": member.organisation,
                "yesterday": day - timedelta(days=1),
                "rooms": happened,
                "brand": happened[0].room,
                "site_name": settings.SITE_NAME,
            },
        )
        queued += email is not None
    return queued
