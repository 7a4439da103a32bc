"""Every published offer in memory, one snapshot per process, for one need's suggestions.

At a surge's half a million offers, narrowing a need's candidates in SQL and turning the
rows into facts is most of a suggestion's time. A snapshot holds the vectorised engine's
columns of every published offer with something left (``engine.vectorised.OfferIndex``:
110 to 135 MiB at 500,000 offers), so that ranking them all takes a few milliseconds.

A snapshot is only ever a guide. ``retrieval.ranked_offers`` reads again, from the
database, the offers it ranks first and every offer written since the snapshot was taken
(or whose matches were), and keeps the snapshot's order only where the two agree
(docs/matching.md, "Suggestions from memory").

The snapshot is built in a background thread of the process that first asks for it, and
built again, in the background too, once more than ``CHANGES_LIMIT`` offers were written
since it was taken (and it is at least ``MARGIN`` old), or once it is older than
``ENTRAIDE_MATCHING_OFFER_INDEX_SECONDS`` and any was. Until the first one is ready,
suggestions are read in SQL as before. A district or a category saved in this process
drops it at once (``clear``); saved in another, once this process reads them again
(within a minute: ``reference``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from matching.engine.facts import OfferFacts
from matching.engine.vectorised import OfferIndex

logger = logging.getLogger(__name__)

# Offers and matches written this long before a snapshot started are read from the
# database as well: a transaction that saved an offer before the snapshot's read and
# committed after it is caught, unless it lasted longer than this.
MARGIN = timedelta(minutes=5)

# Offers written since a snapshot that make it worth building another at once.
CHANGES_LIMIT = 2_000

# A build that failed is tried again this many seconds later at the earliest.
RETRY_SECONDS = 60.0

Loader = Callable[[], Iterable[OfferFacts]]


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    index: OfferIndex
    since: datetime  # offers and matches written from then on are read from the database
    taken: float  # time.monotonic() when the read started
    offers: int
    # What the offers' facts were read with (districts, categories): a snapshot read with
    # other reference data than the process has now is dropped (``current``).
    reference: Any = None


class _Holder:
    """The process's snapshot, and whether one is being built."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.building = False
        self.stale = False
        self.generation = 0  # moved on by ``clear``: a build started before is thrown away
        self.failed_at = -RETRY_SECONDS  # time.monotonic() of the last build that failed


_holder = _Holder()


def current(load: Loader, reference: Any = None) -> Snapshot | None:
    """The snapshot to rank from, or None while the first one is being built; starts a
    build in the background when there is none or it has fallen behind (``note_changes``),
    and the old one serves until the new one is ready. ``reference``: the reference data
    the facts are read with now (districts, categories, as this process has them); a
    snapshot read with others, which another process saved, is dropped at once."""
    with _holder.lock:
        snapshot = _holder.snapshot
        if snapshot is not None and snapshot.reference != reference:
            snapshot = _holder.snapshot = None
            _holder.generation += 1  # a build under way read the old ones too: thrown away
            _holder.building = False
        wanted = snapshot is None or _holder.stale
        retry = time.monotonic() - _holder.failed_at > RETRY_SECONDS
        if wanted and retry and not _holder.building:
            _holder.building, _holder.stale = True, False
            threading.Thread(
                target=_build_in_background, args=(load, reference, _holder.generation),
                name="entraide-offer-index", daemon=True,
            ).start()  # fmt: skip
    return snapshot


def ready() -> Snapshot | None:
    """The snapshot there is now, if any (built by nobody here)."""
    return _holder.snapshot


def note_changes(snapshot: Snapshot, changed: int, *, max_age: float) -> None:
    """``changed`` offers were written since ``snapshot``: every suggestion reads them
    from the database, so past ``CHANGES_LIMIT`` of them, or once the snapshot is older
    than ``max_age`` seconds with any, the next ``current`` builds another. Not before
    the snapshot is ``MARGIN`` old, though: the next one would read again every write of
    the ``MARGIN`` before it, these among them, and a burst of writes (an import, an
    appeal) would keep every process building snapshot after snapshot."""
    age = time.monotonic() - snapshot.taken
    behind = changed > CHANGES_LIMIT and age >= MARGIN.total_seconds()
    if behind or (changed and age > max_age):
        with _holder.lock:  # not for a snapshot already replaced, or being replaced
            if snapshot is _holder.snapshot and not _holder.building:
                _holder.stale = True


def build(load: Loader, reference: Any = None) -> Snapshot:
    """A snapshot of what ``load`` gives now, installed for this process (and returned)."""
    with _holder.lock:
        generation = _holder.generation
    snapshot = _read(load, reference)
    _install(snapshot, generation)
    return snapshot


def clear(**_signal: object) -> None:
    """Drop the snapshot, and any being built (districts or categories changed; tests)."""
    with _holder.lock:
        _holder.snapshot, _holder.stale = None, False
        _holder.generation += 1  # a build under way is thrown away when it ends
        _holder.building = False


def _read(load: Loader, reference: Any) -> Snapshot:
    since, started = timezone.now() - MARGIN, time.monotonic()
    offers = list(load())
    return Snapshot(OfferIndex.build(offers), since, started, len(offers), reference)


def _install(snapshot: Snapshot, generation: int) -> None:
    with _holder.lock:
        if generation == _holder.generation:
            _holder.snapshot = snapshot


def _build_in_background(load: Loader, reference: Any, generation: int) -> None:
    started = time.perf_counter()
    try:
        snapshot = _read(load, reference)
        _install(snapshot, generation)
        logger.info("Offer index: %d offers in %.1f s.", snapshot.offers,
                    time.perf_counter() - started)  # fmt: skip
    except Exception:  # the SQL path goes on serving; a request tries again later
        logger.exception("Offer index: the build failed.")
        with _holder.lock:
            _holder.failed_at = time.monotonic()
    finally:
        with _holder.lock:
            if generation == _holder.generation:  # else a newer build may be under way
                _holder.building = False
        connection.close()  # this thread's own connection
