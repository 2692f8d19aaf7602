import logging
from datetime import timedelta

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from notifications.models import EmailStatus, OutboundEmail

logger = logging.getLogger("tandem")
MAX_ATTEMPTS = 8


def backoff_seconds(attempts: int) -> int:
    """30 s, 1 min, 2 min ... up to an hour: eight attempts span about two hours."""
    return min(2**attempts * 15, 3600)


@shared_task(bind=True, max_retries=MAX_ATTEMPTS)
def email_send(self, email_id: int) -> str:
    """Send one queued email, once.

    The row is locked while it is sent and marked sent in the same transaction, so a second
    worker (or a redelivered message) skips it: ``skip_locked`` while the first holds it, the
    status after. A failure is recorded and retried with backoff, then left visible as failed.
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=EmailStatus.PENDING)
            .first()
        )
        if email is None:
            return "skipped"
        message = EmailMultiAlternatives(
            subject=email.subject, body=email.body_text, to=[email.to], headers=email.headers
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except OSError as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"
            backoff = backoff_seconds(email.attempts)
            email.next_attempt_at = timezone.now() + timedelta(seconds=backoff)
            if email.attempts >= MAX_ATTEMPTS:
                email.status = EmailStatus.FAILED
                if email.scrub_after_send:
                    email.body_text = email.body_html = "(erased: it held a secret link)"
            email.save()
            failed = email.status == EmailStatus.FAILED
        else:
            email.status = EmailStatus.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
            if email.scrub_after_send:
                email.body_text = email.body_html = "(erased once sent: it held a secret link)"
            email.save()
            return "sent"
    if not failed:
        raise self.retry(countdown=backoff)
    logger.error("email %s failed for good: %s", email_id, email.last_error)
    return "failed"


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
