"""The small-count rule: what the public may read of a count, alone or in a table."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from core.small_counts import FEWER, HIDDEN, SHOWN, protect, publish


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
@given(rows=tables, limit=st.integers(min_value=2, max_value=11))
def test_no_published_cell_is_small_and_no_line_gives_one_away(
    rows: list[list[int]], limit: int
) -> None:
    cells, lines = margins(rows)
    published = protect(cells, lines=lines, limit=limit)
    for key, cell in published.items():
        assert not (cell.shown and 0 < cell.value < limit), key  # type: ignore[operator]
        assert cell.shown or cells[key] > 0  # a zero is never withheld
    for total, members in lines:
        withheld = [k for k in [total, *members] if not published[k].shown]
        assert len(withheld) != 1, (total, members)  # one unknown would be solvable


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_every_small_count_is_withheld(count: int) -> None:
    assert publish(count).value is None
