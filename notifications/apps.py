from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Reactions that speak to people: buyer alerts, @mentions, reminders and digests. They are
    wired here, to the outbox (composers of emails written at send time) and to the activity
    log (subscriptions to recorded room events)."""

    name = "notifications"

    def ready(self) -> None:
        # Imported here, not at the top: its modules load models, which must wait until the
        # app registry is ready.
        from notifications import subscriptions

        subscriptions.connect()
