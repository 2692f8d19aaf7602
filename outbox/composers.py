"""Emails written when they are sent, not when they are queued.

A row with a ``compose`` name is written at claim time by the composer registered under that
name, so that it says only what still stands then (notifications registers its reminders and
mentions in its AppConfig.ready). A composer fills in the row's subject and bodies and returns
whether there is anything left to say; the outbox cancels the row when there is not.
"""

from collections.abc import Callable

from outbox.models import OutboundEmail

Composer = Callable[[OutboundEmail], bool]

_composers: dict[str, Composer] = {}


def composer_register(name: str, composer: Composer) -> None:
    _composers[name] = composer


def email_compose(email: OutboundEmail) -> bool:
    """Write the email; False when there is nothing left to say. An unknown name is a bug,
    raised so that the outbox records it and retries with backoff."""
    return _composers[email.compose](email)
