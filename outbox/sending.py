"""The email transport of the outbox (outbox.delivery holds the claim-send-mark machinery and
its guarantee: handed to the mail server at most once).

Emails with a ``compose`` are written at claim time by the composer registered under that name
(outbox.composers): notifications' reminders leave out a task completed or re-dated since it
was queued, and an email with nothing left to say is cancelled, as is one whose address has
since turned that kind of email off or may no longer see what it is about (its topic).
"""

from smtplib import SMTPRecipientsRefused

from django.core.mail import EmailMultiAlternatives

from outbox.composers import (
    email_compose,
    email_headers_fill,
    email_secrets_fill,
    recipient_allowed,
)
from outbox.delivery import MAX_ATTEMPTS, delivery_claim, delivery_mark_failed, delivery_mark_sent
from outbox.models import OutboundEmail
from outbox.preferences import wants

__all__ = ["MAX_ATTEMPTS", "email_claim", "email_mark_failed", "email_mark_sent", "email_message"]

ERASED = "(erased once sent: it held a secret link)"


def _prepare(email: OutboundEmail) -> bool:
    if not recipient_allowed(email):
        return False
    if email.compose and not email_compose(email):
        return False
    return not email.kind or wants(email.to, email.kind)


def email_claim(email_id: int) -> OutboundEmail | str:
    """Lock a due pending email, write it if it is written at send time, and mark it
    ``sending``; the row, or why not ("skipped", "cancelled", "failed").

    The row returned carries its secret tokens (outbox.composers.email_secrets_fill) and its
    Reply-To (email_headers_fill); the database keeps the placeholders and the marker."""
    filled: list[tuple[str, str]] = []
    headers: list[dict] = []

    def prepare(email: OutboundEmail) -> bool:
        if not _prepare(email):
            return False
        bodies = email_secrets_fill(email)
        if bodies is None:
            return False
        filled.append(bodies)
        headers.append(email_headers_fill(email))
        return True

    claimed = delivery_claim(OutboundEmail, email_id, prepare=prepare)
    if isinstance(claimed, OutboundEmail):
        claimed.body_text, claimed.body_html = filled[0]  # in memory only, never saved
        claimed.headers = headers[0]  # its Reply-To too
    return claimed


def email_message(email: OutboundEmail) -> EmailMultiAlternatives:
    # The row's id travels with the email: a bounce, a mail log or make loadtest's books match
    # what arrived to the row that sent it.
    headers = {**email.headers, "X-Tandem-Delivery": str(email.public_id)}
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body_text, to=[email.to], headers=headers
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def email_mark_sent(email: OutboundEmail) -> None:
    erase = {"body_text": ERASED, "body_html": ERASED} if email.scrub_after_send else {}
    delivery_mark_sent(email, **erase)


def email_mark_failed(email: OutboundEmail, exc: OSError) -> int | None:
    """Record a failure. The mail server refusing the recipient (a bounce) is final at once: it
    would refuse again. Otherwise the row goes back to pending after a backoff; returns it in
    seconds, or None when the attempts are spent (then the row stays visible as failed, and an
    admin may send it again: its secret links are placeholders, given fresh tokens then)."""
    return delivery_mark_failed(
        email, f"{type(exc).__name__}: {exc}", final=isinstance(exc, SMTPRecipientsRefused)
    )
