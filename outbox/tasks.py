import logging

from celery import shared_task

from outbox.delivery import deliveries_due
from outbox.models import OutboundEmail
from outbox.sending import (
    MAX_ATTEMPTS,
    email_claim,
    email_mark_failed,
    email_mark_sent,
    email_message,
)

logger = logging.getLogger("tandem")


# Named as before the outbox was its own app, so that messages queued then still run.
@shared_task(bind=True, max_retries=MAX_ATTEMPTS, name="notifications.tasks.email_send")
def email_send(self, email_id: int) -> str:
    """Send one queued email, at most once (outbox.sending says how).

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


@shared_task(name="notifications.tasks.outbox_sweep")
def outbox_sweep() -> int:
    """Beat runs this every minute: queue what was never handed to a worker (broker down), and
    what failed once its backoff is over."""
    ids = deliveries_due(OutboundEmail)
    for email_id in ids:
        email_send.delay(email_id)
    return len(ids)
