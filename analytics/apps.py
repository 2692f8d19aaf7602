from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Reactions that count: rollups of the event log, health, the forecast, the dashboard."""

    name = "analytics"

    def ready(self) -> None:
        from activity.subscriptions import subscribe
        from analytics.rollups import rollups_on_recorded

        # Imported here, not at the top: an app's models may not load before the registry is
        # ready, and the subscription needs them.
        subscribe("analytics.rollups", rollups_on_recorded)
