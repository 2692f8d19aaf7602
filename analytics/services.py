from typing import Any

from accounts.models import Membership, User
from analytics.models import Event
from rooms.models import Room
from rooms.versioning import room_touch


def event_record(
    *,
    room: Room,
    actor: User | None,
    kind: str,
    summary: str,
    is_internal: bool = False,
    side: str | None = None,
    **data: Any,
) -> Event:
    """Record one thing that happened. Called by services, inside their transaction.

    Whatever happened changed the room, so its content version moves in the same transaction
    (rooms.versioning); views are not recorded here (analytics.recording) and change nothing.
    A buyer's action also schedules the alert email to the room's owner (batched).
    """
    if side is None and actor is not None:
        is_member = Membership.objects.filter(
            organisation_id=room.organisation_id, user=actor
        ).exists()
        side = "seller" if is_member else "buyer"
    side = side or ""
    event = Event.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        actor=actor,
        actor_side=side,
        kind=kind,
        summary=summary[:300],
        is_internal=is_internal,
        data=data,
    )
    room_touch(room.pk)
    if side == "buyer" and not is_internal:
        from notifications.alerts import buyer_alert_schedule

        buyer_alert_schedule(room=room)
    return event
