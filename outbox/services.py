"""Queue an email: a row in the outbox now, a Celery task once the transaction commits."""

import logging
from datetime import datetime

from django.db import transaction
from django.template.loader import render_to_string

from outbox.delivery import delivery_handover_failed, delivery_send_again
from outbox.models import OutboundEmail
from outbox.preferences import unsubscribe_headers, unsubscribe_url, wants
from outbox.tasks import email_send

logger = logging.getLogger("tandem")


def email_queue(
    *,
    key: str,
    to: str,
    template: str,
    context: dict,
    headers: dict | None = None,
    secret: bool = False,
    kind: str = "",
    organisation_id: int | None = None,
    topic: str = "",
) -> OutboundEmail | None:
    """Render ``<template>_subject.txt``, ``_message.txt`` and ``_message.html`` and queue them.

    Call it inside the transaction that causes the email. The same key twice queues once.
    An email of a ``kind`` the address has turned off is not queued (None); one that is
    carries a one-click unsubscribe link and its headers. A ``topic`` ("room:42") is checked
    again when it is sent: an address that may no longer see it gets nothing.
    """
    if kind:
        if not wants(to, kind):
            return None
        headers = {**(headers or {}), **unsubscribe_headers(to, kind)}
        context = {**context, "unsubscribe_url": unsubscribe_url(to, kind)}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    email, created = OutboundEmail.objects.get_or_create(
        key=key,
        defaults={
            "to": to,
            "subject": subject[:300],
            "body_text": render_to_string(f"{template}_message.txt", context),
            "body_html": render_to_string(f"{template}_message.html", context),
            "headers": headers or {},
            "scrub_after_send": secret,
            "kind": kind,
            "organisation_id": organisation_id,
            "topic": topic,
        },
    )
    if created:
        transaction.on_commit(lambda: email_dispatch(email.pk))
    return email


def email_dispatch(email_id: int, eta: datetime | None = None) -> None:
    """Hand the email to a worker (at ``eta``, if given); if the broker is down, the periodic
    sweep sends it when it is due."""
    try:
        email_send.apply_async(args=[email_id], eta=eta, retry=False)
    except Exception:  # the broker is unreachable: the row waits for outbox_sweep
        logger.warning("email %s left for the outbox sweep: broker unavailable", email_id)
        delivery_handover_failed(OutboundEmail, email_id)


def email_send_again(*, email: OutboundEmail) -> OutboundEmail:
    """An admin's decision for a failed or interrupted email: queue it once more."""
    return delivery_send_again(email, email_dispatch)
