"""Storing buffered events: once each, in one statement, with the visit rule applied."""

from bisect import bisect_left, insort
from collections import defaultdict
from datetime import datetime

from django.db import transaction

from activity.kinds import VIEW_KINDS, VISIT_GAP
from activity.kinds import starts_visit as visit_starts
from activity.models import Event
from activity.subscriptions import Recorded, publish, publish_committed


def events_store(payloads: list[dict]) -> None:
    """Insert events once each, in one statement: a second insert of the same key and time is
    ignored, so a batch stored twice (a drain that died before trimming) counts once.

    A view *starts a visit* when the same person has no view in the room in the 30 minutes
    before it, in the database or earlier in the batch (one query for the whole batch).
    """
    unique = {(p["public_id"], p["created_at"]): p for p in payloads}
    parsed = [(p, datetime.fromisoformat(p["created_at"])) for p in unique.values()]
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
        is_internal = bool(payload.get("is_internal"))
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
    recorded = Recorded(events=events, buffered=True)
    with transaction.atomic():
        Event.objects.bulk_create(events, batch_size=1000, ignore_conflicts=True)
        # Subscribers (buyer alerts) hear of the whole batch in its transaction, others
        # (rollups) once it is committed.
        publish(recorded)
    publish_committed(recorded)


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
