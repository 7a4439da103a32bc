"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for each operation,
and redis-py fills a table of some 170 response callbacks in each constructor: about half
a millisecond of CPU per cache call, several per API request (the rate limits, the
unread badge). A client holds no state of its own beyond its pool, which is what
``redis-py`` shares safely between threads, so one per pool does the same work.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _SharedClients(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._clients[index] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client

    def set_many(self, data: Mapping[Any, Any], timeout: int | timedelta | None) -> None:
        """Each key set with its expiry in one command (``SET … EX``), all in one round
        trip without a transaction: Django sends ``MULTI``, ``MSET``, an ``EXPIRE`` per key
        and ``EXEC``, twice the commands to send and answers to read (every API request
        writes its rate limits this way)."""
        if timeout == 0:  # what Django's EXPIRE 0 does
            self.delete_many(list(data))
            return
        pipeline = self.get_client(None, write=True).pipeline(transaction=False)
        for key, value in data.items():
            pipeline.set(key, self._serializer.dumps(value), ex=timeout)  # type: ignore[attr-defined]
        pipeline.execute()


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClients
