from typing import Any

from accounts.models import User
from analytics.models import Event
from rooms.models import Room


def event_record(
    *,
    room: Room,
    actor: User | None,
    kind: str,
    summary: str,
    is_internal: bool = False,
    **data: Any,
) -> Event:
    """Record one thing that happened. Called by services, inside their transaction."""
    return Event.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        actor=actor,
        kind=kind,
        summary=summary[:300],
        is_internal=is_internal,
        data=data,
    )
