"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for each operation,
and redis-py fills a table of some 170 response callbacks in each constructor: about half
a millisecond of CPU per cache call, several per API request (the rate limits, the
unread badge). A client holds no state of its own beyond its pool, which is what
``redis-py`` shares safely between threads, so one per pool does the same work.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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

    def spend(self, budgets: Sequence[Budget], now: float) -> list[Spent]:
        """Spend one request from each of these sliding-window budgets (a sorted set of
        request times per key) in one atomic round trip: two requests at once cannot
        both take the last place, as they could with a read then a write."""
        client = self._cache.get_client(None, write=True)
        script = self._spend_script
        if script is None:
            script = self._spend_script = client.register_script(_SPEND)
        keys = [self.make_and_validate_key(budget.key) for budget in budgets]
        arguments: list[Any] = [now, secrets.token_hex(6)]
        for budget in budgets:
            arguments += [budget.allowed, budget.seconds]
        answers = script(keys=keys, args=arguments, client=client)
        return [
            Spent(allowed=bool(int(allowed)), count=int(count), oldest=float(oldest))
            for allowed, count, oldest in answers
        ]

    def spent(self, key: str) -> int:
        """Requests counted in one budget now (``core.rest.throttling.spent``)."""
        client = self._cache.get_client(None)
        return int(client.zcard(self.make_and_validate_key(key)))

    _spend_script: Any = None


@dataclass(frozen=True)
class Budget:
    """A rate limit's window for one key: ``allowed`` requests in ``seconds``."""

    key: str
    allowed: int
    seconds: int


@dataclass(frozen=True)
class Spent:
    """What spending from a budget found: whether the request fits, how many requests
    the window holds (this one included when it fits), and the time of the oldest."""

    allowed: bool
    count: int
    oldest: float


# Per key: drop the times out of the window (as DRF drops them from its history: at or
# before now - seconds), then count; below the limit, add this request's time. Answers
# {fits, count, oldest time} per key. Scores are seconds (floats, as DRF's timer gives);
# members are the request's random token and the key's place, unique per request.
_SPEND = """
local now = tonumber(ARGV[1])
local answers = {}
for i, key in ipairs(KEYS) do
  local allowed = tonumber(ARGV[1 + 2 * i])
  local seconds = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - seconds)
  local count = redis.call('ZCARD', key)
  local fits = 0
  if count < allowed then
    redis.call('ZADD', key, ARGV[1], ARGV[2] .. ':' .. i)
    redis.call('EXPIRE', key, seconds)
    count = count + 1
    fits = 1
  end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  answers[i] = {fits, count, oldest[2] or ARGV[1]}
end
return answers
"""
