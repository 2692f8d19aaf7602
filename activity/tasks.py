"""The event log's Celery task, found here by the workers' autodiscovery (it lives beside the
buffer it drains)."""

from activity.buffer import events_drain

__all__ = ["events_drain"]
