"""Tables of figures: what a page shows beside a chart, and what a CSV export contains.

A page for staff shows exact counts; an export goes through ``core.small_counts`` first
(``Table.for_export``): counts under the threshold read "<5", a total cannot give them
away, and a median or a rate computed from a small group is withheld with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.small_counts import protect


@dataclass
class Table:
    slug: str  # the export's file name, and the table's id on the page
    caption: str
    header: list[str]
    rows: list[list[Any]]  # the first cell of each row is its label
    counts: set[int] = field(default_factory=set)  # columns holding counts
    # A column holding a figure computed from the count in another column of its row (a
    # median of that many waits): withheld when that count is. Rates between rows are not
    # exported: a rate beside a shown count would give the withheld one away.
    derived: dict[int, int] = field(default_factory=dict)
    total_column: int | None = None  # that column is the sum of the other count columns
    total_row: bool = False  # the last row is the sum of the rows above

    def _lines(self) -> list[tuple[Any, Sequence[Any]]]:
        lines: list[tuple[Any, Sequence[Any]]] = []
        body = range(len(self.rows) - 1) if self.total_row else range(len(self.rows))
        parts = sorted(self.counts - {self.total_column} if self.total_column else self.counts)
        if self.total_column is not None:
            rows = range(len(self.rows))
            lines += [((r, self.total_column), [(r, c) for c in parts]) for r in rows]
        if self.total_row:
            last = len(self.rows) - 1
            lines += [((last, c), [(r, c) for r in body]) for c in sorted(self.counts)]
        return lines

    def for_export(self) -> list[list[Any]]:
        """The rows with every count made publishable (``Published.code``: "12", "<5",
        "hidden") and the figures that depend on a withheld count left empty."""
        cells = {
            (r, c): int(row[c] or 0)
            for r, row in enumerate(self.rows)
            for c in self.counts
        }  # fmt: skip
        published = protect(cells, lines=self._lines())
        rows = []
        for r, row in enumerate(self.rows):
            out = list(row)
            for c in self.counts:
                out[c] = published[(r, c)].code
            for c, source in self.derived.items():
                if not published[(r, source)].shown:
                    out[c] = ""
            rows.append(out)
        return rows
