"""Storing buffered events: once each, with the visit and time-on-page rules applied, and an
event the database cannot take set aside rather than holding back the others."""

import json
import logging
import uuid
from bisect import bisect_left, insort
from collections import defaultdict
from datetime import datetime
from typing import cast

from django.db import DataError, IntegrityError, connection, models, transaction

from activity.kinds import TIME_KIND, VIEW_KINDS, VISIT_GAP
from activity.kinds import starts_visit as visit_starts
from activity.models import Event
from activity.subscriptions import Recorded, publish, publish_committed

logger = logging.getLogger("tandem")

# What an event points at, and what becomes of it when that is gone before it is stored: what
# the model's on_delete would have done to it had it been stored a moment earlier.
WITHOUT_IT_NO_EVENT = ("organisation", "room")  # CASCADE: the event would be gone
WITHOUT_IT_NOBODY = ("actor", "stakeholder")  # SET_NULL: stored without them


def events_store(payloads: list[dict]) -> list[dict]:
    """Insert events once each: a second insert of the same key and time is ignored, so a batch
    stored twice (a drain that died before trimming) counts once. Returns the payloads set
    aside, each logged with its reason: malformed, or of a room deleted since (nothing else
    stops the batch; the caller keeps them where someone can look).

    A view *starts a visit* when the same person has no view in the room in the 30 minutes
    before it, in the database or earlier in the batch. The batch costs the same few queries
    whatever its size: what its events point at, the views and the seconds counted before it.
    """
    aside: list[dict] = []
    parsed = _parsed(payloads, aside)
    parsed = _still_there(parsed, aside)
    parsed = _time_counted(parsed)
    earlier = _view_times(parsed)
    events = []
    for payload, at in sorted(parsed, key=lambda item: item[1]):
        kind, pair = payload["kind"], (payload["room_id"], payload["actor_id"])
        starts_visit = False
        if kind in VIEW_KINDS:
            times = earlier[pair]
            i = bisect_left(times, at)
            starts_visit = visit_starts(times[i - 1] if i else None, at)
            insort(times, at)
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
                seconds=payload.get("seconds") or 0,
                starts_visit=starts_visit,
                is_internal=bool(payload.get("is_internal")),
            )
        )
    by_key = {(str(p["public_id"]), at): p for p, at in parsed}
    for event in _insert(events):
        payload = by_key[(str(event.public_id), event.created_at)]
        logger.error("event %s set aside: the database refused it", event.public_id)
        aside.append(payload)
    return aside


def _parsed(payloads: list[dict], aside: list[dict]) -> list[tuple[dict, datetime]]:
    """Each event once, with its time; one that lacks what an event needs goes aside."""
    unique: dict[tuple[str, str], tuple[dict, datetime]] = {}
    for payload in payloads:
        if problem := _malformed(payload):
            logger.error("event %s set aside: %s", payload.get("public_id"), problem)
            aside.append(payload)
            continue
        key = (payload["public_id"], payload["created_at"])
        unique[key] = (payload, datetime.fromisoformat(payload["created_at"]))
    return list(unique.values())


# What an event needs, of the types JSON gives back; then what it may have (or null).
REQUIRED = {
    **{"public_id": str, "created_at": str, "organisation_id": int, "room_id": int},
    **{"actor_id": int, "actor_side": str, "kind": str, "summary": str},
}
OPTIONAL = {"stakeholder_id": int, "data": dict, "seconds": int}


def _malformed(payload: dict) -> str:
    """What makes the payload no event (a bug of its producer, or of an older version), or ''.
    Everything the store and the database read of it is checked here, so that no one
    malformed event can fail the whole batch."""
    for name, kind in REQUIRED.items():
        if not isinstance(payload.get(name), kind):
            return f"malformed: no {name}"
    for name, kind in OPTIONAL.items():
        if payload.get(name) is not None and not isinstance(payload[name], kind):
            return f"malformed: {name} is no {kind.__name__}"
    try:
        uuid.UUID(payload["public_id"])
        at = datetime.fromisoformat(payload["created_at"])
    except ValueError:
        return "malformed: its key or its time"
    if at.tzinfo is None:
        return "malformed: its time has no time zone"
    if payload["kind"] == TIME_KIND:  # activity.recording.beacon_record made it
        data, elapsed = payload.get("data") or {}, payload.get("elapsed")
        has = (payload.get("seconds"), data.get("seq"), elapsed)
        if not ("view" in data and all(isinstance(value, int) for value in has)):
            return "malformed: seconds on a page without their view, sequence and elapsed time"
    return ""


