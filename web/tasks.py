"""The operator's task: a heartbeat that /readyz reads (web.views.ops)."""

import time

from celery import shared_task
from django.conf import settings

from activity import buffer
from web.metrics import heartbeat_cache_key

# Beat queues the heartbeat every HEARTBEAT_SECONDS (config.settings.base); /readyz says the
# workers are gone when the last one is older than HEARTBEAT_STALE.
HEARTBEAT_SECONDS = 15
HEARTBEAT_STALE = 90


@shared_task(ignore_result=True, name="web.tasks.worker_heartbeat")
def worker_heartbeat() -> None:
    """A worker took a message beat queued: the broker, beat and a worker all work."""
    buffer.client(settings.REDIS_URL).set(heartbeat_cache_key(), time.time(), ex=3600)
