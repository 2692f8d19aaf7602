"""Tandem's own SMTP server for replies (aiosmtpd): the domain's MX points at it.

It takes mail only for ``reply+…@INBOUND_EMAIL_DOMAIN`` (550 for any other address: it relays
nothing), refuses a message over INBOUND_MAX_BYTES while it comes in (552, aiosmtpd's limit),
and stores each message with inbound.services, in a thread (the ORM is synchronous), before
answering 250: a message it accepted is in the database. What becomes of it is decided by a
worker.
"""

import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from inbound.services import inbound_receive
from inbound.tokens import reply_token_from_address

logger = logging.getLogger("tandem.inbound")


def _store(raw: bytes, recipients: list[str], sender: str) -> None:
    close_old_connections()
    try:
        inbound_receive(raw, via="smtp", recipients=recipients, envelope_sender=sender)
    finally:
        close_old_connections()


class ReplyHandler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if reply_token_from_address(address) is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        try:
            await sync_to_async(_store, thread_sensitive=True)(
                raw, list(envelope.rcpt_tos), envelope.mail_from or ""
            )
        except Exception:
            logger.exception("inbound message could not be stored")
            return "451 4.3.0 Try again later"
        return "250 OK"


def controller(host: str | None = None, port: int | None = None) -> Controller:
    return Controller(
        ReplyHandler(),
        hostname=host or settings.INBOUND_SMTP_HOST,
        port=port or settings.INBOUND_SMTP_PORT,
        data_size_limit=settings.INBOUND_MAX_BYTES,
        server_hostname=settings.INBOUND_EMAIL_DOMAIN or None,
    )
