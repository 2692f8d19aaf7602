"""Django's Redis cache, minus the outage: with Redis down, a read misses and a write is lost.

Everything Tandem keeps in the cache can be recomputed (rendered fragments, rate-limit
counters, debounce keys), so a page served while Redis is down is slower, never a 500
(PRODUCT.md section 5). The first error of an outage is logged; the rest would only repeat it.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("tandem")
OUTAGE = (RedisConnectionError, RedisTimeoutError)


def _degrades(fallback: Callable[..., Any]) -> Callable:
    def decorate(method: Callable) -> Callable:
        @wraps(method)
        def wrapper(self: "ResilientRedisCache", *args: Any, **kwargs: Any) -> Any:
            try:
                result = method(self, *args, **kwargs)
            except OUTAGE as exc:
                if not self.in_outage:
                    logger.warning("cache unavailable, serving without it: %s", exc)
                self.in_outage = True
                return fallback(*args, **kwargs)
            self.in_outage = False
            return result

        return wrapper

    return decorate


def _default(key: str, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _nothing(*args: Any, **kwargs: Any) -> dict:
    return {}


def _get_or_set(key: str, default: Any, *args: Any, **kwargs: Any) -> Any:
    return default() if callable(default) else default


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` for every call (and redis-py fills a table of
    some two hundred response callbacks each time): over a third of a millisecond per cache
    read, four reads per room page. One client per connection pool does the same work."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own helpers, which django-stubs leave undeclared.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[id(pool)] = client
        return client


class ResilientRedisCache(RedisCache):
    in_outage = False

    def __init__(self, server: Any, params: dict) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    get = _degrades(_default)(RedisCache.get)
    get_many = _degrades(_nothing)(RedisCache.get_many)
    get_or_set = _degrades(_get_or_set)(RedisCache.get_or_set)
    has_key = _degrades(_false)(RedisCache.has_key)
    set = _degrades(_false)(RedisCache.set)
    add = _degrades(_false)(RedisCache.add)
    touch = _degrades(_false)(RedisCache.touch)
    delete = _degrades(_false)(RedisCache.delete)
    set_many = _degrades(lambda data, *a, **k: list(data))(RedisCache.set_many)
    delete_many = _degrades(_false)(RedisCache.delete_many)
