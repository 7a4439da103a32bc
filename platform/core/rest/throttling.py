"""API rate limits, per person and per network address, for reads and for writes.

Four budgets, each a setting (``ENTRAIDE_API_RATE_*``, "number/period"): a signed-in
person's reads and writes, and an address's reads and writes (which also covers visitors
and anyone rotating accounts). A request spends from the budgets that apply to it; the
first one empty answers 429 with ``Retry-After``. Counts live in the cache (Redis in
production), shared by every web process.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from core.cache import Budget, Spent

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _Budgets:
    """The budgets a request spends from, in one round trip to the cache.

    DRF asks each throttle in turn, and each reads then writes its own history: four
    round trips to Redis per request. The first of this request's throttles spends from
    every budget the request will use at once: on Redis, in one atomic script
    (``core.cache.RedisCache.spend``); on another cache, by reading every history at once
    and writing them back at once after the last throttle. What each throttle decides is
    DRF's sliding window either way.
    """

    def __init__(self, request: Request, view: Any) -> None:
        throttles = [throttle() for throttle in getattr(view, "throttle_classes", ())]
        mine = [t for t in throttles if isinstance(t, _Throttle) and t.rate is not None]
        # Each budget's key, worked out once for the request (``allow_request`` reads it).
        self.key_of: dict[type, str | None] = {
            type(t): t.get_cache_key(request, view) for t in mine
        }
        windows = {key: t._window() for t in mine if (key := self.key_of[type(t)]) is not None}
        self.keys: list[str] = list(windows)
        self.now = time.time()  # DRF's timer
        self.spent: dict[str, Spent] = {}
        self.histories: dict[str, list[float]] = {}
        spend = getattr(cache, "spend", None)
        if spend is not None and self.keys:
            budgets = [Budget(key, allowed, seconds) for key, (seconds, allowed) in windows.items()]
            self.spent = dict(zip(self.keys, spend(budgets, self.now), strict=True))
        elif self.keys:
            self.histories = cache.get_many(self.keys)
        self.pending: dict[int, dict[str, list[float]]] = {}

    def record(self, key: str, history: list[float], duration: int) -> None:
        self.pending.setdefault(duration, {})[key] = history

    def done(self, key: str) -> None:
        if key == self.keys[-1]:
            for duration, histories in self.pending.items():
                cache.set_many(histories, duration)
            self.pending = {}


def spent(key: str) -> int:
    """Requests one budget holds now (``api-throttle:<setting>:<who>``)."""
    counted = getattr(cache, "spent", None)
    return int(counted(key)) if counted is not None else len(cache.get(key) or [])


class _Throttle(SimpleRateThrottle):
    setting = ""
    per_person = False
    writes = False

    def get_rate(self) -> str | None:
        return str(settings.ENTRAIDE_API_RATES[self.setting])

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        budgets: _Budgets | None = getattr(request, "_entraide_budgets", None)
        if budgets is None:
            budgets = _Budgets(request, view)
            request._entraide_budgets = budgets  # type: ignore[attr-defined]
        if type(self) in budgets.key_of:
            self.key = budgets.key_of[type(self)]
        else:
            self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        if self.key not in budgets.keys:  # a throttle the view added some other way
            return bool(super().allow_request(request, view))
        self._budgets = budgets
        self.now = budgets.now
        if self.key in budgets.spent:  # spent already, in one script for every budget
            self._spent = budgets.spent[self.key]
            return self._spent.allowed
        self.history = list(budgets.histories.get(self.key, []))
        duration, allowed = self._window()
        while self.history and self.history[-1] <= self.now - duration:
            self.history.pop()
        try:
            if len(self.history) >= allowed:
                return bool(self.throttle_failure())
            return bool(self.throttle_success())
        finally:
            budgets.done(self.key)

    def wait(self) -> float | None:
        """Seconds until a request fits again (DRF's estimate, from the window's count
        and its oldest request when the script spent the budget)."""
        found: Spent | None = getattr(self, "_spent", None)
        if found is None:
            return super().wait()
        duration, allowed = self._window()
        available = allowed - found.count + 1
        if available <= 0:
            return None
        return (duration - (self.now - found.oldest)) / available

    def _window(self) -> tuple[int, int]:
        """The period (seconds) and the number of requests it allows, as DRF parsed them."""
        return int(self.duration), int(self.num_requests)  # type: ignore[attr-defined]

    def throttle_success(self) -> bool:
        budgets: _Budgets | None = getattr(self, "_budgets", None)
        if budgets is None:
            return bool(super().throttle_success())
        self.history.insert(0, self.now)
        budgets.record(str(self.key), self.history, self._window()[0])
        return True

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if (request.method in SAFE_METHODS) == self.writes:
            return None
        if self.per_person:
            if not request.user or not request.user.is_authenticated:
                return None
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"api-throttle:{self.setting}:{ident}"


class PersonReadThrottle(_Throttle):
    setting, per_person, writes = "person_read", True, False


class PersonWriteThrottle(_Throttle):
    setting, per_person, writes = "person_write", True, True


class AddressReadThrottle(_Throttle):
    setting, per_person, writes = "address_read", False, False


class AddressWriteThrottle(_Throttle):
    setting, per_person, writes = "address_write", False, True


THROTTLES = [
    "core.rest.throttling.PersonReadThrottle",
    "core.rest.throttling.PersonWriteThrottle",
    "core.rest.throttling.AddressReadThrottle",
    "core.rest.throttling.AddressWriteThrottle",
]
