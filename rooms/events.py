"""The domain's side of the event log: a service records what it changed, inside its
transaction. Whoever cares (alerts, mentions, rollups, webhooks) subscribes to the log
(activity.subscriptions); a service never calls them."""

from typing import Any

from accounts.models import User
from activity.kinds import EventKind
from activity.models import Event
from activity.record import record
from rooms.access import RoomAccess
from rooms.models import Room
from rooms.versioning import room_touch


def event_record(
    *,
    room: Room,
    actor: User | None,
    kind: EventKind,
    summary: str,
    side: str,
    is_internal: bool = False,
    **data: Any,
) -> Event:
    """Record one thing that happened in ``room``. Called by services, inside their transaction.

    ``side`` is the actor's ("buyer"/"seller", from their access; "" for the system): the log
    never looks it up.
    """
    if room.is_template:
        # What the audit log keeps of templates (governance.audit) is told by the event: no
        # subscriber needs to look the room up for every change of every room.
        data["template"] = True
    # Whatever happened changed the room, so its content version moves in this transaction
    # (rooms.versioning): the room page's cache can never serve what was there before. First,
    # before the subscribers hear of the event: every transaction that records a room's
    # events locks the room's row before what they lock (a buyer alert's state), as the
    # worker storing buffered views does (rooms.versioning.feed_moved, subscribed before
    # them). The other order deadlocked ticks against the drain in the load test.
    room_touch(room.pk)
    return record(
        organisation_id=room.organisation_id,
        room_id=room.pk,
        actor_id=actor.pk if actor is not None else None,
        side=side,
        kind=kind,
        summary=summary,
        is_internal=is_internal,
        data=data,
    )


def event_record_by(
    by: RoomAccess, kind: EventKind, summary: str, is_internal: bool = False, **data: Any
) -> Event:
    """event_record for a service that acts through someone's access: the room, the actor and
    their side are the access's."""
    return event_record(
        room=by.room,
        actor=by.user,
        side=by.audience,
        kind=kind,
        summary=summary,
        is_internal=is_internal,
        **data,
    )
