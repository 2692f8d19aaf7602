"""Views stored by a real Celery worker on Redis, once, and still stored when Redis stops;
a stale event set aside without stopping the others; a drain that lost its lock trims nothing."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from activity import buffer, store
from activity.buffer import _key, drain, pending, push
from activity.buffer import client as redis_client
from activity.models import Event
from analytics.models import DailyActivity
from analytics.tasks import rollup_recent_task
from rooms.models import Room
from tests.conftest import require_or_skip
from tests.factories import RoomFactory, StakeholderFactory
from tests.test_celery import real_worker, wait_for  # noqa: F401 - a fixture

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def room_url(world):
    return reverse("room_detail", args=[world.room_a1.public_id])


def test_a_real_worker_stores_each_view_once(client, world, real_worker):  # noqa: F811
    client.force_login(world.buyer)
    for _ in range(3):
        assert client.get(room_url(world)).status_code == 200
    assert wait_for(lambda: Event.objects.filter(kind="room.viewed").count() == 3)
    # An event buffered twice (a drain that died before trimming) is stored once.
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
    push(payload)
    push(payload)
    assert wait_for(lambda: Event.objects.filter(kind="task.viewed").exists())
    time.sleep(1)  # the second delivery, had it inserted, would be in by now
    assert Event.objects.filter(public_id=payload["public_id"]).count() == 1
    assert wait_for(lambda: pending() == 0)
    # Beat's rollup of what arrived lately, run by the worker: one rebuild for the burst.
    rollup_recent_task.delay()
    assert wait_for(lambda: DailyActivity.objects.filter(user=world.buyer, views=4).exists())


def view_payload(room, user, **changes):
    return {
        "public_id": str(uuid.uuid4()),
        "created_at": timezone.now().isoformat(),
        "organisation_id": room.organisation_id,
        "room_id": room.pk,
        "actor_id": user.pk,
        "actor_side": "buyer",
        "stakeholder_id": None,
        "kind": "room.viewed",
        "summary": "opened the room",
        "data": {},
        **changes,
    }


def set_aside() -> tuple[list[bytes], int]:
    """What the drains set aside (the latest, as buffered) and how many they ever did."""
    r = redis_client(settings.REDIS_URL)
    return r.lrange(_key("set-aside"), 0, -1), int(r.get(_key("set-aside-count")) or 0)


@pytest.fixture
def own_buffer():
    """The buffer's keys emptied before and after (no worker drains them here)."""
    require_or_skip(bool(settings.REDIS_URL), "REDIS_URL is not set: no Redis to drain")
    r = redis_client(settings.REDIS_URL)
    names = ("events", "kick", "drain-lock", "set-aside", "set-aside-count")
    r.delete(*[_key(name) for name in names])
    yield r
    r.delete(*[_key(name) for name in names])


def test_a_stale_event_is_set_aside_and_every_other_event_is_stored(
    world,
    own_buffer,
    real_worker,  # noqa: F811 - a fixture
):
    room, bea = world.room_a1, world.buyer
    gone_stakeholder = StakeholderFactory(room=room, name="Gone", user=None)
    gone_room = RoomFactory(organisation=world.org_a, owner=world.owner)
    # Buffered while they still existed, deleted before the drain.
    of_gone_stakeholder = view_payload(room, bea, stakeholder_id=gone_stakeholder.pk)
    of_gone_room = view_payload(gone_room, bea)
    gone_stakeholder.delete()
    gone_room.delete()
    malformed = view_payload(room, bea, seconds=-5)  # the database refuses it
    good = [view_payload(room, bea) for _ in range(3)]
    own_buffer.rpush(_key("events"), "{not json")
    for payload in [good[0], of_gone_stakeholder, good[1], of_gone_room, malformed, good[2]]:
        push(payload)
    assert wait_for(lambda: pending() == 0)
    # The view of a stakeholder since removed is kept, without them (as removing them does to
    # the events stored before); the room's is set aside: the room and its events are gone.
    stored = Event.objects.filter(public_id__in=[p["public_id"] for p in good])
    assert stored.count() == 3
    assert Event.objects.get(public_id=of_gone_stakeholder["public_id"]).stakeholder is None
    kept, count = set_aside()
    assert count == len(kept) == 3
    assert b"{not json" in kept
    assert {json.loads(item)["public_id"] for item in kept if item != b"{not json"} == {
        of_gone_room["public_id"],
        malformed["public_id"],
    }
    assert not Event.objects.filter(public_id=malformed["public_id"]).exists()
    # The next drain is not stuck on them.
    later = view_payload(room, bea)
    push(later)
    assert wait_for(lambda: Event.objects.filter(public_id=later["public_id"]).exists())


def test_an_event_whose_room_goes_while_its_batch_is_stored_is_set_aside_alone(
    world, own_buffer, monkeypatch
):
    """The room is deleted between the store's look and its commit: the foreign key fails the
    batch at commit, and the store tries its halves until the one event is left."""
    require_or_skip(connection.vendor == "postgresql", "foreign keys checked at commit")
    gone_room = RoomFactory(organisation=world.org_a, owner=world.owner)
    of_gone_room = view_payload(gone_room, world.buyer)
    good = [view_payload(world.room_a1, world.buyer) for _ in range(5)]
    payloads = [*good[:2], of_gone_room, *good[2:]]
    own_buffer.rpush(_key("events"), *[json.dumps(p) for p in payloads])
    still_there = store._still_there

    def then_deleted(parsed, aside):
        kept = still_there(parsed, aside)
        Room.objects.filter(pk=gone_room.pk).delete()
        return kept

    monkeypatch.setattr(store, "_still_there", then_deleted)
    assert drain() == 6
    stored = Event.objects.filter(public_id__in=[p["public_id"] for p in good])
    assert stored.count() == 5
    kept, count = set_aside()
    assert [json.loads(item)["public_id"] for item in kept] == [of_gone_room["public_id"]]
    assert count == 1


