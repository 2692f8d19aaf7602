"""Daily rollups: per room, day and person, what dashboards read instead of the raw events.

Rules (the numbers tests/test_analytics.py checks):
- A *view* is an event of ``VIEW_KINDS``; ``room.time`` events add their seconds; a link
  opened (``LINK_KINDS``) only marks the person active; every other event by a person is an
  *action*.
- A *visit* starts with a view that has no earlier view by the same person in the same room
  within ``VISIT_GAP`` (30 minutes); so views 10 minutes apart are one visit, even across
  midnight (the visit counts on the day it started).
- Days are UTC dates of when the event happened.

A rollup is always rebuilt from the events, never incremented: rebuilding twice, or at the
same time from two workers, gives the same rows. ``rollup_rebuild`` rebuilds a range of days
for some rooms (or all); a beat task every 30 seconds rebuilds the rooms and days that received
events in the last minutes (incrementally: a burst of views costs one rebuild), a nightly one
the last three days whatever happened, and without a broker each event's day is rebuilt at
once. A lost beat costs minutes, never a count.

Each rebuild also rebuilds, in the same transaction, the weekly sums of the weeks its days
fall in (``WeeklyActivity``, summed from the daily rows), one rollup write at a time.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from celery import current_app
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate, TruncWeek

from activity.kinds import LINK_KINDS, TIME_KIND, VIEW_KINDS, VISIT_GAP
from activity.kinds import starts_visit as visit_starts
from activity.models import Event
from activity.subscriptions import Recorded
from analytics.models import DailyActivity, WeeklyActivity
from stakeholders.models import Stakeholder


@dataclass
class Tally:
    side: str = ""
    stakeholder_id: int | None = None
    views: int = 0
    visits: int = 0
    seconds: int = 0
    actions: int = 0
    opened: dict[str, int] = field(default_factory=dict)
    last_at: datetime | None = None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def rollup_rebuild(start: date, end: date, room_ids: Iterable[int] | None = None) -> int:
    """Rebuild the rollups of the days ``start`` to ``end`` (inclusive). Returns rows written."""
    rooms = None if room_ids is None else sorted(set(room_ids))
    events = Event.objects.filter(
        created_at__gte=day_start(start) - VISIT_GAP,
        created_at__lt=day_start(end + timedelta(days=1)),
        actor__isnull=False,
        room__isnull=False,  # an organisation's own events (the audit log's) are no room's
    )
    if rooms is not None:
        events = events.filter(room_id__in=rooms)
    rows = events.order_by("room_id", "actor_id", "created_at").values_list(
        "organisation_id",
        "room_id",
        "actor_id",
        "actor_side",
        "stakeholder_id",
        "kind",
        "created_at",
        "seconds",
        KT("data__target"),
    )
    tallies: dict[tuple[int, int, date], Tally] = defaultdict(Tally)
    organisations: dict[int, int] = {}
    last_view: tuple[int, int, datetime] | None = None
    for org_id, room_id, actor_id, side, stakeholder_id, kind, at, seconds, target in rows.iterator(
        chunk_size=5000
    ):
        is_view = kind in VIEW_KINDS
        previous = None
        if last_view is not None and last_view[:2] == (room_id, actor_id):
            previous = last_view[2]
        starts_visit = is_view and visit_starts(previous, at)
        if is_view:
            last_view = (room_id, actor_id, at)
        day = utc_day(at)
        if day < start:
            continue  # read only to know whether the first views of the range start a visit
        organisations[room_id] = org_id
        tally = tallies[(room_id, actor_id, day)]
        tally.side = side or tally.side
        tally.stakeholder_id = stakeholder_id or tally.stakeholder_id
        if is_view:
            tally.views += 1
            tally.visits += starts_visit
            if target:
                tally.opened[target] = tally.opened.get(target, 0) + 1
        elif kind == TIME_KIND:
            tally.seconds += seconds
        elif kind not in LINK_KINDS:
            tally.actions += 1
        tally.last_at = at if tally.last_at is None else max(tally.last_at, at)
    _fill_stakeholders(tallies)
    objects = [
        DailyActivity(
            organisation_id=organisations[room_id],
            room_id=room_id,
            day=day,
            user_id=actor_id,
            stakeholder_id=tally.stakeholder_id,
            side=tally.side,
            views=tally.views,
            visits=tally.visits,
            seconds=tally.seconds,
            actions=tally.actions,
            opened=tally.opened,
            last_at=tally.last_at or day_start(day),
        )
        for (room_id, actor_id, day), tally in tallies.items()
    ]
    stale = DailyActivity.objects.filter(day__gte=start, day__lte=end)
    if rooms is not None:
        stale = stale.filter(room_id__in=rooms)
    with transaction.atomic():
        _lock_writes()
        stale.delete()
        # An upsert: a rebuild of the same days committing meanwhile is not an error.
        DailyActivity.objects.bulk_create(
            objects,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["room", "day", "user"],
            update_fields=[
                "stakeholder",
                "side",
                "views",
                "visits",
                "seconds",
                "actions",
                "opened",
                "last_at",
            ],
        )
        _weeks_rebuild(start, end, rooms)
    return len(objects)


# Any 64-bit number of our own: the key of the lock every rollup write takes (PostgreSQL).
ROLLUP_LOCK = 0x7461_6E64_656D_0001


def _lock_writes() -> None:
    """One rollup write at a time, until its transaction ends.

    A week's row sums days that other rebuilds may be rewriting: two rebuilds of two days of a
    week, each summing the week before seeing the other's commit, would leave a sum without
    one of them. Taken before the week is summed, the lock makes each rebuild sum every rebuild
    committed before it (each statement reads what was committed when it began). SQLite takes
    one writer at a time whatever we do.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weeks_rebuild(start: date, end: date, rooms: list[int] | None) -> None:
    """Rebuild the weekly sums of the weeks holding ``start`` to ``end`` from the daily rows."""
    first, last = monday(start), monday(end)
    days = DailyActivity.objects.filter(day__gte=first, day__lt=last + timedelta(weeks=1))
    stale = WeeklyActivity.objects.filter(week__gte=first, week__lte=last)
    if rooms is not None:
        days = days.filter(room_id__in=rooms)
        stale = stale.filter(room_id__in=rooms)
    sums = (
        days.annotate(week=TruncWeek("day"))
        .values("organisation_id", "room_id", "side", "week")
        .order_by()
        .annotate(visits_sum=Sum("visits"), views_sum=Sum("views"))
    )
    weeks = [
        WeeklyActivity(
            organisation_id=row["organisation_id"],
            room_id=row["room_id"],
            side=row["side"],
            week=row["week"],
            visits=row["visits_sum"],
            views=row["views_sum"],
        )
        for row in sums
    ]
    stale.delete()
    WeeklyActivity.objects.bulk_create(weeks, batch_size=2000)


