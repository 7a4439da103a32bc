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
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _Throttle(SimpleRateThrottle):
    setting = ""
    per_person = False
    writes = False

    def get_rate(self) -> str | None:
        return str(settings.ENTRAIDE_API_RATES[self.setting])

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
