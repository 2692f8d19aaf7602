"""Deal health and the plan-based forecast: the one place their rules live.

**Forecast** — when the plan finishes at the pace the room has actually completed tasks.
- The pace is the number of tasks completed in the last ``WINDOW_DAYS`` (28) days, divided by
  the days of that window the room has existed (from its start date, at most 28).
- With fewer than ``MIN_HISTORY_DAYS`` (7) days of history or fewer than ``MIN_COMPLETED``
  (3) tasks completed in the window, there is not enough data: no date is invented.
- Otherwise the forecast is today plus the remaining (not done) tasks divided by the pace,
  rounded up to whole days; its *slip* is forecast minus target date in days (positive:
  late, negative: early).
- A plan with no tasks left is *complete*: its date is the last completion.

**Health** — one of three states, each with its reason in words; the first rule that holds:
1. *stalled*: buyers have been active before and not for ``STALLED_DAYS`` (14) days; or none
   has ever been active and the first invitation went out ``INVITE_GRACE_DAYS`` (7) or more
   days ago.
2. *at risk*: the forecast is later than the target date; or buyer-side tasks are overdue.
3. *on track*: otherwise.
Rooms that are won, lost or archived have no health (``closed``). Buyer activity means any
view or action by a buyer (analytics.rollups), so a buyer who only reads keeps a room alive.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Side
from analytics.models import DailyActivity
from plans.models import Status, Task
from rooms.models import Room, Stage
from stakeholders.models import Stakeholder

WINDOW_DAYS = 28
MIN_HISTORY_DAYS = 7
MIN_COMPLETED = 3
STALLED_DAYS = 14
INVITE_GRACE_DAYS = 7

ON_TRACK, AT_RISK, STALLED, CLOSED = "on_track", "at_risk", "stalled", "closed"
HEALTH_LABELS = {ON_TRACK: "On track", AT_RISK: "At risk", STALLED: "Stalled", CLOSED: "Closed"}


@dataclass(frozen=True)
class RoomFacts:
    """What the rules read about one room, as plain values."""

    stage: str
    start_date: date
    target_date: date
    total: int
    done: int
    completed_in_window: int
    last_completed: date | None
    overdue: int
    overdue_buyer: int
    last_buyer_activity: datetime | None
    first_invited_at: datetime | None


@dataclass(frozen=True)
class Forecast:
    date: date | None
    slip_days: int | None  # positive: behind the target; negative: ahead
    summary: str
    complete: bool = False


@dataclass(frozen=True)
class Health:
    state: str
    reason: str

    @property
    def label(self) -> str:
        return HEALTH_LABELS[self.state]


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def forecast(facts: RoomFacts, today: date) -> Forecast:
    remaining = facts.total - facts.done
    if facts.total and not remaining:
        finished = facts.last_completed or today
        slip = (finished - facts.target_date).days
        return Forecast(finished, slip, "Plan complete", complete=True)
    history = min(WINDOW_DAYS, (today - facts.start_date).days)
    if not facts.total or history < MIN_HISTORY_DAYS or facts.completed_in_window < MIN_COMPLETED:
        return Forecast(None, None, "Not enough data yet")
    pace = facts.completed_in_window / history
    finish = today + timedelta(days=math.ceil(remaining / pace))
    slip = (finish - facts.target_date).days
    if slip > 0:
        summary = f"{_days(slip)} behind the target date"
    elif slip < 0:
        summary = f"{_days(-slip)} ahead of the target date"
    else:
        summary = "On the target date"
    return Forecast(finish, slip, summary)


def health(facts: RoomFacts, plan: Forecast, now: datetime) -> Health:
    if facts.stage != Stage.ACTIVE:
        return Health(CLOSED, f"The room is {Stage(facts.stage).label.lower()}.")
    last = facts.last_buyer_activity
    if last is not None and now - last >= timedelta(days=STALLED_DAYS):
        days = (now - last).days
        return Health(STALLED, f"No buyer activity for {_days(days)}.")
    invited = facts.first_invited_at
    if last is None and invited is not None and now - invited >= timedelta(days=INVITE_GRACE_DAYS):
        days = (now - invited).days
        return Health(STALLED, f"No buyer has opened the room {_days(days)} after the invitation.")
    reasons = []
    if plan.slip_days is not None and plan.slip_days > 0 and not plan.complete:
        reasons.append(f"Forecast {_days(plan.slip_days)} after the target date")
    if facts.overdue_buyer:
        n = facts.overdue_buyer
        reasons.append(f"{n} buyer task{'' if n == 1 else 's'} overdue")
    if reasons:
        return Health(AT_RISK, "; ".join(reasons) + ".")
    if plan.complete:
        return Health(ON_TRACK, "Every task is done.")
    if last is None and invited is None:
        return Health(ON_TRACK, "No buyer invited yet.")
    if last is None:
        today = timezone.localdate(now)
        return Health(ON_TRACK, f"Invited {_days((today - timezone.localdate(invited)).days)} ago.")
    if plan.date is None:
        return Health(ON_TRACK, "Buyers active; not enough completed tasks for a forecast.")
    return Health(ON_TRACK, f"Forecast {plan.summary.lower()}.")


def room_facts(rooms: Iterable[Room], now: datetime | None = None) -> dict[int, RoomFacts]:
    """The facts of many rooms in three queries, whatever their number.

    Given a queryset, the queries filter on it as a subquery: a list of hundreds of ids in
    each cost more to build and send than some of the queries took (profiled).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids: list[int] | QuerySet = []
    if isinstance(rooms, QuerySet):
        ids = rooms.order_by().values("pk")
    rooms = list(rooms)  # an evaluated queryset reads its cache
    if not isinstance(ids, QuerySet):
        ids = [room.pk for room in rooms]
    window_start = now - timedelta(days=WINDOW_DAYS)
    open_ = ~Q(status=Status.DONE)
    tasks = {
        row["room_id"]: row
        for row in Task.objects.filter(room_id__in=ids)
        .values("room_id")
        .order_by()
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=Status.DONE)),
            completed_in_window=Count(
                "pk", filter=Q(status=Status.DONE, completed_at__gte=window_start)
            ),
            last_completed=Max("completed_at", filter=Q(status=Status.DONE)),
            overdue=Count("pk", filter=open_ & Q(due_date__lt=today)),
            overdue_buyer=Count("pk", filter=open_ & Q(due_date__lt=today, side=Side.BUYER)),
        )
    }
    # One index probe per room (dailyactivity_last_idx), not a scan of every rollup row.
    latest = DailyActivity.objects.filter(room=OuterRef("pk"), side=Side.BUYER).order_by("-last_at")
    last_buyer = dict(
        Room.objects.filter(pk__in=ids)
        .annotate(last=Subquery(latest.values("last_at")[:1]))
        .values_list("pk", "last")
    )
    invited = dict(
        Stakeholder.objects.filter(room_id__in=ids, side=Side.BUYER, invited_at__isnull=False)
        .values("room_id")
        .order_by()
        .annotate(first=Min("invited_at"))
        .values_list("room_id", "first")
    )
    facts = {}
    zone = timezone.get_current_timezone()  # once, not a lookup of the active zone a room
    for room in rooms:
        row = tasks.get(room.pk, {})
        last_completed = row.get("last_completed")
        facts[room.pk] = RoomFacts(
            stage=room.stage,
            start_date=room.start_date,
            target_date=room.target_date,
            total=row.get("total", 0),
            done=row.get("done", 0),
            completed_in_window=row.get("completed_in_window", 0),
            last_completed=last_completed.astimezone(zone).date() if last_completed else None,
            overdue=row.get("overdue", 0),
            overdue_buyer=row.get("overdue_buyer", 0),
            last_buyer_activity=last_buyer.get(room.pk),
            first_invited_at=invited.get(room.pk),
        )
    return facts


@dataclass(frozen=True)
class RoomHealth:
    facts: RoomFacts
    forecast: Forecast
    health: Health


def rooms_health(rooms: Iterable[Room], now: datetime | None = None) -> dict[int, RoomHealth]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = {}
    for room_id, facts in room_facts(rooms, now).items():
        plan = forecast(facts, today)
        result[room_id] = RoomHealth(facts, plan, health(facts, plan, now))
    return result


def room_health(room: Room, now: datetime | None = None) -> RoomHealth:
    return rooms_health([room], now)[room.pk]
