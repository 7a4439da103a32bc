"""Keyset pagination for the staff's pages (the API has ``core.rest.pagination``).

A staff queue can hold thousands of rows in a surge. An offset page (``LIMIT 50 OFFSET
5000``) reads and throws away every row before it, a page count needs a ``COUNT(*)`` of
the whole table, and a row inserted while an agent works shifts every later page by one:
the agent sees a row twice or never. A keyset page instead starts *after the last row
seen*, by its sort keys: constant cost, and a row inserted before the cursor does not move
what follows.

What remains after a page is counted up to a bound (``LOOK_AHEAD``) with a ``LIMIT`` in a
subquery, never over the table: the page says "N more" or "more than N", and never stops
silently.

The sort keys must be non-null and end with a unique one (``id``); prefix a key with ``-``
for a descending order. The cursor is signed (``django.core.signing``): a forged one
names no page (``BadCursor``, shown as a 404), and its values never reach SQL unchecked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.http import Http404, QueryDict

# Rows a staff page shows: enough to scan, few enough to render fast on a busy server
# (bench/staff.py); "… and next" and the filters do the rest.
PAGE_SIZE = 25
LOOK_AHEAD = 1000
CURSOR_PARAMETER = "after"
_SALT = "core.keyset"

T = TypeVar("T", bound=Model)


class BadCursor(Http404):
    """A cursor that was not made by us: there is no such page."""


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    items: list[T]
    next_cursor: str | None
    more: int  # rows after this page, counted up to LOOK_AHEAD
    look_ahead: int
    first: bool  # no cursor was given
    next_query: str = ""  # the address's query for the next page, filters kept
    first_query: str = ""  # and for the first page

    @property
    def more_capped(self) -> bool:
        """More rows remain than were counted: the page says "more than N"."""
        return self.more >= self.look_ahead

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, int | float | str | bool):
        return value
    raise TypeError(f"A keyset key cannot be a {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        return date.fromisoformat(value["d"])
    return value


def make_cursor(item: Model, keys: Sequence[str]) -> str:
    values = [_encode(getattr(item, key.lstrip("-"))) for key in keys]
    return signing.dumps(values, salt=_SALT, compress=True)


def read_cursor(cursor: str, keys: Sequence[str]) -> list[Any]:
    try:
        values = signing.loads(cursor, salt=_SALT)
    except signing.BadSignature as error:
        raise BadCursor from error
    if not isinstance(values, list) or len(values) != len(keys):
        raise BadCursor
    return [_decode(value) for value in values]


def after(keys: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows that sort after ``values``: (k1 > v1) or (k1 = v1 and k2 > v2) or ..."""
    condition = Q()
    for index, key in enumerate(keys):
        name = key.lstrip("-")
        step = Q(**{f"{name}__{'lt' if key.startswith('-') else 'gt'}": values[index]})
        for earlier, value in zip(keys[:index], values[:index], strict=True):
            step &= Q(**{earlier.lstrip("-"): value})
        condition |= step
    return condition


def keyset_page(
    queryset: QuerySet[T],
    *,
    keys: Sequence[str],
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    look_ahead: int = LOOK_AHEAD,
) -> KeysetPage[T]:
    """One page of ``queryset`` sorted by ``keys``, starting after ``cursor``: two queries
    (the rows, and a count of what follows bounded by ``look_ahead``)."""
    ordered = queryset.order_by(*keys)
    if cursor:
        ordered = ordered.filter(after(keys, read_cursor(cursor, keys)))
    items = list(ordered[:size])
    if len(items) < size:
        return KeysetPage(items, None, 0, look_ahead, first=not cursor)
    next_cursor = make_cursor(items[-1], keys)
    rest = ordered.filter(after(keys, read_cursor(next_cursor, keys)))
    more = rest.order_by()[:look_ahead].count()
    return KeysetPage(items, next_cursor if more else None, more, look_ahead, first=not cursor)


def page_from_request(
    queryset: QuerySet[T],
    query: QueryDict,
    *,
    keys: Sequence[str],
    size: int = PAGE_SIZE,
    parameter: str = CURSOR_PARAMETER,
) -> KeysetPage[T]:
    """The page a staff page's address asks for; ``parameter`` names its cursor (a page
    with two lists gives each its own)."""
    page = keyset_page(queryset, keys=keys, cursor=query.get(parameter), size=size)
    kept = query.copy()
    kept.pop(parameter, None)
    first_query = kept.urlencode()
    if page.next_cursor:
        kept[parameter] = page.next_cursor
    return replace(page, next_query=kept.urlencode(), first_query=first_query)


def bounded_count(queryset: QuerySet[Any], *, limit: int = LOOK_AHEAD) -> int:
    """How many rows, counted up to ``limit`` (a queue's live count on every staff page)."""
    return queryset.order_by()[:limit].count()
