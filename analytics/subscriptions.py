"""How analytics hears of what happens: called once, from AnalyticsConfig.ready()."""

from activity.subscriptions import subscribe
from analytics.health_changes import health_on_recorded
from analytics.rollups import rollups_on_recorded


def connect() -> None:
    subscribe("analytics.rollups", rollups_on_recorded, after_commit=True)
    # After the rollups (subscribers are called in order): without a broker they are rebuilt
    # there, and health reads them.
    subscribe("analytics.health", health_on_recorded, after_commit=True)
