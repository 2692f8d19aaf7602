"""What an operator asks of the running app."""

import ipaddress
import logging
import os
import time

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from activity import buffer
from web.metrics import heartbeat_cache_key, tandem_registry
from web.tasks import HEARTBEAT_STALE

logger = logging.getLogger("tandem")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Is the database answering, and Redis when it is configured? 503 if not."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        logger.exception("healthz: database check failed")
        checks["database"] = "error"
    if settings.REDIS_URL:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except redis.RedisError:
            logger.exception("healthz: redis check failed")
            checks["redis"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def _migrations_applied() -> bool:
    """No migration of the code left to run on the database (remembered once true: a process
    runs one version of the code)."""
    global _MIGRATED
    if not _MIGRATED:
        executor = MigrationExecutor(connection)
        _MIGRATED = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _MIGRATED


_MIGRATED = False


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: the database answers, every migration is applied, and (with a
    broker) a worker ran beat's heartbeat lately. 503 naming what is not."""
    checks: dict[str, str] = {}
    try:
        checks["migrations"] = "ok" if _migrations_applied() else "pending"
        checks["database"] = "ok"
    except Exception:
        logger.exception("readyz: database check failed")
        checks["database"] = "error"
    if settings.REDIS_URL:
        try:
            beat = buffer.client(settings.REDIS_URL).get(heartbeat_cache_key())
            fresh = beat is not None and time.time() - float(beat) < HEARTBEAT_STALE
            checks["worker"] = "ok" if fresh else "stale"
        except redis.RedisError:
            checks["worker"] = "unknown: redis unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "error", **checks}, status=200 if ready else 503
    )


def _metrics_allowed(request: HttpRequest) -> bool | None:
    """True for the bearer of METRICS_TOKEN or an address in METRICS_ALLOWED_NETWORKS; None
    when neither is set (the endpoint is off)."""
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        return None
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if given and constant_time_compare(given, token):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in networks)


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' scrape: django-prometheus' counters (all gunicorn workers' with
    PROMETHEUS_MULTIPROC_DIR set) and Tandem's backlog figures (web.metrics)."""
    allowed = _metrics_allowed(request)
    if allowed is None:
        raise Http404
    if not allowed:
        return HttpResponse("metrics: a valid token is needed\n", status=403)
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(tandem_registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
