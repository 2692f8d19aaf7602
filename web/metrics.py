"""What an operator watches, in Prometheus' text format (web.views.ops.metrics).

django-prometheus counts requests, latencies and database calls as they happen; the figures
below are read when Prometheus asks (a collector): how much waits in the outbox, by state, and
how old its oldest pending delivery is; how many views wait in the event buffer (and how many
were set aside); how many messages wait in each Celery queue. Reading them costs a few indexed
queries and a handful of Redis commands per scrape, nothing per request.
"""

import logging
import time
from collections.abc import Iterator

from celery import current_app
from django.apps import apps
from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from activity import buffer
from outbox.models import Delivery, DeliveryStatus

logger = logging.getLogger("tandem")

# The states a delivery waits in; sent and cancelled rows are history, not backlog.
BACKLOG_STATES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED)
# kombu's Redis transport keeps a queue's priorities in lists beside the queue's own.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
HEARTBEAT_KEY = "ops:worker-heartbeat"


def delivery_models() -> list[type[Delivery]]:
    """Every outbox table (emails today; webhooks and chat messages as they come)."""
    return [m for m in apps.get_models() if issubclass(m, Delivery)]


class TandemCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._outbox()
        if settings.REDIS_URL:
            yield from self._redis()

    def _outbox(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily(
            "tandem_outbox_backlog",
            "Outbox deliveries waiting (pending), interrupted (sending) or failed, by table",
            labels=["outbox", "state"],
        )
        oldest = GaugeMetricFamily(
            "tandem_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending delivery (0 when none waits)",
            labels=["outbox"],
        )
        now = timezone.now()
        for model in delivery_models():
            name = model._meta.model_name or ""
            rows = model._default_manager.filter(status__in=BACKLOG_STATES)
            counts = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
            for state in BACKLOG_STATES:
                backlog.add_metric([name, state.value], counts.get(state.value, 0))
            first = rows.filter(status=DeliveryStatus.PENDING).aggregate(at=Min("created_at"))
            oldest.add_metric([name], (now - first["at"]).total_seconds() if first["at"] else 0)
        yield backlog
        yield oldest

    def _redis(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("tandem_redis_up", "Whether Redis answered this scrape")
        try:
            r = buffer.client(settings.REDIS_URL)
            pipe = r.pipeline(transaction=False)
            pipe.llen(buffer._key("events"))
            pipe.get(buffer._key("set-aside-count"))
            queues = sorted(current_app.amqp.queues) or [current_app.conf.task_default_queue]
            for queue in queues:
                for suffix in PRIORITY_SUFFIXES:
                    pipe.llen(queue + suffix)
            pipe.hlen("unacked")
            pipe.get(heartbeat_cache_key())
            answers = pipe.execute()
        except Exception as exc:  # Redis down: say so, the rest of the scrape stands
            logger.warning("metrics: Redis did not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        events, aside, *lengths = answers
        unacked, heartbeat = lengths[-2], lengths[-1]
        yield GaugeMetricFamily(
            "tandem_event_buffer_length", "Events waiting in the buffer for a drain", value=events
        )
        yield GaugeMetricFamily(
            "tandem_event_buffer_set_aside_total",
            "Events the store refused, set aside since the count began",
            value=int(aside or 0),
        )
        queue_lengths = GaugeMetricFamily(
            "tandem_celery_queue_length", "Messages waiting in a Celery queue", labels=["queue"]
        )
        for i, queue in enumerate(queues):
            n = len(PRIORITY_SUFFIXES)
            queue_lengths.add_metric([queue], sum(lengths[i * n : (i + 1) * n]))
        yield queue_lengths
        yield GaugeMetricFamily(
            "tandem_celery_unacked_messages",
            "Messages taken by workers and not yet acknowledged",
            value=unacked,
        )
        if heartbeat is not None:
            yield GaugeMetricFamily(
                "tandem_worker_heartbeat_age_seconds",
                "Seconds since a worker last ran the heartbeat task",
                value=max(0.0, time.time() - float(heartbeat)),
            )


def heartbeat_cache_key() -> str:
    """The heartbeat's key in Redis (written by web.tasks.worker_heartbeat)."""
    return buffer._key(HEARTBEAT_KEY)


def tandem_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(TandemCollector())
    return registry
