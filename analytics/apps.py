from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Reactions that count: rollups of the event log, health, the forecast, the dashboard.
    Subscribed to recorded room events here."""

    name = "analytics"

    def ready(self) -> None:
        # Imported here, not at the top: its modules load models, which must wait until the
        # app registry is ready.
        from analytics import subscriptions

        subscriptions.connect()
