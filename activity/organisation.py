"""Events of the organisation itself: what the core announces (accounts.signals.
organisation_event) is recorded like any room event, with no room, so that whoever subscribed
to the log (the audit log, webhooks next) hears of it the same way."""

from typing import Any

from accounts.signals import organisation_event
from activity.kinds import EventKind
from activity.record import record


def organisation_event_record(
    *,
    organisation_id: int,
    actor: Any,
    kind: str,
    summary: str,
    data: dict[str, Any] | None = None,
    **_signal: Any,
) -> None:
    """The receiver of accounts.signals.organisation_event (wired in ActivityConfig.ready)."""
    record(
        organisation_id=organisation_id,
        room_id=None,
        actor_id=actor.pk if actor is not None else None,
        side="seller" if actor is not None else "",
        kind=EventKind(kind),  # a kind the log does not know is a programming error
        summary=summary,
        is_internal=True,
        data=data,
    )


def connect() -> None:
    organisation_event.connect(
        organisation_event_record, weak=False, dispatch_uid="activity.organisation_event"
    )
