"""The figures the city publishes: month by month and kind by kind, what was offered and
what was achieved, with the small-count rule applied once for the public page and the
open data alike (so that one never gives away what the other withholds).

A *flow* counts events in a month (offers received, needs opened, proposals, placements,
completed matches) and adds up over months and kinds: it is published as one table per
measure, months × kinds with their totals, protected by ``core.small_counts.protect``.
A *stock* (beds offered and occupied at the end of a month) does not add up: each cell
is published on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.small_counts import Published, protect, publish, threshold
from core.vocabulary import HelpKind
from matching.models import Match
from needs.models import Need
from needs.selectors import public_needs_table
from offers.models import Offer
from reports.models import BedsDay
from reports.periods import month_start, months_between
from reports.selectors import beds_now

ALL = "all"
TOTAL = "total"
KINDS = tuple(HelpKind.values)
FLOWS = ("offers_received", "needs_opened", "proposals", "placements", "completed")
STOCKS = ("beds_offered", "beds_occupied")
MEASURES = FLOWS + STOCKS
MEASURE_LABELS = {
    "offers_received": _("Offers received"),
    "needs_opened": _("Needs opened"),
    "proposals": _("Proposals made"),
    "placements": _("Placements (matches confirmed by both sides)"),
    "completed": _("Matches completed"),
    "beds_offered": _("Beds offered at the end of the month"),
    "beds_occupied": _("Beds occupied at the end of the month"),
}
CACHE_SECONDS = 300

Cell = tuple[Any, str]  # (month's first day or TOTAL, kind or ALL)


def _monthly(rows: QuerySet[Any], moment: str, kind: str) -> dict[Cell, int]:
    counted = (
        rows.annotate(month=TruncMonth(moment, output_field=DateField()))
        .values("month", kind)
        .annotate(count=Count("*"))
        .order_by()
    )
    return {(row["month"], row[kind]): row["count"] for row in counted if row["month"]}


def flow_counts(measure: str) -> dict[Cell, int]:
    """``{(month, kind): count}`` of one flow, exact. One query."""
    if measure == "offers_received":
        offers = Offer.objects.exclude(status=Offer.Status.DRAFT)
        return _monthly(offers, "created_at", "kind")
    if measure == "needs_opened":
        return _monthly(Need.objects.filter(opened_at__isnull=False), "opened_at", "kind")
    moment, condition = {
        "proposals": ("proposed_at", Q(proposed_at__isnull=False)),
        "placements": ("confirmed_at", Q(confirmed_at__isnull=False)),
        "completed": ("completed_at", Q(status=Match.Status.COMPLETED)),
    }[measure]
    return _monthly(Match.objects.filter(condition), moment, "need__kind")


def stock_counts() -> dict[str, dict[date, int]]:
    """Beds offered and occupied on the last recorded day of each month; this month's
    are today's, counted now."""
    stocks: dict[str, dict[date, int]] = {"beds_offered": {}, "beds_occupied": {}}
    for row in BedsDay.objects.order_by("day"):  # one row a day: a few hundred at most
        stocks["beds_offered"][month_start(row.day)] = row.beds_offered
        stocks["beds_occupied"][month_start(row.day)] = row.beds_occupied
    today = beds_now()
    stocks["beds_offered"][month_start(today.day)] = today.offered
    stocks["beds_occupied"][month_start(today.day)] = today.occupied
    return stocks


def protected_flow(counts: dict[Cell, int], months: list[date]) -> dict[Cell, Published]:
    """Months × kinds with their totals (by month over kinds, by kind over months, and
    the grand total), made publishable together."""
    cells: dict[Cell, int] = {}
    for month in months:
        for kind in KINDS:
            cells[(month, kind)] = counts.get((month, kind), 0)
        cells[(month, ALL)] = sum(cells[(month, kind)] for kind in KINDS)
    for kind in (*KINDS, ALL):
        cells[(TOTAL, kind)] = sum(cells[(month, kind)] for month in months)
    lines: list[tuple[Cell, list[Cell]]] = [
        ((month, ALL), [(month, kind) for kind in KINDS]) for month in months
    ]
    lines += [((TOTAL, kind), [(month, kind) for month in months]) for kind in (*KINDS, ALL)]
    lines.append(((TOTAL, ALL), [(TOTAL, kind) for kind in KINDS]))
    return protect(cells, lines=lines)


@dataclass(frozen=True)
class Statistics:
    """Everything the public may read, already protected."""

    months: list[date]  # from the first month with a record to the current one
    flows: dict[str, dict[Cell, Published]]
    stocks: dict[str, dict[date, Published]]
    threshold: int
    computed_at: Any

    @property
    def complete_months(self) -> list[date]:
        current = month_start(timezone.localdate())
        return [month for month in self.months if month < current]

    def value(self, measure: str, month: Any, kind: str) -> Published:
        if measure in self.flows:
            return self.flows[measure][(month, kind)]
        found = self.stocks[measure].get(month) if kind == HelpKind.HOUSING else None
        return found or publish(0)


def _first_month(flows: dict[str, dict[Cell, int]]) -> date:
    known = [month for counts in flows.values() for (month, _kind) in counts]
    return min(known) if known else month_start(timezone.localdate())


def compute() -> Statistics:
    flows = {measure: flow_counts(measure) for measure in FLOWS}
    today = timezone.localdate()
    months = list(months_between(_first_month(flows), today))
    stocks = stock_counts()
    return Statistics(
        months=months,
        flows={measure: protected_flow(counts, months) for measure, counts in flows.items()},
        stocks={
            measure: {month: publish(value) for month, value in values.items()}
            for measure, values in stocks.items()
        },
        threshold=threshold(),
        computed_at=timezone.now(),
    )


def published() -> Statistics:
    """The public figures, computed at most every five minutes (the page is public and
    the press may all come at once)."""
    key = f"reports:statistics:{threshold()}:{timezone.localdate().isoformat()}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def needs_now() -> dict[Any, Published]:
    """Open needs by kind and urgency with their totals: the cells of the one protected
    table that ``/besoins/`` publishes too (``needs.selectors.public_needs_table``)."""
    return public_needs_table().cells
