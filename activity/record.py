"""Recording a change: the one way a domain service writes to the event log."""

from typing import Any

from django.db import transaction

from activity.kinds import EventKind
from activity.models import Event
from activity.subscriptions import Recorded, publish, publish_committed


def record(
    *,
    organisation_id: int,
    room_id: int | None,
    actor_id: int | None,
    side: str,
    kind: EventKind,
    summary: str,
    stakeholder_id: int | None = None,
    is_internal: bool = False,
    data: dict[str, Any] | None = None,
) -> Event:
    """Store one event and tell the subscribers, inside the caller's transaction. The actor's
    side ("buyer"/"seller", "" for the system) is given by the caller, who knows it from the
    access object: the log never looks it up. ``room_id`` is None for an event of the
    organisation itself (its members, tokens, settings)."""
    event = Event.objects.create(
        organisation_id=organisation_id,
        room_id=room_id,
        actor_id=actor_id,
        actor_side=side,
        stakeholder_id=stakeholder_id,
        kind=kind,
        summary=summary[:300],
        is_internal=is_internal,
        data=data or {},
    )
    recorded = Recorded(events=[event])
    publish(recorded)
    transaction.on_commit(lambda: publish_committed(recorded))
    return event
