import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from notifications.models import EmailStatus, OutboundEmail
from notifications.sending import (
    MAX_ATTEMPTS,
    email_claim,
    email_mark_failed,
    email_mark_sent,
    email_message,
)

logger = logging.getLogger("tandem")


@shared_task(bind=True, max_retries=MAX_ATTEMPTS)
def email_send(self, email_id: int) -> str:
    """Send one queued email, at most once (notifications.sending says how).

    A failure is recorded and retried with backoff, then left visible as failed; a recipient
    the server refuses (a bounce) is failed at once, never retried in a loop.
    """
    claimed = email_claim(email_id)
    if isinstance(claimed, str):
        return claimed
    try:
        email_message(claimed).send()
    except OSError as exc:  # smtplib's errors are OSErrors too
        backoff = email_mark_failed(claimed, exc)
        if backoff is not None:
            raise self.retry(countdown=backoff) from exc
        logger.error("email %s failed for good: %s", email_id, exc)
        return "failed"
    email_mark_sent(claimed)
    return "sent"


@shared_task
def outbox_sweep() -> int:
    """Beat runs this every minute: queue what was never handed to a worker (broker down), and
    what failed once its backoff is over."""
    now = timezone.now()
    ids = list(
        OutboundEmail.objects.filter(
            status=EmailStatus.PENDING, created_at__lt=now - timedelta(minutes=2)
        )
        .exclude(next_attempt_at__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for email_id in ids:
        email_send.delay(email_id)
    return len(ids)


@shared_task
def buyer_alert_send(room_id: int) -> bool:
    from notifications.alerts import buyer_alert_send_due

    return buyer_alert_send_due(room_id=room_id)


@shared_task
def buyer_alert_sweep() -> int:
    """Beat runs this every minute: alerts whose scheduled task never ran."""
    from notifications.alerts import buyer_alert_send_due
    from notifications.models import BuyerAlertState

    due = BuyerAlertState.objects.filter(due_at__lte=timezone.now()).values_list(
        "room_id", flat=True
    )
    return sum(buyer_alert_send_due(room_id=room_id) for room_id in list(due[:500]))


@shared_task(name="notifications.tasks.reminders_sweep")
def reminders_sweep_task() -> int:
    """Beat runs this every 15 minutes: queue the reminders whose owner's morning has begun."""
    from notifications.reminders import reminders_sweep

    return reminders_sweep()


@shared_task(name="notifications.tasks.digest_sweep")
def digest_sweep_task() -> int:
    """Beat runs this every 15 minutes: queue each seller's digest once their morning begins."""
    from notifications.digest import digest_sweep

    return digest_sweep()
