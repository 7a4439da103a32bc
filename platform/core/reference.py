"""Districts and categories by id, cached per process: the API resolves them on every write.

Reference data is small and changes a few times a year (coordinators edit it in the admin),
while a surge of offers names a district and a category in each request. Reading them from
a dictionary instead of the database saves two queries per creation. An entry lives a
minute at most, and a save or a delete in this process drops the cache at once (the
signals are connected in ``core.apps``): another process sees an edit within a minute. A
category switched off in that minute may still be named by a new offer, which staff
review anyway; a district cannot be deleted while offers name it (``PROTECT``).
"""

from __future__ import annotations

import time
from typing import Any

from core.models import Category, Sector

CACHE_SECONDS = 60.0
_loaded: dict[str, tuple[float, dict[int, Any]]] = {}


def _by_id(name: str, load: Any) -> dict[int, Any]:
    now = time.monotonic()
    hit = _loaded.get(name)
    if hit is None or now - hit[0] > CACHE_SECONDS:
        hit = _loaded[name] = (now, {row.pk: row for row in load()})
    return hit[1]


def sector(pk: int) -> Sector | None:
    found: Sector | None = _by_id("sectors", Sector.objects.all).get(pk)
    return found


def active_category(pk: int) -> Category | None:
    found: Category | None = _by_id("categories", Category.objects.active).get(pk)
    return found


def clear(**_signal: Any) -> None:
    """After a district or a category changes (a signal receiver, and between tests)."""
    _loaded.clear()