def test_a_drain_whose_lock_expired_mid_batch_trims_nothing_it_did_not_store(
    world, own_buffer, monkeypatch
):
    """The old drain stalls past its lock; a second takes over and stores everything, more
    arrives; the old one wakes: it must not trim what arrived meanwhile."""
    r = own_buffer
    monkeypatch.setattr(buffer, "LOCK_SECONDS", 1)
    monkeypatch.setattr(buffer, "BATCH", 10)
    real_store = buffer.events_store
    stalled, go_on = threading.Event(), threading.Event()

    def slow_store(payloads):
        if threading.current_thread().name == "old-drain":
            stalled.set()
            go_on.wait(10)
        return real_store(payloads)

    monkeypatch.setattr(buffer, "events_store", slow_store)

    def buffered(n):
        payloads = [view_payload(world.room_a1, world.buyer) for _ in range(n)]
        r.rpush(_key("events"), *[json.dumps(p) for p in payloads])
        return payloads

    def old_drain():
        try:
            drain()
        finally:
            connections.close_all()

    pushed = buffered(10)
    old = threading.Thread(target=old_drain, name="old-drain")
    old.start()
    assert stalled.wait(10)
    assert wait_for(lambda: not r.exists(_key("drain-lock")), 5)  # expired mid-batch
    pushed += buffered(10)
    drain()  # takes over: stores all twenty
    pushed += buffered(5)  # arrives after it
    go_on.set()
    old.join(10)
    assert r.llen(_key("events")) == 5, "the old drain trimmed events nobody stored"
    drain()
    assert pending() == 0
    ids = [p["public_id"] for p in pushed]
    stored = Event.objects.filter(public_id__in=ids)
    assert stored.count() == stored.values("public_id").distinct().count() == 25


class PrivateRedis:
    """A Redis of the test's own, with an append-only file, so that it can be stopped and
    started again with its queue intact (the shared Redis must keep running)."""

    def __init__(self, directory):
        self.port = free_port()
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
        assert wait_for(lambda: answers(self.port, b"PING\r\n", b"+PONG"), 10)

    def stop(self):
        self.process.terminate()  # SIGTERM: Redis writes its append-only file and exits
        self.process.wait(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int, ask: bytes, expect: bytes) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(ask)
            return conn.recv(64).startswith(expect)
    except OSError:
        return False


@pytest.fixture
def outage(tmp_path):
    """A web server and a Celery worker of their own, as separate processes, on a private
    Redis and this test's database: the shared app and Redis of the suite are left alone."""
    require_or_skip(bool(shutil.which("redis-server")), "redis-server is not installed")
    require_or_skip(bool(settings.REDIS_URL), "REDIS_URL is not set: no Redis to run a worker on")
    redis = PrivateRedis(tmp_path)
    redis.start()
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        # DEBUG: static files by their plain names (a fresh clone has run no collectstatic).
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "REDIS_URL": redis.url,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PGAPPNAME": "tandem-outage-test",  # to end their sessions before the test database goes
    }
    port = free_port()

    def worker():
        return subprocess.Popen(  # noqa: S603 - our own worker
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "1",
             "--loglevel", "INFO", "--logfile", str(tmp_path / "worker.log")],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    processes = [
        subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
        worker(),
    ]  # fmt: skip
    assert wait_for(lambda: answers(port, b"GET /healthz HTTP/1.0\r\n\r\n", b"HTTP/1.1"), 30)
    try:
        yield redis, f"http://127.0.0.1:{port}", processes, worker
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        if redis.process.poll() is None:
            redis.stop()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'tandem-outage-test'"
            )


def test_redis_stopped_during_a_burst_of_views_loses_and_doubles_nothing(client, world, outage):
    require_or_skip(connection.vendor == "postgresql", "the web process needs the same database")
    redis, base, processes, new_worker = outage
    client.force_login(world.buyer)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    page = f"{base}/rooms/{world.room_a1.public_id}/"

    def views(n):
        statuses, slowest = [], 0.0
        for _ in range(n):
            request = urllib.request.Request(page, headers={"Cookie": cookie})  # noqa: S310
            started = time.monotonic()
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                statuses.append(response.status)
            slowest = max(slowest, time.monotonic() - started)
        return statuses, slowest

    first, _ = views(5)
    assert wait_for(lambda: Event.objects.filter(kind="room.viewed").count() == 5)
    redis.stop()
    during, slowest = views(5)  # no broker, no cache: written directly
    assert Event.objects.filter(kind="room.viewed").count() == 10
    assert slowest < 5, f"a view took {slowest:.1f} s with Redis down"
    redis.start()
    # kombu 5.7's worker can die on its way back to a restarted Redis (celery/celery#10205):
    # the supervisor restarts it (docker-compose: restart: unless-stopped), as here. What
    # matters is that nothing queued is lost and nothing is stored twice.
    time.sleep(2)
    if processes[1].poll() is not None:
        processes[1] = new_worker()
    after, _ = views(5)
    stored = wait_for(lambda: Event.objects.filter(kind="room.viewed").count() == 15, 30)
    assert stored, (redis.directory / "worker.log").read_text()[-3000:]
    assert first + during + after == [200] * 15
    time.sleep(1)  # a late duplicate would be in by now
    views_stored = Event.objects.filter(kind="room.viewed")
    assert views_stored.count() == views_stored.values("public_id").distinct().count() == 15
