"""How analytics hears of what happens: called once, from AnalyticsConfig.ready()."""

from activity.subscriptions import subscribe
from analytics.rollups import rollups_on_recorded


def connect() -> None:
    subscribe("analytics.rollups", rollups_on_recorded, after_commit=True)
