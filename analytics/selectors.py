"""What the manager dashboard and a room's analytics show, read from the daily rollups.

The dashboard runs a fixed number of queries whatever the number of rooms (pinned in
tests/test_analytics.py, measured in ``make bench``): rooms, their task facts, buyer activity
and invitations (analytics.health), engagement per room, and engagement per day.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Membership, Side, User
from activity.kinds import IN_FEED
from activity.models import Event
from analytics.health import AT_RISK, CLOSED, ON_TRACK, STALLED, RoomHealth, rooms_health
from analytics.models import DailyActivity, WeeklyActivity
from analytics.rollups import utc_day
from rooms.access import RoomAccess, rooms_visible_to
from rooms.models import Room
from stakeholders.models import Stakeholder

HEALTH_ORDER = {STALLED: 0, AT_RISK: 1, ON_TRACK: 2, CLOSED: 3}
# What the dashboard shows of a room and its owner: hundreds of rooms with every column were a
# tenth of its time (profiled). A field missing here costs a query per row (the tests count).
OWNER_FIELDS = ("public_id", "name", "email")
ROOM_FIELDS = ("public_id", "buyer_company", "stage", "start_date", "target_date", "owner")
CHART_WEEKS = 12


@dataclass
class Engagement:
    visits_7: int = 0
    visits_30: int = 0
    visitors_7: int = 0
    visitors_30: int = 0
    views_30: int = 0
    seconds_30: int = 0
    last_activity: datetime | None = None


@dataclass
class DashboardRow:
    room: Room
    health: RoomHealth
    engagement: Engagement
    # Filled in by the page that shows the row (analytics knows no URL).
    room_url: str = ""
    analytics_url: str = ""

    @property
    def percent(self) -> int:
        facts = self.health.facts
        return round(100 * facts.done / facts.total) if facts.total else 0


def _sort_key(name: str):
    far = date.max
    keys = {
        "room": lambda r: (r.room.buyer_company.lower(), r.room.pk),
        "owner": lambda r: (r.room.owner.get_full_name().lower(), r.room.pk),
        "stage": lambda r: (r.room.stage, r.room.pk),
        "progress": lambda r: (r.percent, r.room.pk),
        "health": lambda r: (HEALTH_ORDER[r.health.health.state], r.room.pk),
        "target": lambda r: (r.room.target_date, r.room.pk),
        "forecast": lambda r: (r.health.forecast.date or far, r.room.pk),
        "slip": lambda r: (
            r.health.forecast.slip_days if r.health.forecast.slip_days is not None else -(10**6),
            r.room.pk,
        ),
        "visits7": lambda r: (r.engagement.visits_7, r.room.pk),
        "visits30": lambda r: (r.engagement.visits_30, r.room.pk),
        "visitors": lambda r: (r.engagement.visitors_30, r.room.pk),
        "last": lambda r: (
            r.engagement.last_activity
            or datetime.min.replace(tzinfo=timezone.get_current_timezone()),
            r.room.pk,
        ),
        "overdue": lambda r: (r.health.facts.overdue, r.room.pk),
    }
    return keys.get(name)


SORTS = (
    *("room", "owner", "stage", "progress", "health", "target", "forecast", "slip"),
    *("visits7", "visits30", "visitors", "last", "overdue"),
)


@dataclass
class Week:
    start: date
    visits: int = 0
    views: int = 0


@dataclass
class Dashboard:
    rows: list[DashboardRow]
    owners: list[User]
    weeks: list[Week]
    totals: dict[str, Any] = field(default_factory=dict)
    health_counts: dict[str, int] = field(default_factory=dict)
    # The deals a manager acts on first, among those the filters chose: stalled, then at
    # risk, most overdue work first.
    attention: list[DashboardRow] = field(default_factory=list)


def engagement_by_room(room_ids: Iterable[int] | QuerySet, today: date) -> dict[int, Engagement]:
    """Buyer engagement per room over the last 7 and 30 days: one query on the rollups."""
    since_7, since_30 = today - timedelta(days=6), today - timedelta(days=29)
    last_7 = Q(day__gte=since_7)
    rows = (
        DailyActivity.objects.filter(room_id__in=room_ids, side=Side.BUYER, day__gte=since_30)
        .values("room_id")
        .order_by()
        .annotate(
            visits_30=Sum("visits"),
            visits_7=Sum("visits", filter=last_7),
            visitors_30=Count("user_id", distinct=True, filter=Q(views__gt=0)),
            visitors_7=Count("user_id", distinct=True, filter=last_7 & Q(views__gt=0)),
            views_30=Sum("views"),
            seconds_30=Sum("seconds"),
        )
    )
    return {
        row["room_id"]: Engagement(
            visits_7=row["visits_7"] or 0,
            visits_30=row["visits_30"] or 0,
            visitors_7=row["visitors_7"],
            visitors_30=row["visitors_30"],
            views_30=row["views_30"] or 0,
            seconds_30=row["seconds_30"] or 0,
        )
        for row in rows
    }


def dashboard(
    membership: Membership,
    *,
    owner: str = "",
    stage: str = "",
    health: str = "",
    sort: str = "health",
    now: datetime | None = None,
) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    visible = rooms_visible_to(membership)
    owners = sorted(
        User.objects.filter(pk__in=visible.order_by().values("owner_id")).only(*OWNER_FIELDS),
        key=lambda u: u.get_full_name().lower(),
    )
    chosen = visible
    if owner:
        chosen = chosen.filter(owner__in=[u for u in owners if str(u.public_id) == owner])
    if stage:
        chosen = chosen.filter(stage=stage)
    # The aggregates below filter on the chosen rooms as a subquery: a list of 500 ids in each
    # cost more to build and send than some of the aggregates took (profiled).
    chosen_ids = chosen.order_by().values("pk")
    chosen = chosen.only(*ROOM_FIELDS).order_by("target_date", "pk")
    # The one query for the rooms (``chosen`` keeps them); their owners are the few loaded
    # above, not one copy a room.
    by_pk = {user.pk: user for user in owners}
    for room in chosen:
        if room.owner_id in by_pk:  # a room given to someone else meanwhile loads its own
            room.owner = by_pk[room.owner_id]
    healths = rooms_health(chosen, now)
    engagement = engagement_by_room(chosen_ids, today)
    rows = [
        DashboardRow(room, healths[room.pk], engagement.get(room.pk, Engagement()))
        for room in chosen
    ]
    for row in rows:
        row.engagement.last_activity = row.health.facts.last_buyer_activity
    counts = dict.fromkeys(HEALTH_ORDER, 0)
    for row in rows:
        counts[row.health.health.state] += 1
    if health in HEALTH_ORDER:
        rows = [row for row in rows if row.health.health.state == health]
    attention = sorted(
        (row for row in rows if row.health.health.state in (STALLED, AT_RISK)),
        key=lambda r: (HEALTH_ORDER[r.health.health.state], -r.health.facts.overdue, r.room.pk),
    )
    descending = sort.startswith("-")
    key = _sort_key(sort.lstrip("-")) or _sort_key("health")
    rows.sort(key=key, reverse=descending)
    totals = {
        "rooms": len(rows),
        "visits_7": sum(r.engagement.visits_7 for r in rows),
        "visits_30": sum(r.engagement.visits_30 for r in rows),
        "visitors_30": sum(r.engagement.visitors_30 for r in rows),
        "overdue": sum(r.health.facts.overdue for r in rows),
        "tasks_done": sum(r.health.facts.done for r in rows),
        "tasks_total": sum(r.health.facts.total for r in rows),
    }
    weeks = engagement_weeks([row.room.pk for row in rows] if health else chosen_ids, today)
    return Dashboard(rows, owners, weeks, totals, counts, attention)


def engagement_weeks(
    room_ids: Iterable[int] | QuerySet, today: date, weeks: int = CHART_WEEKS
) -> list[Week]:
    """Buyer visits and views per week (Monday to Sunday), the last ``weeks`` weeks."""
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=weeks - 1)
    buckets = [Week(first + timedelta(weeks=i)) for i in range(weeks)]
    # The weekly rollup: a room a week, not a person a day (analytics.models.WeeklyActivity).
    per_week = (
        WeeklyActivity.objects.filter(room_id__in=room_ids, side=Side.BUYER, week__gte=first)
        .values("week")
        .order_by()
        .annotate(visits=Sum("visits"), views=Sum("views"))
    )
    for row in per_week:
        week = buckets[(row["week"] - first).days // 7]
        week.visits += row["visits"] or 0
        week.views += row["views"] or 0
    return buckets


# A room's analytics --------------------------------------------------------------------------


@dataclass
class PersonAnalytics:
    stakeholder: Stakeholder | None
    user_id: int
    name: str
    side: str
    last_seen: datetime | None = None
    visits: int = 0
    views: int = 0
    seconds: int = 0
    actions: int = 0
    per_day: list[int] = field(default_factory=list)  # visits, oldest first
    opened: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, title, times)


@dataclass
class RoomAnalytics:
    days: list[date]
    people: list[PersonAnalytics]
    never_visited: list[Stakeholder]
    health: RoomHealth
    totals: dict[str, int]


ANALYTICS_DAYS = 30


def room_analytics(access: RoomAccess, now: datetime | None = None) -> RoomAnalytics:
    """Per stakeholder over the last 30 days: last seen, visits, time, what they opened."""
    access.require_seller()
    now = now or timezone.now()
    room = access.room
    today = utc_day(now)
    days = [today - timedelta(days=ANALYTICS_DAYS - 1 - i) for i in range(ANALYTICS_DAYS)]
    stakeholders = {s.pk: s for s in room.stakeholders.all()}
    by_user = {s.user_id: s for s in stakeholders.values() if s.user_id}
    rollups = (
        DailyActivity.objects.filter(room=room, day__gte=days[0])
        .select_related("user")
        .order_by("day")
    )
    people: dict[int, PersonAnalytics] = {}
    opened: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rollups:
        stakeholder = stakeholders.get(row.stakeholder_id or 0) or by_user.get(row.user_id)
        person = people.get(row.user_id)
        if person is None:
            name = stakeholder.name if stakeholder else row.user.get_full_name()
            person = people[row.user_id] = PersonAnalytics(
                stakeholder, row.user_id, name, row.side, per_day=[0] * ANALYTICS_DAYS
            )
        person.visits += row.visits
        person.views += row.views
        person.seconds += row.seconds
        person.actions += row.actions
        person.per_day[(row.day - days[0]).days] += row.visits
        person.last_seen = max(filter(None, [person.last_seen, row.last_at]))
        for target, times in row.opened.items():
            opened[row.user_id][target] = opened[row.user_id].get(target, 0) + times
    # Last seen before the window, for people quiet this month.
    earlier = dict(
        DailyActivity.objects.filter(room=room, day__lt=days[0])
        .values("user_id")
        .order_by()
        .annotate(last=Max("last_at"))
        .values_list("user_id", "last")
    )
    titles = _opened_titles(access, opened)
    for user_id, targets in opened.items():
        people[user_id].opened = sorted(
            ((titles[t][0], titles[t][1], n) for t, n in targets.items() if t in titles),
            key=lambda item: (-item[2], item[1]),
        )
    for user_id, last in earlier.items():
        if user_id in people or user_id not in by_user:
            continue
        stakeholder = by_user[user_id]
        people[user_id] = PersonAnalytics(
            stakeholder,
            user_id,
            stakeholder.name,
            stakeholder.side,
            last_seen=last,
            per_day=[0] * ANALYTICS_DAYS,
        )
    seen = {p.stakeholder.pk for p in people.values() if p.stakeholder}
    never = [s for s in stakeholders.values() if s.side == Side.BUYER and s.pk not in seen]
    ordered = sorted(
        people.values(),
        key=lambda p: (p.side != Side.BUYER, -(p.last_seen.timestamp() if p.last_seen else 0)),
    )
    buyers = [p for p in ordered if p.side == Side.BUYER]
    totals = {
        "visits": sum(p.visits for p in buyers),
        "visitors": sum(1 for p in buyers if p.visits),
        "seconds": sum(p.seconds for p in buyers),
        "actions": sum(p.actions for p in buyers),
    }
    return RoomAnalytics(days, ordered, never, _health(room, now), totals)


def _health(room: Room, now: datetime) -> RoomHealth:
    return rooms_health([room], now)[room.pk]


def _opened_titles(
    access: RoomAccess, opened: dict[int, dict[str, int]]
) -> dict[str, tuple[str, str]]:
    """``task:<id>`` and ``resource:<id>`` to (kind, title), for what still exists."""
    wanted = {t for targets in opened.values() for t in targets}
    task_ids = [t.split(":", 1)[1] for t in wanted if t.startswith("task:")]
    resource_ids = [t.split(":", 1)[1] for t in wanted if t.startswith("resource:")]
    titles: dict[str, tuple[str, str]] = {}
    if task_ids:
        for public_id, title in access.room.tasks.filter(public_id__in=task_ids).values_list(
            "public_id", "title"
        ):
            titles[f"task:{public_id}"] = ("task", title)
    if resource_ids:
        for resource in access.room.resources.filter(public_id__in=resource_ids):
            titles[f"resource:{resource.public_id}"] = ("resource", resource.name)
    return titles


def activity_feed(access: RoomAccess, after: int = 0, limit: int = 15) -> list[Event]:
    """The room's activity feed (sellers only): changes, and views that start a visit."""
    if not access.is_seller:
        return []
    events = access.room.events.filter(IN_FEED)
    if after:
        events = events.filter(pk__gt=after)
    return list(events.select_related("actor")[:limit])
