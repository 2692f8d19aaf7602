"""Who hears of recorded events. The layers above subscribe in their AppConfig.ready():
notifications (buyer alerts, @mentions), analytics (rollups), webhooks next.

A handler is called inside the transaction that stored the events, so what it writes (an
outbox row, an alert's schedule) commits with them or not at all; one subscribed with
``after_commit`` is called once they are committed, outside any transaction (long reads, such
as rebuilding rollups, then hold no lock of the writer's). Handlers must be idempotent: a batch
drained again after a crash is published again. They do no more than call a service of their
own layer.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from activity.models import Event


@dataclass(frozen=True)
class Recorded:
    events: Sequence[Event]
    # True for events that went through the view buffer (views, time on the page, links
    # opened), False for a change recorded by a domain service in its own transaction.
    buffered: bool = False


Handler = Callable[[Recorded], None]

_handlers: dict[str, Handler] = {}
_after_commit: dict[str, Handler] = {}


def subscribe(name: str, handler: Handler, *, after_commit: bool = False) -> None:
    """Register ``handler`` under ``name`` (registering the same name again replaces it)."""
    (_after_commit if after_commit else _handlers)[name] = handler


def publish(recorded: Recorded) -> None:
    """Call inside the transaction that stored the events."""
    for handler in list(_handlers.values()):
        handler(recorded)


def publish_committed(recorded: Recorded) -> None:
    """Call once the transaction that stored the events has committed."""
    for handler in list(_after_commit.values()):
        handler(recorded)
