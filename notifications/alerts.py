"""Alerts to a room's owner about what buyers did: at most one email per room per 10 minutes.

The first buyer action in a quiet room schedules an alert; later ones before it goes out ride
along in the same email. The alert lists every buyer event since the previous one. Beat's
sweep sends any alert whose scheduled task was lost (broker down, worker restarted).
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Side
from activity.kinds import QUIET_KINDS
from activity.models import Event
from activity.subscriptions import Recorded
from notifications.models import BuyerAlertState
from outbox.composers import reply_about
from outbox.models import Kind
from outbox.services import email_queue

ALERT_INTERVAL = timedelta(minutes=10)
logger = logging.getLogger("tandem")


def buyer_alert_schedule(*, room_id: int) -> None:
    """Call inside the transaction that recorded a buyer's event."""
    state, _ = BuyerAlertState.objects.select_for_update().get_or_create(room_id=room_id)
    if state.due_at is not None:
        return  # an alert is already on its way; this event will be in it
    now = timezone.now()
    state.due_at = max(now, state.sent_at + ALERT_INTERVAL) if state.sent_at else now
    state.save(update_fields=["due_at"])
    delay = max(0.0, (state.due_at - now).total_seconds())
    transaction.on_commit(lambda: _dispatch(room_id, delay))


@shared_task(name="notifications.tasks.buyer_alert_send")
def buyer_alert_send(room_id: int) -> bool:
    return buyer_alert_send_due(room_id=room_id)


def buyer_alerts_on_recorded(recorded: Recorded) -> None:
    """A subscription (activity.subscriptions): what a buyer did, but not what they read and
    nothing internal, schedules the room's alert (a file opened is news)."""
    rooms = {
        event.room_id
        for event in recorded.events
        if event.room_id is not None
        and event.actor_side == Side.BUYER
        and not event.is_internal
        and event.kind not in QUIET_KINDS
    }
    for room_id in sorted(rooms):
        buyer_alert_schedule(room_id=room_id)


def _dispatch(room_id: int, delay: float) -> None:
    try:
        buyer_alert_send.apply_async(args=[room_id], countdown=delay, retry=False)
    except Exception:  # the broker is unreachable: the sweep sends it when due
        logger.warning("buyer alert of room %s left for the sweep: broker unavailable", room_id)


@transaction.atomic
def buyer_alert_send_due(*, room_id: int) -> bool:
    """Queue the room's alert email if it is due. True if an email was queued."""
    state = (
        BuyerAlertState.objects.select_for_update(of=("self",))
        .select_related("room", "room__owner", "room__organisation")
        .filter(room_id=room_id)
        .first()
    )
    if state is None or state.due_at is None or state.due_at > timezone.now():
        return False
    room = state.room
    events = list(
        Event.objects.filter(
            room=room, actor_side=Side.BUYER, is_internal=False, pk__gt=state.last_event_id
        )
        # A file opened is news; reading the room, a task or the time spent there is not.
        .exclude(kind__in=QUIET_KINDS)
        .select_related("actor")
        .order_by("pk")
    )
    state.due_at = None
    if not events:
        state.save(update_fields=["due_at"])
        return False
    email_queue(
        key=f"buyer-alert:{room.pk}:{events[-1].pk}",
        to=room.owner.email,
        template="notifications/email/buyer_alert",
        kind=Kind.ALERTS,
        organisation_id=room.organisation_id,
        topic=f"room:{room.pk}",
        headers=reply_about("room", room.pk),  # a reply lands in the room's discussion
        context={
            "room": room,
            "events": events,
            "url": settings.SITE_URL + f"/rooms/{room.public_id}/",
        },
    )
    state.last_event_id = events[-1].pk
    state.sent_at = timezone.now()
    state.save(update_fields=["due_at", "last_event_id", "sent_at"])
    return True
