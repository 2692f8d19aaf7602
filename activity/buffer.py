"""The event buffer: a Redis list that web processes append to and one Celery task drains.

A view costs its page one RPUSH (no Celery message per view: Celery's own overhead caps a
worker at a few hundred single-event tasks a second here). ``events_drain`` takes the oldest
thousand, stores them in one statement (activity.store.events_store), and only then trims
them off the list: a drain that dies in between leaves them for the next, and storing them
again inserts nothing (each event's key and time are unique together). One drain runs at a
time (a lock in Redis), so trimming the head never removes what another drain has not stored.
Appending wakes a drain unless one was woken and has not started yet; beat drains every few
seconds whatever happened. Redis keeps the list across a restart when it persists (docker-compose
turns the append-only file on).
"""

import json
import logging
import uuid
from functools import cache

import redis
from celery import shared_task
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from activity.store import events_store

logger = logging.getLogger("tandem")

BATCH = 1000
KICK_MS = 250
LOCK_SECONDS = 60


def _key(name: str) -> str:
    # Per database: a test run, a laptop and production never drain each other's events.
    return f"tandem:{settings.DATABASES['default']['NAME']}:analytics:{name}"


@cache
def client(url: str) -> redis.Redis:
    # One quick try: a page must not wait for a Redis that is down (its caller writes the
    # event directly instead).
    return redis.Redis.from_url(
        url, socket_connect_timeout=1, socket_timeout=2, retry=Retry(NoBackoff(), 0)
    )


def push(payload: dict) -> None:
    """Append an event; wake a drain unless one was woken a moment ago. Raises when Redis is
    unreachable (the caller stores the event itself)."""
    r = client(settings.REDIS_URL)
    r.rpush(_key("events"), json.dumps(payload))
    if r.set(_key("kick"), 1, nx=True, px=KICK_MS):
        try:
            events_drain.apply_async(retry=False)
        except Exception:  # the event is safe in the list: beat's drain takes it
            logger.warning("event drain not woken: broker unavailable")


def pending() -> int:
    return int(client(settings.REDIS_URL).llen(_key("events")))


def drain() -> int:
    """Store what the list holds, oldest first, a batch at a time. Returns how many.

    A drain that finds another at work leaves: that one looks at the list again after it lets
    go of the lock, so an event appended meanwhile is never stranded until beat's next drain.
    """
    r = client(settings.REDIS_URL)
    stored = 0
    while True:
        token = uuid.uuid4().hex
        if not r.set(_key("drain-lock"), token, nx=True, ex=LOCK_SECONDS):
            return stored  # another drain is at work
        r.delete(_key("kick"))  # an append from now on wakes a drain again
        try:
            while raw := r.lrange(_key("events"), 0, BATCH - 1):
                events_store([json.loads(item) for item in raw])
                r.ltrim(_key("events"), len(raw), -1)
                r.expire(_key("drain-lock"), LOCK_SECONDS)
                stored += len(raw)
        finally:
            if r.get(_key("drain-lock")) == token.encode():
                r.delete(_key("drain-lock"))
        if not r.llen(_key("events")):
            return stored


# Named as before the log was its own app, so that beat's schedule and queued messages agree.
@shared_task(ignore_result=True, name="analytics.tasks.events_drain")
def events_drain() -> None:
    """Store the buffered events: woken by appends, and by beat."""
    drain()
