"""Emails written when they are sent, not when they are queued.

A row with a ``compose`` name is written at claim time by the composer registered under that
name, so that it says only what still stands then (notifications registers its reminders and
mentions in its AppConfig.ready). A composer fills in the row's subject and bodies and returns
whether there is anything left to say; the outbox cancels the row when there is not.

A row with a ``topic`` ("room:42") is checked at claim time too, by the recipient check
registered for its scope ("room"): an address that may no longer see what the email is about
(a member removed, a buyer revoked) gets nothing, however long ago the email was queued.
"""

import re
from collections.abc import Callable

from django.utils.crypto import constant_time_compare, salted_hmac

from outbox.models import OutboundEmail

Composer = Callable[[OutboundEmail], bool]
# (the address, the id after the scope) -> whether that address may still hear of it
RecipientCheck = Callable[[str, str], bool]

_composers: dict[str, Composer] = {}
_recipient_checks: dict[str, RecipientCheck] = {}


def composer_register(name: str, composer: Composer) -> None:
    _composers[name] = composer


def email_compose(email: OutboundEmail) -> bool:
    """Write the email; False when there is nothing left to say. An unknown name is a bug,
    raised so that the outbox records it and retries with backoff."""
    return _composers[email.compose](email)


def recipient_check_register(scope: str, check: RecipientCheck) -> None:
    _recipient_checks[scope] = check


def recipient_allowed(email: OutboundEmail) -> bool:
    """Whether the address may still hear of the email's topic (True without a topic). An
    unknown scope is a bug, raised like an unknown composer."""
    if not email.topic:
        return True
    scope, _, ident = email.topic.partition(":")
    return _recipient_checks[scope](email.to, ident)


# --- Secret tokens, made when the email is sent ------------------------------------------------
#
# An email that carries a secret link (a buyer's link, an invitation) is queued with a signed
# placeholder where the token goes (secret_placeholder). At claim time the maker registered
# under the placeholder's name makes a fresh token, in the claim's transaction, and the token
# goes into the message in memory only: the outbox never holds it, not while the email waits,
# not in a row left ``sending``, not in the admin; an email sent again carries a new token. A
# maker is given the recipient and refuses an object that is not theirs, so a placeholder can
# only ever bring its own person their own link.

SecretMaker = Callable[[int, str], str | None]  # (object's pk, recipient) -> token or None

_secret_makers: dict[str, SecretMaker] = {}
_PLACEHOLDER = re.compile(r"tandemsecret-([a-z_]+)-(\d+)-([0-9a-f]{20})")


def secret_register(name: str, maker: SecretMaker) -> None:
    _secret_makers[name] = maker


def _signature(name: str, pk: int) -> str:
    return salted_hmac("outbox.secret", f"{name}:{pk}").hexdigest()[:20]


def secret_placeholder(name: str, pk: int) -> str:
    """What an email holds where a token goes; URL-safe and untouched by escaping. Signed with
    SECRET_KEY: text a person typed into an email cannot ask for a token."""
    return f"tandemsecret-{name}-{pk}-{_signature(name, pk)}"


def email_secrets_fill(email: OutboundEmail) -> tuple[str, str] | None:
    """The email's text and HTML bodies with a fresh token for each placeholder; None when a
    maker refuses (the link or invitation no longer stands: the caller cancels the email). An
    unknown name is a bug, raised so that the outbox records it and retries with backoff."""
    tokens: dict[str, str] = {}
    for match in _PLACEHOLDER.finditer(email.body_text + email.body_html):
        name, pk, signature = match.groups()
        if match.group(0) in tokens or not constant_time_compare(
            signature, _signature(name, int(pk))
        ):
            continue
        token = _secret_makers[name](int(pk), email.to)
        if token is None:
            return None
        tokens[match.group(0)] = token

    def fill(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: tokens.get(m.group(0), m.group(0)), text)

    return fill(email.body_text), fill(email.body_html)


# --- Reply-To, made when the email is sent ----------------------------------------------------
#
# An email about a room or a task may be answered (inbound: the reply becomes a comment). It is
# queued with a marker header naming what it is about ("task:12", "room:5"); at claim time the
# maker registered by the inbound app turns it into a signed reply address for that recipient
# (or nothing: replies off, or the person may no longer post there). Like a secret token, the
# address lives in the message in memory only, never in the outbox's row.

REPLY_ABOUT_HEADER = "X-Tandem-Reply-About"
ReplyMaker = Callable[[str, str], str | None]  # ("task:12", recipient) -> address or None

_reply_makers: list[ReplyMaker] = []


def reply_maker_register(maker: ReplyMaker) -> None:
    _reply_makers[:] = [maker]


def reply_about(scope: str, pk: int) -> dict[str, str]:
    """The headers that ask for a Reply-To about ``scope`` ("task" or "room") ``pk``."""
    return {REPLY_ABOUT_HEADER: f"{scope}:{pk}"}


def email_headers_fill(email: OutboundEmail) -> dict:
    """The headers to send: the marker replaced by a Reply-To when a maker gives one."""
    headers = dict(email.headers)
    about = headers.pop(REPLY_ABOUT_HEADER, "")
    if about and _reply_makers:
        address = _reply_makers[0](about, email.to)
        if address:
            headers["Reply-To"] = address
    return headers
