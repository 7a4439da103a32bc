"""The small-count rule: what the public may read of a count, alone or in a table."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from django.test import override_settings
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from core.small_counts import FEWER, HIDDEN, SHOWN, may_be_zero, protect, publish


def test_small_counts_adding_up_to_a_small_total_cannot_be_told_apart_from_zero() -> None:
    # Four "fewer than 5" adding up to a "fewer than 5" would be 1 each: the line is
    # withheld whole, its zero included, and each cell may be 0 to 4.
    cells, lines = margins([[1, 1, 1, 1, 0]])
    published = protect(cells, lines=lines, limit=5)
    assert all(published[(0, c)].status == FEWER for c in range(5))
    assert published[(0, "all")].status == FEWER


def test_a_count_under_the_threshold_reads_fewer_than_it() -> None:
    with translation.override("en"):
        assert str(publish(3)) == "fewer than 5"
        assert str(publish(0)) == "0"
        assert str(publish(5)) == "5"
        assert str(publish(12_345)) == "12,345"
    assert publish(3).code == "<5"
    assert publish(7).code == "7"


@override_settings(ENTRAIDE_SMALL_COUNT_THRESHOLD=10)
def test_the_threshold_is_a_setting() -> None:
    assert publish(9).status == FEWER
    assert publish(9).code == "<10"
    assert publish(10).shown


def test_a_total_cannot_give_a_small_cell_away() -> None:
    # 12 = 7 + 3 + 2: hiding 3 and 2 is enough, 7 and the total stay.
    cells = protect({"a": 7, "b": 3, "c": 2, "total": 12}, lines=[("total", ["a", "b", "c"])])
    assert [cells[k].status for k in ("a", "b", "c", "total")] == [SHOWN, FEWER, FEWER, SHOWN]
    # 12 = 9 + 3: with 3 withheld, 9 must go too (it is hidden, not small).
    cells = protect({"a": 9, "b": 3, "total": 12}, lines=[("total", ["a", "b"])])
    assert (cells["a"].status, cells["b"].status, cells["total"].status) == (HIDDEN, FEWER, SHOWN)
    with translation.override("en"):
        assert str(cells["a"]) == "not shown"


def test_when_only_the_total_is_left_it_is_hidden() -> None:
    cells = protect({"a": 3, "b": 0, "total": 3}, lines=[("total", ["a", "b"])])
    assert cells["total"].status == FEWER  # small itself
    cells = protect({"a": 6, "b": 0, "c": 2, "total": 8}, lines=[("total", ["a", "b", "c"])])
    assert cells["a"].status == HIDDEN  # the smallest non-zero other cell
    assert cells["total"].shown


tables = st.lists(
    st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=5),
    min_size=1,
    max_size=6,
).filter(lambda rows: len({len(row) for row in rows}) == 1)


def margins(rows: list[list[int]]) -> tuple[dict, list]:
    """A table with a total for each row, each column and the grand total."""
    cells = {(r, c): v for r, row in enumerate(rows) for c, v in enumerate(row)}
    width = len(rows[0])
    for r, row in enumerate(rows):
        cells[(r, "all")] = sum(row)
    for c in [*range(width), "all"]:
        cells[("all", c)] = sum(cells[(r, c)] for r in range(len(rows)))
    lines = [((r, "all"), [(r, c) for c in range(width)]) for r in range(len(rows))]
    lines += [(("all", c), [(r, c) for r in range(len(rows))]) for c in [*range(width), "all"]]
    lines.append((("all", "all"), [("all", c) for c in range(width)]))
    return cells, lines


@settings(max_examples=300, deadline=None)
@given(rows=tables, limit=st.integers(min_value=3, max_value=11))
def test_no_published_cell_is_small_and_no_line_gives_one_away(
    rows: list[list[int]], limit: int
) -> None:
    cells, lines = margins(rows)
    published = protect(cells, lines=lines, limit=limit)
    for key, cell in published.items():
        assert not (cell.shown and 0 < cell.value < limit), key  # type: ignore[operator]
        # A zero is withheld only inside a small total, where it reads "fewer than".
        in_small_total = any(
            key in members and published[total].status == FEWER for total, members in lines
        )
        assert cell.shown or cells[key] > 0 or (in_small_total and cell.status == FEWER)
    for total, members in lines:
        withheld = [k for k in [total, *members] if not published[k].shown]
        if len(withheld) == 1:  # solvable: it may only be a count that is not small
            only = withheld[0]
            assert published[only].status == HIDDEN or cells[only] == 0, (total, members)


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_every_small_count_is_withheld(count: int) -> None:
    assert publish(count).value is None


def test_what_a_reader_knows_of_withheld_cells_cannot_pin_one_down() -> None:
    # "fewer than 5" is 1 to 4 and "not shown" 5 or more: 1 + 5 = 6 would leave no doubt.
    # Hiding b beside a is not enough (a + b = 26 − 20 = 6 leaves only 1 + 5): c goes too.
    cells = protect({"a": 1, "b": 5, "c": 20, "total": 26}, lines=[("total", ["a", "b", "c"])])
    statuses = {key: cell.status for key, cell in cells.items()}
    assert statuses == {"a": FEWER, "b": HIDDEN, "c": HIDDEN, "total": SHOWN}


def test_totals_read_together_cannot_give_a_cell_away() -> None:
    # The reviewer's case: housing 1 | 0 | 3, skill 15 | 15 | 9; the grand total (43) and
    # the critical column's total (16) are published: 43 − 16 − 15 − 9 = 3 normal housing.
    counts = {("h", "c"): 1, ("h", "h"): 0, ("h", "n"): 3,
              ("s", "c"): 15, ("s", "h"): 15, ("s", "n"): 9}  # fmt: skip
    cells = {**counts, "all": 43, "critical": 16}
    lines = [("all", list(counts)), ("critical", [("h", "c"), ("s", "c")])]
    published = protect(cells, lines=lines)
    assert published[("h", "n")].status == FEWER
    known = {k: v for k, v in cells.items() if published[k].shown}
    # Every way of filling the withheld cells that fits what is published, by brute force:
    # the small normal housing count takes more than one value.
    hidden = [k for k in cells if not published[k].shown]
    options = set()
    for values in _assignments(hidden, published, limit=5, top=43, lines=lines):
        filled = {**known, **dict(zip(hidden, values, strict=True))}
        if all(filled[t] == sum(filled[m] for m in members) for t, members in lines):
            options.add(filled[("h", "n")])
    assert len(options) > 1


def _assignments(
    keys: list, published: dict, *, limit: int, top: int, lines: list = ()
) -> itertools.product:
    """Every filling a reader must consider."""
    return itertools.product(*_ranges(keys, published, limit=limit, top=top, lines=lines))


def _ranges(keys: list, published: dict, *, limit: int, top: int, lines: list) -> list[range]:
    """What a reader knows of each withheld count: a "fewer than" is 1 to limit − 1 (from
    0 in a line whose total reads "fewer than"), a "not shown" from limit up."""
    statuses = {key: value.status for key, value in published.items()}
    zero_able = may_be_zero({k: s for k, s in statuses.items() if s != "shown"}, lines)
    return [
        range(0 if key in zero_able else 1, limit)
        if published[key].status == FEWER
        else range(limit, top + 1)
        for key in keys
    ]


@settings(max_examples=60, deadline=None)
@given(rows=tables.filter(lambda rows: len(rows) * len(rows[0]) <= 4), limit=st.integers(3, 5))
def test_no_withheld_cell_of_a_small_table_takes_a_single_value(
    rows: list[list[int]], limit: int
) -> None:
    """By brute force over every filling of the withheld cells consistent with what is
    published (an oracle independent of the linear programming the rule uses)."""
    rows = [[min(value, 9) for value in row] for row in rows]
    cells, lines = margins(rows)
    published = protect(cells, lines=lines, limit=limit)
    hidden = [k for k in cells if not published[k].shown]
    known = {k: v for k, v in cells.items() if published[k].shown}
    top = max(cells.values()) + limit  # a reader knows no upper bound: leave room
    ranges = _ranges(hidden, published, limit=limit, top=top, lines=lines)
    if math.prod(len(values) for values in ranges) > 200_000:
        return  # too many fillings to enumerate; the cases above cover it
    seen: dict[Any, set[int]] = {key: set() for key in hidden}
    for values in itertools.product(*ranges):
        filled = {**known, **dict(zip(hidden, values, strict=True))}
        if all(filled[t] == sum(filled[m] for m in members) for t, members in lines):
            for key in hidden:
                seen[key].add(filled[key])
    for key in hidden:
        if published[key].status == FEWER:  # a small count, never pinned to one value
            assert len(seen[key]) > 1, (key, rows, limit)
