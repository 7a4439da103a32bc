"""Small counts are never published (docs/design.md §11): the one rule behind every public or
exported figure.

A count from 1 to the threshold minus one (``ENTRAIDE_SMALL_COUNT_THRESHOLD``, 5 by
default) reads "fewer than 5", so that no household can be singled out; 0 and counts from
the threshold up are shown as they are. Staff pages show exact counts; the public pages
(``/statistiques/``, ``/besoins/``), the open data and every CSV export go through
:func:`publish` or :func:`protect`.

A total shown beside its cells would give a withheld cell away by subtraction (a total of
12 beside 7 and "fewer than 5" says 5). :func:`protect` therefore also withholds, in every
line whose total is published, one more cell when only one is withheld: that cell reads
"not shown" (it is not small, it is hidden to protect a small one). This protects each
table on its own; it does not defeat every comparison between tables or over time, which
is why the figures are monthly and by kind only (``docs/reports.md``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

Key = TypeVar("Key", bound=Hashable)

SHOWN = "shown"
FEWER = "fewer"  # a small count: from 1 to the threshold minus one
HIDDEN = "hidden"  # not small, withheld so that a small count cannot be worked out


def threshold() -> int:
    return int(settings.ENTRAIDE_SMALL_COUNT_THRESHOLD)


def is_small(count: int, limit: int | None = None) -> bool:
    return 0 < count < (limit or threshold())


@dataclass(frozen=True)
class Published:
    """A count as the public may read it: its value when shown, else why it is withheld."""

    value: int | None
    status: str
    threshold: int

    @property
    def shown(self) -> bool:
        return self.status == SHOWN

    def __str__(self) -> str:
        if self.status == SHOWN and self.value is not None:
            return number_format(self.value, force_grouping=True)
        if self.status == FEWER:
            return _("fewer than %(threshold)s") % {"threshold": self.threshold}
        return _("not shown")

    @property
    def code(self) -> str:
        """The same in a file, whatever the reader's language: ``12``, ``<5``, ``hidden``."""
        if self.status == SHOWN:
            return str(self.value)
        return f"<{self.threshold}" if self.status == FEWER else "hidden"


def publish(count: int, *, limit: int | None = None) -> Published:
    """One count on its own (no total published beside it)."""
    limit = limit or threshold()
    if is_small(count, limit):
        return Published(None, FEWER, limit)
    return Published(count, SHOWN, limit)


def protect(
    counts: Mapping[Key, int],
    *,
    lines: Iterable[tuple[Key, Sequence[Key]]] = (),
    limit: int | None = None,
) -> dict[Key, Published]:
    """Every count of a table, made publishable.

    ``lines`` says which published totals add up which cells: ``(total_key, [cell keys])``,
    each key also in ``counts``. Small counts read "fewer than N"; then, as long as a line
    has exactly one withheld member (its total counts as a member), the smallest other
    non-zero member is hidden too, a cell rather than the total when there is a choice.
    """
    limit = limit or threshold()
    withheld = {key: FEWER for key, count in counts.items() if is_small(count, limit)}
    constraints = [(total, list(members)) for total, members in lines]
    changed = True
    while changed:
        changed = False
        for total, members in constraints:
            line = [*members, total]
            if sum(key in withheld for key in line) != 1:
                continue
            candidates = [k for k in members if k not in withheld and counts[k] > 0]
            if not candidates and total not in withheld and counts[total] > 0:
                candidates = [total]
            if candidates:
                withheld[min(candidates, key=lambda k: counts[k])] = HIDDEN
                changed = True
    return {
        key: Published(None, withheld[key], limit)
        if key in withheld
        else Published(count, SHOWN, limit)
        for key, count in counts.items()
    }
