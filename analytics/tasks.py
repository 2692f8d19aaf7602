"""Beat's sweeps of analytics: keeping the daily rollups up to date (analytics.rollups), and
noticing the health changes the clock alone makes (analytics.health_changes)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from analytics.health_changes import health_sweep
from analytics.rollups import rollup_rebuild, rollup_recent

# The beat's rebuild of recent events looks back further than it runs, so a late or missed
# run loses nothing; the nightly catch-up rebuilds the last days whatever happened.
RECENT_WINDOW = timedelta(minutes=5)
CATCH_UP_DAYS = 3


@shared_task(ignore_result=True)
def rollup_recent_task() -> None:
    rollup_recent(timezone.now() - RECENT_WINDOW)


@shared_task(ignore_result=True)
def rollup_catch_up() -> None:
    today = timezone.now().date()
    rollup_rebuild(today - timedelta(days=CATCH_UP_DAYS), today)


@shared_task(ignore_result=True)
def health_sweep_task() -> int:
    return health_sweep()
