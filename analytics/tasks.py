"""Storing events and keeping the daily rollups up to date (analytics.rollups)."""

from bisect import bisect_left, insort
from collections import defaultdict
from datetime import datetime, timedelta

from celery import current_app, shared_task
from django.db import transaction
from django.utils import timezone

from analytics.models import QUIET_KINDS, VIEW_KINDS, Event
from analytics.rollups import VISIT_GAP, rollup_rebuild, rollup_recent, rollup_refresh, utc_day
from rooms.models import Room

# The beat's rebuild of recent events looks back further than it runs, so a late or missed
# run loses nothing; the nightly catch-up rebuilds the last days whatever happened.
RECENT_WINDOW = timedelta(minutes=5)
CATCH_UP_DAYS = 3


@shared_task(ignore_result=True)
def events_drain() -> None:
    """Store the buffered events (analytics.buffer): woken by appends, and by beat."""
    from analytics.buffer import drain

    drain()


def events_store(payloads: list[dict]) -> None:
    """Insert events once each, in one statement: a second insert of the same key and time is
    ignored, so a batch stored twice (a drain that died before trimming) counts once.

    A view *starts a visit* when the same person has no view in the room in the 30 minutes
    before it, in the database or earlier in the batch (one query for the whole batch).
    """
    unique = {(p["public_id"], p["created_at"]): p for p in payloads}
    parsed = [(p, datetime.fromisoformat(p["created_at"])) for p in unique.values()]
    earlier = _view_times(parsed)
    events, alert_rooms, days = [], set(), set()
    for payload, at in sorted(parsed, key=lambda item: item[1]):
        kind, pair = payload["kind"], (payload["room_id"], payload["actor_id"])
        starts_visit = False
        if kind in VIEW_KINDS:
            times = earlier[pair]
            i = bisect_left(times, at)
            starts_visit = not (i and at - times[i - 1] <= VISIT_GAP)
            insort(times, at)
        is_internal = bool(payload.get("is_internal"))
        # A buyer opening a file tells the owner, as their actions do (batched).
        if payload["actor_side"] == "buyer" and kind not in QUIET_KINDS and not is_internal:
            alert_rooms.add(payload["room_id"])
        days.add((payload["room_id"], utc_day(at)))
        events.append(
            Event(
                public_id=payload["public_id"],
                created_at=at,
                organisation_id=payload["organisation_id"],
                room_id=payload["room_id"],
                actor_id=payload["actor_id"],
                actor_side=payload["actor_side"],
                stakeholder_id=payload.get("stakeholder_id"),
                kind=kind,
                summary=payload["summary"][:300],
                data=payload.get("data") or {},
                seconds=payload.get("seconds", 0),
                starts_visit=starts_visit,
                is_internal=is_internal,
            )
        )
    with transaction.atomic():
        Event.objects.bulk_create(events, batch_size=1000, ignore_conflicts=True)
        if alert_rooms:
            from notifications.alerts import buyer_alert_schedule

            for room in Room.objects.filter(pk__in=alert_rooms):
                buyer_alert_schedule(room=room)
    if current_app.conf.task_always_eager:
        # No broker, so no beat: the days are rebuilt at once (rollup_recent_task otherwise).
        rollup_refresh(days)


def _view_times(parsed: list[tuple[dict, datetime]]) -> dict[tuple[int, int], list[datetime]]:
    """The stored views, per room and person, that could make the batch's views not the first
    of a visit (sorted). Events of the batch itself are left out: they are judged in order."""
    views = [(p, at) for p, at in parsed if p["kind"] in VIEW_KINDS]
    found: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    if not views:
        return found
    pairs = {(p["room_id"], p["actor_id"]) for p, _ in views}
    rows = (
        Event.objects.filter(
            room_id__in={room for room, _ in pairs},
            actor_id__in={actor for _, actor in pairs},
            kind__in=VIEW_KINDS,
            created_at__gte=min(at for _, at in views) - VISIT_GAP,
            created_at__lte=max(at for _, at in views),
        )
        .exclude(public_id__in=[p["public_id"] for p, _ in views])
        .values_list("room_id", "actor_id", "created_at")
    )
    for room_id, actor_id, at in rows:
        if (room_id, actor_id) in pairs:
            found[(room_id, actor_id)].append(at)
    for times in found.values():
        times.sort()
    return found


@shared_task(ignore_result=True)
def rollup_recent_task() -> None:
    rollup_recent(timezone.now() - RECENT_WINDOW)


@shared_task(ignore_result=True)
def rollup_catch_up() -> None:
    today = timezone.now().date()
    rollup_rebuild(today - timedelta(days=CATCH_UP_DAYS), today)
