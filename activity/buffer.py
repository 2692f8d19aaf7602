"""The event buffer: a Redis list that web processes append to and one Celery task drains.

A view costs its page one RPUSH (no Celery message per view: Celery's own overhead caps a
worker at a few hundred single-event tasks a second here). ``events_drain`` takes the oldest
thousand, stores them (activity.store.events_store), and only then trims them off the list: a
drain that dies in between leaves them for the next, and storing them again inserts nothing
(each event's key and time are unique together).

An event that cannot be stored (malformed, or of a room deleted while it waited) does not hold
back the others: the store sets it aside, and the drain moves it to the
``set-aside`` list (the latest SET_ASIDE_KEPT; ``set-aside-count`` counts them all) and logs
why. In Redis rather than a table: it came from Redis, the database is what refused it, and an
operator puts it back with one RPUSH once it can be stored.

One drain runs at a time (a lock in Redis). The lock can expire under a drain that stalls (a
slow database): another drain then takes over, and the old one must not trim what it read, nor
renew a lock that is no longer its own, since the list's head may by then hold events nobody
stored. So trimming, setting aside and renewing are one Lua script that acts only while the
drain still holds its lock, and letting go of the lock another (compare and delete). A drain
that lost its lock stops; its events are stored again by the new one, which inserts nothing
twice.

Appending wakes a drain unless one was woken and has not started yet; beat drains every few
seconds whatever happened. Redis keeps the list across a restart when it persists
(docker-compose turns the append-only file on).
"""

import json
import logging
import uuid
from functools import cache

import redis
from celery import shared_task
from django.conf import settings
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.retry import Retry

from activity.store import events_store

logger = logging.getLogger("tandem")

BATCH = 1000
KICK_MS = 250
LOCK_SECONDS = 60
SET_ASIDE_KEPT = 10_000

# KEYS: the lock, the list, the set-aside list and its count. ARGV: the drain's token, how many
# to trim, the lock's seconds, how many set aside to keep, then those set aside. Returns 1 when
# done, 0 when the lock is no longer the drain's (nothing done).
BATCH_DONE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[2], ARGV[2], -1)
if #ARGV > 4 then
  redis.call('RPUSH', KEYS[3], unpack(ARGV, 5))
  redis.call('LTRIM', KEYS[3], -tonumber(ARGV[4]), -1)
  redis.call('INCRBY', KEYS[4], #ARGV - 4)
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""
# KEYS: the lock. ARGV: the drain's token.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


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
    # One round trip for both (a page's view costs its request one wait on Redis, not two).
    pipe = r.pipeline(transaction=False)
    pipe.rpush(_key("events"), json.dumps(payload))
    pipe.set(_key("kick"), 1, nx=True, px=KICK_MS)
    _, kicked = pipe.execute()
    if kicked:
        try:
            events_drain.apply_async(retry=False)
        except Exception:  # the event is safe in the list: beat's drain takes it
            logger.warning("event drain not woken: broker unavailable")


def pending() -> int:
    return int(client(settings.REDIS_URL).llen(_key("events")))


def drain() -> int:
    """Store what the list holds, oldest first, a batch at a time. Returns how many it took off
    the list (set aside included).

    A drain that finds another at work leaves: that one looks at the list again after it lets
    go of the lock, so an event appended meanwhile is never stranded until beat's next drain.
    """
    r = client(settings.REDIS_URL)
    lock = _key("drain-lock")
    taken = 0
    while True:
        token = uuid.uuid4().hex
        if not r.set(lock, token, nx=True, ex=LOCK_SECONDS):
            return taken  # another drain is at work
        r.delete(_key("kick"))  # an append from now on wakes a drain again
        try:
            while raw := r.lrange(_key("events"), 0, BATCH - 1):
                aside = _batch_store(raw)
                done = _script(r, BATCH_DONE)(
                    keys=[lock, _key("events"), _key("set-aside"), _key("set-aside-count")],
                    args=[token, len(raw), LOCK_SECONDS, SET_ASIDE_KEPT, *aside],
                )
                if not done:
                    logger.warning("event drain lost its lock mid-batch: another took over")
                    return taken
                taken += len(raw)
        finally:
            _script(r, RELEASE)(keys=[lock], args=[token])
        if not r.llen(_key("events")):
            return taken


def _batch_store(raw: list[bytes | str]) -> list[bytes | str]:
    """Store a batch; returns what is set aside (JSON, or the item that was none)."""
    payloads: list[dict] = []
    aside: list[bytes | str] = []
    for item in raw:
        try:
            payload = json.loads(item)
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            payloads.append(payload)
        else:
            logger.error("event set aside: not an event (%r)", item[:200])
            aside.append(item)
    refused = events_store(payloads)
    aside += [json.dumps(payload) for payload in refused]
    return aside


@cache
def _script(r: redis.Redis, source: str) -> Script:
    # Loaded once per client; redis-py sends it again by itself if Redis has forgotten it.
    return r.register_script(source)


# Named as before the log was its own app, so that beat's schedule and queued messages agree.
@shared_task(ignore_result=True, name="analytics.tasks.events_drain")
def events_drain() -> None:
    """Store the buffered events: woken by appends, and by beat."""
    drain()
