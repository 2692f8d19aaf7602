"""Replies by email: one service for every way in (the SMTP server, providers' webhooks).

``inbound_receive`` takes a raw message as it arrives, stores it once (by Message-ID) and hands
it to a worker; ``inbound_handle`` (in the Celery task) decides what becomes of it, in one
transaction: a comment by the person the reply address names, on that task or in that room's
discussion, a tick when the first line says "done", and the attachments as room files through
the same checks as an upload. Refused, and logged: unknown, tampered, expired or revoked
addresses, answering machines, bounces, loops. The sender hears back (a short email in words)
only when a reply of theirs could not be taken as they meant it, and never for a message a
machine sent or an address nobody made.
"""

import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import Organisation
from inbound.models import InboundMessage
from inbound.parsing import message_id_of, message_parse
from inbound.tasks import inbound_handle_task
from inbound.tokens import reply_token_from_address

logger = logging.getLogger("tandem.inbound")


# --- Receiving ----------------------------------------------------------------------------------


def inbound_receive(
    raw: bytes, *, via: str, recipients: list[str] | None = None, envelope_sender: str | None = None
) -> InboundMessage | None:
    """Store a message once and hand it to a worker; None for a duplicate (by Message-ID) or a
    message over the size limit (logged). ``recipients`` are the envelope's, when known."""
    if len(raw) > settings.INBOUND_MAX_BYTES:
        logger.warning("inbound message refused via %s: %d bytes is over the limit", via, len(raw))
        return None
    message = message_parse(raw)
    message_id = message_id_of(message) or "sha256:" + hashlib.sha256(raw).hexdigest()
    recipient = next(
        (a for a in recipients or [] if reply_token_from_address(a)), (recipients or [""])[0]
    )
    header = b"X-Tandem-Envelope-From: " + (envelope_sender or "").encode()[:254] + b"\r\n"
    try:
        with transaction.atomic():
            stored = InboundMessage.objects.create(
                message_id=message_id,
                via=via,
                recipient=recipient[:254],
                raw=(header if envelope_sender is not None else b"") + raw,
                size=len(raw),
            )
            transaction.on_commit(lambda: _dispatch(stored.pk))
    except IntegrityError:
        logger.info("inbound message %s via %s is a duplicate: ignored", message_id, via)
        return None
    return stored


def _dispatch(pk: int) -> None:
    try:
        inbound_handle_task.apply_async(args=[pk], retry=False)
    except Exception:  # the broker is down: the beat sweep picks it up
        logger.warning("inbound message %s left for the sweep: broker unavailable", pk)


# --- Erasure ------------------------------------------------------------------------------------


def inbound_erase(*, organisation: Organisation, email: str, room_ids: set[int]) -> int:
    """governance.erasure's hook: the logged messages from an erased person's address, those
    about the organisation's rooms and those about no room (which cannot be told apart), are
    deleted with their raw text. Returns how many."""
    deleted, _ = (
        InboundMessage.objects.filter(sender__iexact=email)
        .filter(Q(room_id_seen__in=room_ids) | Q(room_id_seen=None))
        .delete()
    )
    return deleted
