"""The unread badge of the header, kept in the cache instead of a ``COUNT(*)`` per page.

Every page shows a signed-in person's number of unread in-app messages. Counting them on
each page costs a query over the notifications table; the count only changes when a
message is created or read, so it is cached and each of those writes marks it stale.

Staleness is tracked by a *version* per person rather than by deleting the count, because
a delete races with a reader: a page that counted just before a new message committed
would store its old count after the writer deleted it, and keep it until the next change.
Here a reader takes the version first, counts, and stores the count with that version; a
writer sets a new version inside its transaction and again once it commits. A count is
served only while its version is the current one, so a count taken before a commit can
never outlive it. The version and the count come back in one cache round trip.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

# How long a count may sit unread in the cache; the version lives longer so that a count
# is normally dropped by a write, not by age. Neither matters for correctness: a missing
# version is replaced by a new one, which no stored count carries.
COUNT_TIMEOUT = 60 * 60
VERSION_TIMEOUT = 7 * 24 * 60 * 60


def _version_key(user_id: int) -> str:
    return f"notifications:unread:version:{user_id}"


def _count_key(user_id: int) -> str:
    return f"notifications:unread:count:{user_id}"


def _new_version() -> str:
    return secrets.token_hex(8)


def cached_count(user_id: int, count: Callable[[], int]) -> int:
    """The person's unread count from the cache, or ``count()`` stored under the version
    read before it ran."""
    version_key, count_key = _version_key(user_id), _count_key(user_id)
    found = cache.get_many([version_key, count_key])
    version = found.get(version_key)
    stored = found.get(count_key)
    if version is not None and isinstance(stored, tuple) and stored[0] == version:
        return int(stored[1])
    if version is None:
        version = _new_version()
        if not cache.add(version_key, version, VERSION_TIMEOUT):
            version = cache.get(version_key) or version
    value = count()
    cache.set(count_key, (version, value), COUNT_TIMEOUT)
    return value


def _bump(user_ids: list[int]) -> None:
    cache.set_many({_version_key(pk): _new_version() for pk in user_ids}, VERSION_TIMEOUT)


def unread_changed(user_ids: Iterable[int | None]) -> None:
    """Mark these people's counts stale: now (for reads in this transaction) and once the
    transaction commits (for counts other requests took before the commit)."""
    ids = sorted({pk for pk in user_ids if pk is not None})
    if not ids:
        return
    _bump(ids)
    transaction.on_commit(lambda: _bump(ids))