def _fill_stakeholders(tallies: dict[tuple[int, int, date], Tally]) -> None:
    """Events written by services know the person, not always their stakeholder."""
    missing = {key[:2] for key, tally in tallies.items() if tally.stakeholder_id is None}
    if not missing:
        return
    found = {
        (room_id, user_id): pk
        for room_id, user_id, pk in Stakeholder.objects.filter(
            room_id__in={room_id for room_id, _ in missing}, user_id__isnull=False
        ).values_list("room_id", "user_id", "pk")
    }
    for (room_id, actor_id, _), tally in tallies.items():
        if tally.stakeholder_id is None:
            tally.stakeholder_id = found.get((room_id, actor_id))


def rollup_refresh(room_days: Iterable[tuple[int, date]]) -> int:
    """Rebuild the given (room, day) pairs: one rebuild per room over its days."""
    days_by_room: dict[int, list[date]] = defaultdict(list)
    for room_id, day in room_days:
        days_by_room[room_id].append(day)
    return sum(
        rollup_rebuild(min(days), max(days), [room_id]) for room_id, days in days_by_room.items()
    )


def rollup_recent(since: datetime) -> int:
    """Rebuild every room and day that received events stored since ``since``."""
    touched = (
        Event.objects.filter(stored_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values_list("room_id", "day")
        .order_by()
        .distinct()
    )
    return rollup_refresh(touched)


def rollups_on_recorded(recorded: Recorded) -> None:
    """A subscription (activity.subscriptions). With no broker there is no beat to rebuild
    recent days every 30 seconds (analytics.tasks.rollup_recent_task): buffered events, which
    are stored at once then, rebuild their days here."""
    if recorded.buffered and current_app.conf.task_always_eager:
        rollup_refresh(
            {
                (event.room_id, utc_day(event.created_at))
                for event in recorded.events
                if event.room_id is not None  # buffered events are all in a room
            }
        )
