"""Emails written when they are sent, not when they are queued.

A row with a ``compose`` name is written at claim time by the composer registered under that
name, so that it says only what still stands then (notifications registers its reminders and
mentions in its AppConfig.ready). A composer fills in the row's subject and bodies and returns
whether there is anything left to say; the outbox cancels the row when there is not.

A row with a ``topic`` ("room:42") is checked at claim time too, by the recipient check
registered for its scope ("room"): an address that may no longer see what the email is about
(a member removed, a buyer revoked) gets nothing, however long ago the email was queued.
"""

from collections.abc import Callable

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
