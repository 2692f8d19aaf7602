"""Recording what people look at, without slowing the page they look at.

A view is a small payload appended to a Redis list that a Celery task drains in batches
(activity.buffer); when Redis cannot be reached it is written directly, so a view is never
lost. The payload carries its idempotency key and its time, fixed here: a batch stored again
after a drain died inserts the same (key, time) pairs and the database ignores them, so
nothing is counted twice.

The room page also reports how long it stayed visible: it is given a signed beacon token
(room, person, the view's key and time) and posts seconds to ``beacon_record``, which ignores
anything it cannot trust — a bad number, a forged or stale token, a room the sender can no
longer see. The beacon is buffered with its sequence number and the time since the view, and
activity.store counts it only when its sequence is above the last counted for the view, and
only up to that time in all: a page open for a minute gives a minute at most, whatever is
claimed, and a replayed or reordered beacon counts nothing. With Redis down a beacon is
dropped, not written directly (``event_queue``).
"""

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core import signing
from django.utils import timezone

from activity.buffer import push
from activity.kinds import TIME_KIND, EventKind
from activity.store import events_store

logger = logging.getLogger("tandem")

BEACON_SALT = "tandem.analytics.beacon"
# A page left open longer than this stops counting (a tab forgotten overnight is not reading).
BEACON_MAX_AGE = timedelta(hours=12)
BEACON_MAX_SECONDS = 30 * 60  # per beacon: the script reports at every hide
BEACON_MAX_SEQUENCE = 200


@dataclass(frozen=True)
class Who:
    """Who is looking at which room, as plain values (rooms.access.RoomAccess.who)."""

    organisation_id: int
    room_id: int
    user_id: int
    side: str
    stakeholder_id: int | None = None


def view_record(
    who: Who, kind: EventKind, summary: str, *, target: str = "", is_internal: bool = False
) -> dict:
    """Queue the view of a room, task or resource by ``who``.

    ``target`` names what was opened (``task:<public id>``, ``resource:<public id>``).
    """
    payload = event_payload(
        who,
        public_id=uuid.uuid4(),
        created_at=timezone.now(),
        kind=kind,
        summary=summary,
        data={"target": target} if target else {},
        is_internal=is_internal,
    )
    event_queue(payload)
    return payload


def event_payload(
    who: Who,
    *,
    public_id: uuid.UUID,
    created_at: datetime,
    kind: str,
    summary: str,
    data: dict,
    **extra: object,
) -> dict:
    """What activity.store.events_store takes: the event, with who did it, as plain values."""
    return {
        "public_id": str(public_id),
        "created_at": created_at.isoformat(),
        "organisation_id": who.organisation_id,
        "room_id": who.room_id,
        "actor_id": who.user_id,
        "actor_side": who.side,
        "stakeholder_id": who.stakeholder_id,
        "kind": kind,
        "summary": summary[:300],
        "data": data,
        **extra,
    }


def event_queue(payload: dict, *, drop_when_down: bool = False) -> None:
    """Hand the event to the buffer (activity.buffer); without Redis, or with Redis down,
    store it here and now rather than lose it.

    ``drop_when_down`` is for seconds on a page: the store counts them against what the view
    counted before, which holds while one drain stores them in turn; written directly by
    concurrent requests, they would all pass that check, so with Redis down they are dropped.
    """
    if current_app.conf.task_always_eager or not settings.REDIS_URL:
        events_store([payload])
        return
    try:
        push(payload)
    except Exception:  # Redis is unreachable: write it here rather than lose it
        if drop_when_down:
            logger.warning("event %s dropped: Redis unavailable", payload["public_id"])
            return
        logger.warning("event %s written directly: Redis unavailable", payload["public_id"])
        events_store([payload])


def beacon_token(view: dict) -> str:
    """What the page sends back with its seconds: who viewed which room, in which view."""
    return signing.dumps(
        {
            "r": view["room_id"],
            "u": view["actor_id"],
            "v": view["public_id"],
            "t": view["created_at"],
        },
        salt=BEACON_SALT,
        compress=True,
    )


def beacon_seconds(raw: object) -> int | None:
    """A whole number of seconds in 1..BEACON_MAX_SECONDS, or None."""
    try:
        seconds = float(str(raw))
    except ValueError:
        return None
    if not math.isfinite(seconds) or not 1 <= seconds <= BEACON_MAX_SECONDS:
        return None
    return round(seconds)


def beacon_record(who: Who, *, token: str, sequence: object, seconds: object) -> bool:
    """Queue the seconds a room page stayed visible. False when the beacon is ignored here
    (the store may still ignore it, or count part of it: see the module's docstring)."""
    try:
        claims = signing.loads(token, salt=BEACON_SALT, max_age=BEACON_MAX_AGE)
        seq = int(str(sequence))
        view_id = uuid.UUID(str(claims["v"]))
        viewed_at = datetime.fromisoformat(str(claims["t"]))
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        return False
    counted = beacon_seconds(seconds)
    if counted is None or not 0 <= seq < BEACON_MAX_SEQUENCE:
        return False
    if claims.get("r") != who.room_id or claims.get("u") != who.user_id:
        return False
    # The same view and sequence make the same key and time: a replay is ignored on insert
    # (and by the store's sequence rule, which also caps the view's seconds by ``elapsed``).
    event_queue(
        event_payload(
            who,
            public_id=uuid.uuid5(view_id, str(seq)),
            created_at=viewed_at,
            kind=TIME_KIND,
            summary=f"spent {counted} s on the room",
            data={"view": str(view_id), "seq": seq},
            seconds=counted,
            elapsed=math.floor((timezone.now() - viewed_at).total_seconds()),
        ),
        drop_when_down=True,
    )
    return True
