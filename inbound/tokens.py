"""Reply addresses: ``reply+<token>@INBOUND_EMAIL_DOMAIN``, one per person and room or task.

The token is short enough for an address's local part (64 characters at most) and says, signed
with SECRET_KEY (HMAC-SHA256, 96 bits kept): which person (a buyer's stakeholder row, or a
seller's membership), which room, which task (or none: the room's discussion), and until which
day it holds. The person's current address is signed in too, without being written out: a
stakeholder whose address changes no longer answers to the old token. It is base32 in lower
case, because mail servers may change the case of a local part.

A token names; it does not grant. When a reply comes in, the person must still be who may act
in the room (inbound.services reads them through rooms.access): a revoked buyer, a member
removed from the organisation or the room's team, a deleted task — each stops the token at once.
"""

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.encoding import force_bytes

BUYER, SELLER = 1, 2
_LAYOUT = struct.Struct(">BIIIH")  # kind, person, room, task (0: none), last day (epoch days)
_MAC_BYTES = 12
_EPOCH = date(1970, 1, 1)
PREFIX = "reply+"


@dataclass(frozen=True)
class ReplyClaim:
    kind: int  # BUYER (person is a stakeholder's pk) or SELLER (a membership's pk)
    person: int
    room: int
    task: int | None
    last_day: date


def _mac(payload: bytes, email: str) -> bytes:
    key = hashlib.sha256(force_bytes("tandem.inbound.reply" + settings.SECRET_KEY)).digest()
    message = payload + b"\0" + email.strip().lower().encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]


def reply_token_make(*, kind: int, person: int, room: int, task: int | None, email: str) -> str:
    last_day = timezone.localdate() + timedelta(days=settings.INBOUND_REPLY_DAYS)
    payload = _LAYOUT.pack(kind, person, room, task or 0, (last_day - _EPOCH).days)
    raw = payload + _mac(payload, email)
    return base64.b32encode(raw).decode().rstrip("=").lower()


def reply_token_read(token: str) -> ReplyClaim | None:
    """What the token says, unchecked (None: not a token at all). The signature is checked by
    reply_token_valid, once the person's address is known."""
    try:
        text = token.strip().upper()
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (ValueError, TypeError):
        return None
    if len(raw) != _LAYOUT.size + _MAC_BYTES:
        return None
    kind, person, room, task, days = _LAYOUT.unpack(raw[: _LAYOUT.size])
    if kind not in (BUYER, SELLER):
        return None
    return ReplyClaim(kind, person, room, task or None, _EPOCH + timedelta(days=days))


def reply_token_valid(token: str, email: str) -> bool:
    """Whether the token was made by us for the person at ``email`` (in constant time)."""
    text = token.strip().upper()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (ValueError, TypeError):
        return False
    payload, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    return hmac.compare_digest(mac, _mac(payload, email))


def reply_address(token: str) -> str:
    return f"{PREFIX}{token}@{settings.INBOUND_EMAIL_DOMAIN}"


def reply_token_from_address(address: str) -> str | None:
    """The token of ``reply+<token>@<our domain>`` (any case), else None."""
    domain = settings.INBOUND_EMAIL_DOMAIN
    local, at, host = address.strip().strip("<>").rpartition("@")
    if not domain or not at or host.lower() != domain or not local.lower().startswith(PREFIX):
        return None
    return local[len(PREFIX) :].lower() or None
