"""What an operator watches: /metrics (token or network, the outbox and buffer figures),
/readyz (database, migrations, the worker's heartbeat), request ids in logs and in the Celery
tasks a request queues, JSON log lines, Sentry when configured."""

import json
import logging
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from activity import buffer
from config.cache import ResilientRedisCache
from config.celery import _carry_request_id
from config.logs import JsonFormatter, RequestIdFilter, request_id
from outbox.models import DeliveryStatus, OutboundEmail
from tests.conftest import require_or_skip
from web.metrics import heartbeat_cache_key
from web.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-the-tests-0123456789"
ROOT = Path(__file__).resolve().parent.parent


def scrape(client, **headers) -> tuple[int, str]:
    response = client.get(reverse("metrics"), **headers)
    return response.status_code, response.content.decode()


def figure(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the scrape."""
    inside = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = "^" + re.escape(f"{name}{{{inside}}}" if labels else name) + r" (\S+)$"
    match = re.search(pattern, text, re.M)
    assert match, f"{name} {labels} not in the scrape"
    return float(match.group(1))


def email(status: str, age: timedelta = timedelta(0)) -> OutboundEmail:
    row = OutboundEmail.objects.create(
        key=f"test:{uuid.uuid4()}", to="a@example.com", subject="s", status=status
    )
    OutboundEmail.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_metrics_are_off_without_a_token_or_a_network(client):
    with override_settings(METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=[]):
        assert scrape(client)[0] == 404


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=[])
def test_metrics_refuse_a_scrape_without_the_token(client):
    assert scrape(client)[0] == 403
    assert scrape(client, HTTP_AUTHORIZATION="Bearer not-the-token")[0] == 403
    status, text = scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert status == 200
    assert "tandem_outbox_backlog" in text


def test_metrics_answer_an_allowed_network_without_a_token(client):
    import ipaddress  # noqa: PLC0415 - only this test builds networks

    allowed = [ipaddress.ip_network("127.0.0.0/8")]
    with override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=allowed):
        assert scrape(client, REMOTE_ADDR="127.0.0.1")[0] == 200
        assert scrape(client, REMOTE_ADDR="10.1.2.3")[0] == 403


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_expose_the_outbox_backlog_by_state_and_its_oldest_pending_age(client):
    email(DeliveryStatus.PENDING, age=timedelta(minutes=5))
    email(DeliveryStatus.PENDING)
    email(DeliveryStatus.SENDING)
    email(DeliveryStatus.FAILED)
    email(DeliveryStatus.SENT, age=timedelta(days=3))  # history, not backlog
    _, text = scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    backlog = "tandem_outbox_backlog"
    assert figure(text, backlog, outbox="outboundemail", state="pending") == 2
    assert figure(text, backlog, outbox="outboundemail", state="sending") == 1
    assert figure(text, backlog, outbox="outboundemail", state="failed") == 1
    assert 'state="sent"' not in text
    age = figure(text, "tandem_outbox_oldest_pending_age_seconds", outbox="outboundemail")
    assert 295 <= age <= 400
    # django-prometheus' own counters are there too.
    assert "django_http_requests_total_by_method_total" in text


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_oldest_pending_age_is_zero_when_nothing_waits(client):
    email(DeliveryStatus.SENT)
    _, text = scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert figure(text, "tandem_outbox_oldest_pending_age_seconds", outbox="outboundemail") == 0


@pytest.fixture
def redis_buffer():
    require_or_skip(bool(settings.REDIS_URL), "needs Redis (REDIS_URL)")
    r = buffer.client(settings.REDIS_URL)
    keys = [buffer._key("events"), buffer._key("set-aside-count"), heartbeat_cache_key()]
    r.delete(*keys)
    yield r
    r.delete(*keys)


@pytest.mark.services
@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_expose_the_event_buffer_and_the_celery_queues(client, redis_buffer):
    for i in range(7):
        redis_buffer.rpush(buffer._key("events"), json.dumps({"n": i}))
    redis_buffer.set(buffer._key("set-aside-count"), 2)
    _, text = scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert figure(text, "tandem_redis_up") == 1
    assert figure(text, "tandem_event_buffer_length") == 7
    assert figure(text, "tandem_event_buffer_set_aside_total") == 2
    assert figure(text, "tandem_celery_queue_length", queue="celery") >= 0


@pytest.mark.services
@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_still_answer_with_redis_down(client, redis_buffer):
    email(DeliveryStatus.PENDING)
    buffer.client.cache_clear()
    try:
        with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
            status, text = scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    finally:
        buffer.client.cache_clear()
    assert status == 200
    assert figure(text, "tandem_redis_up") == 0
    assert figure(text, "tandem_outbox_backlog", outbox="outboundemail", state="pending") == 1
    assert "tandem_event_buffer_length" not in text


def test_readyz_checks_the_database_and_the_migrations(client):
    with override_settings(REDIS_URL=""):
        response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}


@pytest.mark.services
def test_readyz_is_503_until_a_worker_ran_the_heartbeat(client, redis_buffer):
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["worker"] == "stale"
    worker_heartbeat()
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json()["worker"] == "ok"
    redis_buffer.set(heartbeat_cache_key(), time.time() - 600)  # the workers stopped
    assert client.get(reverse("readyz")).status_code == 503


def test_a_response_carries_its_request_id_and_a_sane_one_is_kept(client):
    made = client.get(reverse("healthz"))["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    kept = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="lb-1234-abcd")["X-Request-ID"]
    assert kept == "lb-1234-abcd"
    forged = client.get(reverse("healthz"), HTTP_X_REQUEST_ID='x" level=ERROR')["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


def test_a_task_queued_during_a_request_carries_its_id():
    headers: dict = {}
    token = request_id.set("req-abcdef12")
    try:
        _carry_request_id(headers=headers)
    finally:
        request_id.reset(token)
    assert headers == {"tandem_request_id": "req-abcdef12"}


def test_log_lines_are_json_with_the_request_id():
    record = logging.LogRecord("tandem", logging.WARNING, __file__, 1, "sent %s", ("x",), None)
    record.email_id = 42
    token = request_id.set("req-abcdef12")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "sent x"
    assert line["level"] == "WARNING"
    assert line["request_id"] == "req-abcdef12"
    assert line["email_id"] == 42


def production(extra: dict) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "LOG_FORMAT", "SENTRY_DSN"}},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 60,
        **extra,
    }
    code = (
        "import django, logging, sentry_sdk; django.setup(); from django.conf import settings;"
        "print(settings.LOGGING['handlers']['console']['formatter'], sentry_sdk.is_initialized())"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_production_logs_json_and_reports_to_sentry_only_when_a_dsn_is_set():
    assert production({}) == "json False"
    assert production({"SENTRY_DSN": "https://key@sentry.example/1"}) == "json True"
    assert production({"LOG_FORMAT": "text"}) == "text False"


def test_the_redis_cache_keeps_one_client_and_serves_without_redis():
    """One redis.Redis per connection pool (config.cache), and a dead Redis is a cache miss."""
    cache = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    assert cache.get("anything", "computed instead") == "computed instead"
    assert cache.get_or_set("page", lambda: "rendered") == "rendered"
