"""Views stored by a real Celery worker on Redis, once, and still stored when Redis stops."""

import shutil
import socket
import subprocess
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from analytics.models import DailyActivity, Event
from analytics.tasks import event_store
from config.celery import app
from tests.conftest import require_or_skip
from tests.test_celery import QUEUE, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def room_url(world):
    return reverse("room_detail", args=[world.room_a1.public_id])


@pytest.fixture
def worker():
    require_or_skip(bool(settings.REDIS_URL), "REDIS_URL is not set: no Redis to run a worker on")
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = QUEUE
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous


def test_a_real_worker_stores_each_view_once(client, world, worker):
    client.force_login(world.buyer)
    for _ in range(3):
        assert client.get(room_url(world)).status_code == 200
    assert wait_for(lambda: Event.objects.filter(kind="room.viewed").count() == 3)
    # A message delivered twice (a lost acknowledgement) inserts the same key and time once.
    payload = {
        "public_id": str(uuid.uuid4()),
        "created_at": timezone.now().isoformat(),
        "organisation_id": world.room_a1.organisation_id,
        "room_id": world.room_a1.pk,
        "actor_id": world.buyer.pk,
        "actor_side": "buyer",
        "stakeholder_id": None,
        "kind": "task.viewed",
        "summary": "opened a task",
        "data": {},
    }
    event_store.delay(payload)
    event_store.delay(payload)
    assert wait_for(lambda: Event.objects.filter(kind="task.viewed").exists())
    time.sleep(1)  # the second delivery, had it inserted, would be in by now
    assert Event.objects.filter(public_id=payload["public_id"]).count() == 1
    # The worker rebuilt the day's rollup a few seconds after the burst.
    assert wait_for(lambda: DailyActivity.objects.filter(user=world.buyer, views=4).exists())


class PrivateRedis:
    """A Redis of the test's own, with an append-only file, so that it can be stopped and
    started again with its queue intact (the shared Redis must keep running)."""

    def __init__(self, directory):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - a fixed local command
            [
                shutil.which("redis-server") or "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        assert wait_for(self.answers, 10)

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        self.process.terminate()  # SIGTERM: Redis writes its append-only file and exits
        self.process.wait(10)


@pytest.fixture
def private_redis(tmp_path):
    require_or_skip(bool(shutil.which("redis-server")), "redis-server is not installed")
    require_or_skip(bool(settings.REDIS_URL), "REDIS_URL is not set: no Redis to run a worker on")
    redis = PrivateRedis(tmp_path)
    redis.start()
    previous = (app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.broker_url = redis.url
    app.conf.task_always_eager = False
    app.conf.task_default_queue = QUEUE
    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    caches = {"default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": redis.url}}
    try:
        with override_settings(CACHES=caches):
            yield redis
    finally:
        app.pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = previous
        if redis.process.poll() is None:
            redis.stop()


def test_redis_stopped_during_a_burst_of_views_loses_and_doubles_nothing(
    client, world, private_redis, caplog
):
    client.force_login(world.buyer)
    statuses = []
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        for _ in range(5):
            statuses.append(client.get(room_url(world)).status_code)
        assert wait_for(lambda: Event.objects.count() == 5)
        private_redis.stop()
        for _ in range(5):  # broker and cache gone: the page still answers
            statuses.append(client.get(room_url(world)).status_code)
        written_directly = [r for r in caplog.records if "written directly" in r.getMessage()]
        assert len(written_directly) == 5
        assert Event.objects.count() == 10
        private_redis.start()
        for _ in range(5):
            statuses.append(client.get(room_url(world)).status_code)
        assert wait_for(lambda: Event.objects.count() == 15, 30)
    assert statuses == [200] * 15
    views = Event.objects.filter(kind="room.viewed")
    assert views.values("public_id").distinct().count() == 15
