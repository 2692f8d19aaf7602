"""When a room's health changes, say so once: the ``room.health_changed`` event.

Health is computed when read (analytics.health); its change is recorded here, by comparing the
computed state with the last one stored (``RoomHealthState``):

- A beat sweep (``health_sweep``, every 15 minutes: config/settings/base.py) computes the health
  of every live room, a batch of rooms at a time in the same few queries whatever its size: the
  clock alone moves health (a task falls overdue at midnight, buyers fall silent).
- The changes that move it (a task ticked, reopened, added, deleted or given a new date, the
  room's dates or stage, a buyer invited or arriving) have their room checked at once, after
  their transaction commits (``health_on_recorded``): a deal turning at risk is announced within
  the chat's batching window, not at the next sweep.
- A room computed for the first time has its state stored, not announced (no flood of events
  when this is deployed); so does a room that closes or opens again (won, lost, archived: the
  stage change says so) — only moves between on track, at risk and stalled are news.
- A change is decided under the stored row's lock, on the health computed again once the lock
  is held, and written with the event in one transaction: two sweeps, or a sweep and a check,
  at once announce it once.

The event has no actor (the system noticed), is not internal (webhooks and chat carry it) and
holds ``{"from", "state", "reason"}``. Its own kind moves no health, so recording it checks
nothing again.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from activity.kinds import EventKind
from activity.record import record
from activity.subscriptions import Recorded
from analytics.health import (
    AT_RISK,
    HEALTH_LABELS,
    ON_TRACK,
    STALLED,
    Health,
    room_health,
    rooms_health,
)
from analytics.models import RoomHealthState
from rooms.models import Room, Stage
from rooms.versioning import feed_touch

logger = logging.getLogger("tandem")

# The states whose moves are announced; ``closed`` is said by the room's stage change.
LIVE = (ON_TRACK, AT_RISK, STALLED)
SWEEP_BATCH = 500
# What a health check reads of a room (analytics.health.room_facts), and the event its org.
ROOM_FIELDS = ("id", "organisation", "stage", "start_date", "target_date")

# The changes that can move a room's health at once: its tasks (counts, overdue, the forecast),
# its dates and stage, its buyers' invitations. Its own kind is not one: no loop.
MOVES_HEALTH = frozenset(
    {
        EventKind.TASK_CREATED,
        EventKind.TASK_UPDATED,
        EventKind.TASK_DELETED,
        EventKind.TASK_COMPLETED,
        EventKind.TASK_REOPENED,
        EventKind.MILESTONE_CREATED,  # a plan imported into the room records one per milestone
        EventKind.MILESTONE_DELETED,
        EventKind.ROOM_UPDATED,
        EventKind.ROOM_STAGE_CHANGED,
        EventKind.STAKEHOLDER_ADDED,
        EventKind.STAKEHOLDER_INVITED,
        EventKind.STAKEHOLDER_REMOVED,
    }
)
# A buyer's arrival moves health through their activity, which health reads from the daily
# rollups; those are rebuilt every 30 seconds (analytics.rollups), so the check waits for them.
MOVES_HEALTH_LATER = frozenset({EventKind.BUYER_FIRST_VISIT})
ROLLUP_LAG = timedelta(seconds=45)
# A room's changes in a burst (a buyer ticking five tasks, a plan imported) are checked once:
# the first schedules a check this much later and marks the room in the cache; the others find
# the mark and leave it to that check, which clears the mark before it reads. The mark outlives
# a check delayed by a busy queue (then a later change schedules another; the sweep covers a
# check that was lost).
CHECK_DELAY = timedelta(seconds=5)
CHECK_MARK_SECONDS = 120


def _live_rooms():
    """Rooms the sweep looks at: active ones, and any whose stored state is still live (it
    closed while no check ran: storing ``closed`` keeps its reopening quiet)."""
    stored_live = RoomHealthState.objects.filter(room=OuterRef("pk"), state__in=LIVE)
    return Room.objects.filter(is_template=False).filter(
        Q(stage=Stage.ACTIVE) | Exists(stored_live)
    )


def health_sweep(*, batch_size: int = SWEEP_BATCH, now: datetime | None = None) -> int:
    """Check every live room, ``batch_size`` at a time; returns how many changes were announced.
    Each batch costs the same five or six queries whatever its size, plus a few per change."""
    now = now or timezone.now()
    rooms = _live_rooms().only(*ROOM_FIELDS).order_by("pk")
    after, announced = 0, 0
    while True:
        batch = list(rooms.filter(pk__gt=after)[:batch_size])
        if batch:
            announced += _check(batch, now)
        if len(batch) < batch_size:
            return announced
        after = batch[-1].pk


def health_check(*, room_ids: Iterable[int], now: datetime | None = None) -> int:
    """Check these rooms now (after a change that can move their health); returns how many
    changes were announced."""
    rooms = list(Room.objects.filter(pk__in=set(room_ids), is_template=False).only(*ROOM_FIELDS))
    return _check(rooms, now or timezone.now()) if rooms else 0


def _check(rooms: list[Room], now: datetime) -> int:
    computed = rooms_health(rooms, now)
    stored = dict(
        RoomHealthState.objects.filter(room_id__in=[room.pk for room in rooms]).values_list(
            "room_id", "state"
        )
    )
    first = [
        RoomHealthState(
            room_id=room.pk,
            state=computed[room.pk].health.state,
            reason=computed[room.pk].health.reason[:300],
            changed_at=now,
        )
        for room in rooms
        if room.pk not in stored
    ]
    if first:
        # Another check storing the same room's first state meanwhile is not an error.
        RoomHealthState.objects.bulk_create(first, ignore_conflicts=True)
    moved = [
        room.pk
        for room in rooms
        if room.pk in stored and stored[room.pk] != computed[room.pk].health.state
    ]
    return sum(_change(room_id, now) for room_id in moved)


@transaction.atomic
def _change(room_id: int, now: datetime) -> int:
    """Store the room's new health and announce it: decided under the stored row's lock, on
    the health computed again once the lock is held (another check may have stored it)."""
    row = RoomHealthState.objects.select_for_update().filter(room_id=room_id).first()
    room = Room.objects.filter(pk=room_id).only(*ROOM_FIELDS).first()
    if row is None or room is None:
        return 0
    fresh = room_health(room, now).health
    if fresh.state == row.state:
        return 0
    previous = row.state
    row.state, row.reason, row.changed_at = fresh.state, fresh.reason[:300], now
    row.save(update_fields=["state", "reason", "changed_at"])
    if previous not in LIVE or fresh.state not in LIVE:
        return 0
    # The sellers' cached feed lists it (the room's content is unchanged). The room's row is
    # locked before the event's subscribers lock theirs, as in every transaction that
    # records a room's events (rooms.events).
    feed_touch(room.pk)
    record(
        organisation_id=room.organisation_id,
        room_id=room.pk,
        actor_id=None,
        side="",
        kind=EventKind.ROOM_HEALTH_CHANGED,
        summary=health_change_summary(previous, fresh),
        data={"from": previous, "state": fresh.state, "reason": fresh.reason},
    )
    return 1


def health_change_summary(previous: str, new: Health) -> str:
    """'Health changed: On track → At risk (2 buyer tasks overdue)', as the feed shows it."""
    reason = new.reason.rstrip(".")
    return f"Health changed: {HEALTH_LABELS[previous]} → {new.label} ({reason})"


def health_on_recorded(recorded: Recorded) -> None:
    """A subscription, once the events are committed: check the rooms whose health they can
    move (the check is a task; without a broker it runs here and now)."""
    now_ids = {e.room_id for e in recorded.events if e.room_id and e.kind in MOVES_HEALTH}
    later_ids = {e.room_id for e in recorded.events if e.room_id and e.kind in MOVES_HEALTH_LATER}
    if now_ids:
        _dispatch(sorted(now_ids), 0)
    if later_ids - now_ids:
        _dispatch(sorted(later_ids - now_ids), ROLLUP_LAG.total_seconds())


def _mark(room_id: int) -> str:
    return f"health-check:{room_id}"


@shared_task(name="analytics.tasks.health_check_task", ignore_result=True)
def health_check_task(room_ids: list[int]) -> int:
    cache.delete_many([_mark(pk) for pk in room_ids])  # a change from now on schedules anew
    return health_check(room_ids=room_ids)


def _dispatch(room_ids: list[int], countdown: float) -> None:
    # With the cache down, add() answers False: nothing is scheduled, and the sweep notices.
    room_ids = [pk for pk in room_ids if cache.add(_mark(pk), 1, CHECK_MARK_SECONDS)]
    if not room_ids:
        return
    countdown = max(countdown, CHECK_DELAY.total_seconds())
    try:
        health_check_task.apply_async(args=[room_ids], countdown=countdown, retry=False)
    except Exception:  # the broker is unreachable (or, run here, the check failed): the next
        # sweep notices the change; the change that caused it is committed and stays.
        logger.warning("health check of rooms %s left for the sweep", room_ids, exc_info=True)
        cache.delete_many([_mark(pk) for pk in room_ids])
