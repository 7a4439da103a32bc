"""API rate limits, per person and per network address, for reads and for writes.

Four budgets, each a setting (``ENTRAIDE_API_RATE_*``, "number/period"): a signed-in
person's reads and writes, and an address's reads and writes (which also covers visitors
and anyone rotating accounts). A request spends from the budgets that apply to it; the
first one empty answers 429 with ``Retry-After``. Counts live in the cache (Redis in
production), shared by every web process.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _Budgets:
    """The budgets a request spends from, read in one cache round trip and written in one.

    DRF asks each throttle in turn, and each reads then writes its own history: four
    round trips to Redis per request. The first of this request's throttles reads every
    history it will need at once; each records its result here; the last one writes them
    all. What each decides, and what the cache holds after, are DRF's.
    """

    def __init__(self, request: Request, view: Any) -> None:
        throttles = [throttle() for throttle in getattr(view, "throttle_classes", ())]
        keys = [t.get_cache_key(request, view) for t in throttles if isinstance(t, _Throttle)]
        self.keys = [key for key in keys if key is not None]
        self.histories: dict[str, list[float]] = cache.get_many(self.keys) if self.keys else {}
        self.pending: dict[int, dict[str, list[float]]] = {}

    def record(self, key: str, history: list[float], duration: int) -> None:
        self.pending.setdefault(duration, {})[key] = history

    def done(self, key: str) -> None:
        if key == self.keys[-1]:
            for duration, histories in self.pending.items():
                cache.set_many(histories, duration)
            self.pending = {}


class _Throttle(SimpleRateThrottle):
    setting = ""
    per_person = False
    writes = False

    def get_rate(self) -> str | None:
        return str(settings.ENTRAIDE_API_RATES[self.setting])

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        budgets: _Budgets | None = getattr(request, "_entraide_budgets", None)
        if budgets is None:
            budgets = _Budgets(request, view)
            request._entraide_budgets = budgets  # type: ignore[attr-defined]
        if self.key not in budgets.keys:  # a throttle the view added some other way
            return bool(super().allow_request(request, view))
        self._budgets = budgets
        self.history = list(budgets.histories.get(self.key, []))
        self.now = self.timer()
        duration, allowed = self._window()
        while self.history and self.history[-1] <= self.now - duration:
            self.history.pop()
        try:
            if len(self.history) >= allowed:
                return bool(self.throttle_failure())
            return bool(self.throttle_success())
        finally:
            budgets.done(self.key)

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
