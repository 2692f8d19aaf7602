"""Storing events and keeping the daily rollups up to date (analytics.rollups)."""

import logging
from datetime import date, datetime, timedelta

from celery import current_app, shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from analytics.models import QUIET_KINDS, VIEW_KINDS, Event
from analytics.rollups import VISIT_GAP, rollup_rebuild, rollup_recent, rollup_refresh, utc_day
from rooms.models import Room

logger = logging.getLogger("tandem")

# A burst of views in a room rebuilds its day once, this many seconds after the first.
ROLLUP_DELAY = 5
# The beat's rebuild of recent events looks back further than it runs, so a late or missed
# run loses nothing; the nightly catch-up rebuilds the last days whatever happened.
RECENT_WINDOW = timedelta(minutes=5)
CATCH_UP_DAYS = 3


@shared_task(ignore_result=True)
def event_store(payload: dict) -> None:
    event_store_now(payload)


def event_store_now(payload: dict) -> None:
    """Insert one event once: a second insert of the same key and time is ignored."""
    created_at = datetime.fromisoformat(payload["created_at"])
    kind = payload["kind"]
    starts_visit = (
        kind in VIEW_KINDS
        and not Event.objects.filter(
            room_id=payload["room_id"],
            actor_id=payload["actor_id"],
            kind__in=VIEW_KINDS,
            created_at__gte=created_at - VISIT_GAP,
            created_at__lt=created_at,
        )
        .exclude(public_id=payload["public_id"])
        .exists()
    )
    is_internal = bool(payload.get("is_internal"))
    with transaction.atomic():
        _insert(payload, created_at, starts_visit, is_internal)
        # A buyer opening a file tells the owner, as their actions do (batched).
        if payload["actor_side"] == "buyer" and kind not in QUIET_KINDS and not is_internal:
            from notifications.alerts import buyer_alert_schedule

            buyer_alert_schedule(room=Room.objects.get(pk=payload["room_id"]))
    rollup_soon(payload["room_id"], utc_day(created_at))


def _insert(payload: dict, created_at: datetime, starts_visit: bool, is_internal: bool) -> None:
    Event.objects.bulk_create(
        [
            Event(
                public_id=payload["public_id"],
                created_at=created_at,
                organisation_id=payload["organisation_id"],
                room_id=payload["room_id"],
                actor_id=payload["actor_id"],
                actor_side=payload["actor_side"],
                stakeholder_id=payload.get("stakeholder_id"),
                kind=payload["kind"],
                summary=payload["summary"],
                data=payload.get("data") or {},
                seconds=payload.get("seconds", 0),
                starts_visit=starts_visit,
                is_internal=is_internal,
            )
        ],
        ignore_conflicts=True,
    )


def rollup_soon(room_id: int, day: date) -> None:
    """Rebuild a room's day shortly; at once when tasks run in-process (no broker)."""
    if current_app.conf.task_always_eager:
        rollup_refresh([(room_id, day)])
        return
    try:
        if not cache.add(f"analytics:rollup:{room_id}:{day}", 1, timeout=ROLLUP_DELAY):
            return  # already scheduled
        rollup_room_day.apply_async(
            args=[room_id, day.isoformat()], countdown=ROLLUP_DELAY, retry=False
        )
    except Exception:  # Redis is down: the beat's rollup_recent_task picks it up
        logger.warning("rollup of room %s left for the beat: Redis unavailable", room_id)


@shared_task(ignore_result=True)
def rollup_room_day(room_id: int, day: str) -> None:
    on = date.fromisoformat(day)
    rollup_rebuild(on, on, [room_id])


@shared_task(ignore_result=True)
def rollup_recent_task() -> None:
    rollup_recent(timezone.now() - RECENT_WINDOW)


@shared_task(ignore_result=True)
def rollup_catch_up() -> None:
    today = timezone.now().date()
    rollup_rebuild(today - timedelta(days=CATCH_UP_DAYS), today)
