"""Small counts are never published (docs/design.md §11): the one rule behind every public or
exported figure.

A count from 1 to the threshold minus one (``ENTRAIDE_SMALL_COUNT_THRESHOLD``, 5 by
default) reads "fewer than 5", so that no household can be singled out; 0 and counts from
the threshold up are shown as they are. Staff pages show exact counts; the public pages
(``/statistiques/``, ``/besoins/``), the open data and every CSV export go through
:func:`publish` or :func:`protect`.

A total shown beside its cells would give a withheld cell away by subtraction (a total of
12 beside 7 and "fewer than 5" says 5), and so would several totals read together (a
table's grand total, its critical column and the other cells of a row), or what a reader
knows of withheld cells (a "fewer than 5" is 1 to 4, a "not shown" is 5 or more: two of
them adding up to 6 are 1 and 5). :func:`protect` therefore treats the published totals
as equations and the withheld cells as unknowns within those bounds, and computes, by
linear programming, the smallest and largest value each withheld cell can take: while one
can take a single whole value, one more cell of a line that holds it is hidden ("not
shown": not small, withheld to protect a small one). Pages that publish figures of the
same data must take them from one call (``needs.selectors.public_needs_table``), or the
two tables read together would be equations :func:`protect` never saw. Comparisons over
time are not defeated, which is why the figures are monthly and by kind only
(``docs/reports.md``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from scipy.optimize import linprog

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
    each key also in ``counts``. Small counts read "fewer than N"; then, while a withheld
    count can be worked out from what is published (:func:`exposed`), the smallest other
    non-zero member of one of its lines is hidden too, a cell rather than a total when
    there is a choice.
    """
    limit = limit or threshold()
    withheld = {key: FEWER for key, count in counts.items() if is_small(count, limit)}
    constraints = [(total, list(members)) for total, members in lines]
    _small_lines_whole(withheld, constraints)
    while (found := exposed(counts, withheld, constraints, limit)) is not None:
        hidden = _second_to_hide(found, counts, withheld, constraints)
        if hidden is None:  # every non-zero count is withheld already
            break
        withheld[hidden] = HIDDEN
    return {
        key: Published(None, withheld[key], limit)
        if key in withheld
        else Published(count, SHOWN, limit)
        for key, count in counts.items()
    }


def _small_lines_whole(
    withheld: dict[Key, str], lines: Sequence[tuple[Key, Sequence[Key]]]
) -> None:
    """A line whose total is small is withheld whole, its zeros included: small counts
    (1 or more each) adding up to a small total could otherwise be worked out (four
    "fewer than 5" adding up to a "fewer than 5" are 1 each)."""
    grown = True
    while grown:
        grown = False
        for total, members in lines:
            if withheld.get(total) == FEWER:
                for member in members:
                    if member not in withheld:
                        withheld[member] = FEWER
                        grown = True


def may_be_zero(withheld: Mapping[Key, str], lines: Sequence[tuple[Key, Sequence[Key]]]) -> set:
    """The withheld counts a reader cannot tell from 0: the members of a small total."""
    return {m for total, members in lines if withheld.get(total) == FEWER for m in members}


def exposed(
    counts: Mapping[Key, int],
    withheld: Mapping[Key, str],
    lines: Sequence[tuple[Key, Sequence[Key]]],
    limit: int,
) -> Key | None:
    """A withheld key whose value the published figures leave no doubt about, or None.

    The unknowns are the withheld counts, between 1 (0 for a member of a small total) and
    ``limit`` − 1 for a small one and from ``limit`` up for a hidden one; each line whose
    members or total are withheld is an equation. A small count is exposed when its
    smallest and largest possible values (by linear programming) leave a single whole
    number.
    """
    unknowns = [key for key in counts if key in withheld]
    if not unknowns:
        return None
    column = {key: index for index, key in enumerate(unknowns)}
    rows, values = [], []
    for total, members in lines:
        row, value = np.zeros(len(unknowns)), 0.0
        for key, sign in [*((member, 1) for member in members), (total, -1)]:
            if key in column:
                row[column[key]] += sign
            else:
                value -= sign * counts[key]
        if row.any():
            rows.append(row)
            values.append(value)
    zero_able = may_be_zero(withheld, lines)
    bounds = [
        (0 if key in zero_able else 1, limit - 1) if withheld[key] == FEWER else (limit, None)
        for key in unknowns
    ]
    equations = (np.array(rows), np.array(values)) if rows else (None, None)
    for index, key in enumerate(unknowns):
        if withheld[key] != FEWER or counts[key] == 0:
            continue  # a hidden count is not small, nor a zero: only what they give away
        low = _extreme(index, len(unknowns), equations, bounds, sign=1)
        high = _extreme(index, len(unknowns), equations, bounds, sign=-1)
        if low is None or high is None:
            continue  # cannot happen: a small count lies between 1 and limit - 1
        if math.floor(high + 1e-6) - math.ceil(low - 1e-6) < 1:
            return key
    return None


def _extreme(index: int, size: int, equations: tuple, bounds: list, *, sign: int) -> float | None:
    """The smallest (``sign`` 1) or largest (−1) value unknown ``index`` can take; None
    when it has no upper bound."""
    objective = np.zeros(size)
    objective[index] = sign
    result = linprog(objective, A_eq=equations[0], b_eq=equations[1], bounds=bounds,
                     method="highs")  # fmt: skip
    if result.status == 3:  # unbounded: no largest value
        return None
    if result.status != 0:  # infeasible cannot happen for true counts; be safe
        return float(bounds[index][0]) if sign == 1 else None
    return float(result.x[index])


def _second_to_hide(
    key: Key,
    counts: Mapping[Key, int],
    withheld: Mapping[Key, str],
    lines: Sequence[tuple[Key, Sequence[Key]]],
) -> Key | None:
    """What to hide so that ``key`` can no longer be worked out: in the line through it
    with the fewest withheld members, its smallest published non-zero cell (its total
    only when no cell is left); when every line through it is withheld already, the same
    in another line that holds a withheld count (that is where the figures that give it
    away are)."""

    def ranked(chosen: Iterable[tuple[Key, Sequence[Key]]]) -> list[tuple[Key, Sequence[Key]]]:
        return sorted(chosen, key=lambda line: sum(m in withheld for m in (line[0], *line[1])))

    through = ranked(line for line in lines if key == line[0] or key in line[1])
    around = ranked(line for line in lines if any(m in withheld for m in (line[0], *line[1])))
    for total, members in [*through, *around]:
        cells = [k for k in members if k not in withheld and counts[k] > 0]
        if not cells and total not in withheld and counts[total] > 0:
            cells = [total]
        if cells:
            return min(cells, key=lambda k: counts[k])
    return None