def _still_there(
    parsed: list[tuple[dict, datetime]], aside: list[dict]
) -> list[tuple[dict, datetime]]:
    """The events whose room and organisation still exist (one query for each thing pointed
    at), without the person or stakeholder deleted since."""
    existing = {}
    for name in (*WITHOUT_IT_NO_EVENT, *WITHOUT_IT_NOBODY):
        ids = {p.get(f"{name}_id") for p, _ in parsed} - {None}
        # The model it points at, by the foreign key: the log imports no module above it.
        model = cast(type[models.Model], Event._meta.get_field(name).related_model)
        existing[name] = set(model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
    kept = []
    for payload, at in parsed:
        gone = [name for name in WITHOUT_IT_NO_EVENT if payload[f"{name}_id"] not in existing[name]]
        if gone:
            logger.warning("event %s set aside: its %s is gone", payload["public_id"], gone[0])
            aside.append(payload)
            continue
        for name in WITHOUT_IT_NOBODY:
            pk = payload.get(f"{name}_id")
            if pk is not None and pk not in existing[name]:
                payload = {**payload, f"{name}_id": None}
        kept.append((payload, at))
    return kept


def _time_counted(parsed: list[tuple[dict, datetime]]) -> list[tuple[dict, datetime]]:
    """Seconds on a page count only from a beacon whose sequence is above the last counted for
    its view, and only up to the time that had passed since the view when the beacon came
    (``elapsed``) less what the view has counted already: a page cannot be read for longer
    than it has been open. What is left counts; a beacon with nothing left is ignored.

    The drain, one at a time, stores the beacons in the order they came (the list's order);
    a view's beacons share its time, which finds what was counted before in one query.
    """
    beacons = [(p, at) for p, at in parsed if p["kind"] == TIME_KIND]
    if not beacons:
        return parsed
    counted: dict[str, tuple[int, int]] = {}  # view -> (last sequence, seconds)
    rows = Event.objects.filter(
        kind=TIME_KIND,
        room_id__in={p["room_id"] for p, _ in beacons},
        created_at__in={at for _, at in beacons},
    ).values_list("data", "seconds")
    for data, seconds in rows:
        last, total = counted.get(data.get("view"), (-1, 0))
        counted[data.get("view")] = (max(last, data.get("seq", -1)), total + seconds)
    kept = []
    for payload, at in parsed:
        if payload["kind"] == TIME_KIND:
            view, seq = payload["data"]["view"], payload["data"]["seq"]
            last, total = counted.get(view, (-1, 0))
            seconds = min(payload["seconds"], payload["elapsed"] - total)
            if seq <= last or seconds < 1:
                continue
            counted[view] = (seq, total + seconds)
            payload = {**payload, "seconds": seconds}
        kept.append((payload, at))
    return kept


def _insert(events: list[Event]) -> list[Event]:
    """Store the events in one transaction and tell the subscribers; when the database refuses
    the batch, store each half apart, down to the event it refuses alone. Returns those."""
    if not events:
        return []
    recorded = Recorded(events=events, buffered=True)
    try:
        with transaction.atomic():
            _bulk_insert(events)
            # Subscribers (buyer alerts) hear of the batch in its transaction, others
            # (rollups) once it is committed.
            publish(recorded)
    except (IntegrityError, DataError):
        # A foreign key checked at commit (a room deleted since the check above), a value out
        # of range. Anything else (the database down) is no event's fault: it propagates, and
        # the drain leaves the batch in the list for later.
        if len(events) == 1:
            return events
        half = len(events) // 2
        return _insert(events[:half]) + _insert(events[half:])
    publish_committed(recorded)
    return []


# A batch this large goes through COPY; a smaller one (a view written directly, a trickle) is
# one INSERT, fewer statements than the scratch table's four.
COPY_FROM = 100


def _bulk_insert(events: list[Event]) -> None:
    """Insert, ignoring an event stored before (its key and time). On PostgreSQL the rows are
    COPYed into a scratch table and moved over in one INSERT: bulk_create's per-value
    preparing and quoting was most of a worker's time storing events (a profile of 5,000)."""
    if connection.vendor != "postgresql" or len(events) < COPY_FROM:
        Event.objects.bulk_create(events, batch_size=1000, ignore_conflicts=True)
        return
    fields = [f for f in Event._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        # Dropped at commit: nothing is left on a server connection a pooler hands on.
        cursor.execute(
            f"CREATE TEMP TABLE event_load ON COMMIT DROP AS SELECT {columns} FROM {table}"  # noqa: S608 - the model's own names
            " WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY event_load ({columns}) FROM STDIN") as copy:
            for event in events:
                copy.write_row(
                    [
                        json.dumps(value) if f.attname == "data" else value
                        for f in fields
                        for value in (getattr(event, f.attname),)
                    ]
                )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM event_load"  # noqa: S608
            " ON CONFLICT DO NOTHING"
        )
        cursor.execute("DROP TABLE event_load")  # now, for a caller's longer transaction


def _view_times(parsed: list[tuple[dict, datetime]]) -> dict[tuple[int, int], list[datetime]]:
    """The stored views, per room and person, that could make the batch's views not the first
    of a visit (sorted). Events of the batch itself are left out: they are judged in order."""
    views = [(p, at) for p, at in parsed if p["kind"] in VIEW_KINDS]
    found: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    if not views:
        return found
    pairs = {(p["room_id"], p["actor_id"]) for p, _ in views}
    first = min(at for _, at in views)
    stored = Event.objects.filter(
        room_id__in={room for room, _ in pairs},
        actor_id__in={actor for _, actor in pairs},
        kind__in=VIEW_KINDS,
    )
    # Before the batch, only each person's last view can be the one before any of theirs in
    # it: one row per person, not every view of the last half hour (a busy room's thousands).
    last_before = (
        stored.filter(created_at__gte=first - VISIT_GAP, created_at__lt=first)
        .order_by()
        .values("room_id", "actor_id")
        .annotate(last=models.Max("created_at"))
        .values_list("room_id", "actor_id", "last")
    )
    for room_id, actor_id, at in last_before:
        if (room_id, actor_id) in pairs:
            found[(room_id, actor_id)].append(at)
    # Views stored within the batch's span (arriving out of order) are each needed. The
    # batch's own events (stored before, by a drain that died) are left out here rather
    # than in the query: a thousand keys quoted into it cost more than reading them.
    during = stored.filter(
        created_at__gte=first, created_at__lte=max(at for _, at in views)
    ).values_list("room_id", "actor_id", "created_at", "public_id")
    batch = {str(p["public_id"]) for p, _ in views}
    for room_id, actor_id, at, public_id in during:
        if (room_id, actor_id) in pairs and str(public_id) not in batch:
            found[(room_id, actor_id)].append(at)
    for times in found.values():
        times.sort()
    return found
