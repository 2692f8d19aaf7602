"""Sending one outbox row, at most once.

The guarantee, honestly: an email is handed to the mail server at most once. A worker first
*claims* the row (``pending`` → ``sending``) in a transaction of its own, holding its lock with
``skip_locked`` so that a second worker or a redelivered message skips it; only after that
commit does it talk to the mail server, then it marks the row ``sent``. A worker that dies
between the server's "accepted" and the mark leaves the row ``sending``: nothing sends it
again (the mail server has it, or may have it), and the organisation's admins see it as
interrupted with a *Send again* button. The price of "never twice" is that a worker dying in
the few milliseconds between the claim and the server's answer leaves that one email for an
admin to decide, instead of sending a possible second copy.

Emails with a ``compose`` are written at claim time by the composer registered under that name
(outbox.composers): notifications' reminders leave out a task completed or re-dated since it
was queued, and an email with nothing left to say is cancelled.
"""

from datetime import timedelta
from smtplib import SMTPRecipientsRefused

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from outbox.composers import email_compose
from outbox.models import EmailStatus, OutboundEmail
from outbox.preferences import wants

MAX_ATTEMPTS = 8
# A Celery retry's countdown and the row's next_attempt_at are computed a moment apart.
EARLY_TOLERANCE = timedelta(seconds=5)
ERASED = "(erased once sent: it held a secret link)"


def backoff_seconds(attempts: int) -> int:
    """30 s, 1 min, 2 min ... up to an hour: eight attempts span about two hours."""
    return min(2**attempts * 15, 3600)


@transaction.atomic
def email_claim(email_id: int) -> OutboundEmail | str:
    """Lock a due pending row and mark it ``sending``; the row, or why not ("skipped",
    "cancelled")."""
    now = timezone.now()
    email = (
        OutboundEmail.objects.select_for_update(skip_locked=True)
        .filter(pk=email_id, status=EmailStatus.PENDING)
        .first()
    )
    if email is None or (email.next_attempt_at and email.next_attempt_at > now + EARLY_TOLERANCE):
        return "skipped"  # another worker has it, it is done, or it is not due yet
    try:
        with transaction.atomic():  # a savepoint: a failure to write it leaves no half-made link
            says_something = not email.compose or email_compose(email)
    except Exception as exc:  # a bug in writing it: recorded and retried with backoff, not hot
        email.attempts += 1
        email.last_error = f"could not write it: {type(exc).__name__}: {exc}"[:2000]
        email.next_attempt_at = now + timedelta(seconds=backoff_seconds(email.attempts))
        if email.attempts >= MAX_ATTEMPTS:
            email.status = EmailStatus.FAILED
        email.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
        return "failed"
    if not says_something or (email.kind and not wants(email.to, email.kind)):
        email.status = EmailStatus.CANCELLED
        email.save(update_fields=["status"])
        return "cancelled"
    email.status = EmailStatus.SENDING
    email.attempts += 1
    email.claimed_at = now
    email.save()
    return email


def email_message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body_text, to=[email.to], headers=email.headers
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def email_mark_sent(email: OutboundEmail) -> None:
    fields = {"status": EmailStatus.SENT, "sent_at": timezone.now(), "last_error": ""}
    if email.scrub_after_send:
        fields |= {"body_text": ERASED, "body_html": ERASED}
    OutboundEmail.objects.filter(pk=email.pk, status=EmailStatus.SENDING).update(**fields)


def email_mark_failed(email: OutboundEmail, exc: OSError) -> int | None:
    """Record a failure. The mail server refusing the recipient (a bounce) is final at once: it
    would refuse again. Otherwise the row goes back to pending after a backoff; returns it in
    seconds, or None when the attempts are spent (then the row stays visible as failed)."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    final = isinstance(exc, SMTPRecipientsRefused) or email.attempts >= MAX_ATTEMPTS
    backoff = backoff_seconds(email.attempts)
    fields: dict[str, object] = {"last_error": error}
    if final:
        fields["status"] = EmailStatus.FAILED
        if email.scrub_after_send:
            fields |= {"body_text": "(erased: it held a secret link)", "body_html": ""}
    else:
        fields |= {
            "status": EmailStatus.PENDING,
            "next_attempt_at": timezone.now() + timedelta(seconds=backoff),
        }
    OutboundEmail.objects.filter(pk=email.pk, status=EmailStatus.SENDING).update(**fields)
    return None if final else backoff
