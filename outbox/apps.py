from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """One reliable delivery outbox: a row written in its cause's transaction, claimed, sent at
    most once, retried with backoff, shown to admins when it fails. It knows no room: what an
    email says is written by whoever queues it, or at claim time by a composer registered here
    (outbox.composers)."""

    name = "outbox"
