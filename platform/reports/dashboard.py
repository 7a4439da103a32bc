"""The staff dashboard: figures (``reports.selectors``) laid out as tables and charts.

The page and its CSV exports are built from the same tables, so that they always agree;
the exports go through the small-count rule (``reports.tables.Table.for_export``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.vocabulary import HelpKind
from needs.models import Need
from offers.models import Offer
from reports import selectors
from reports.charts import Bar, Chart, Series, bar_chart, line_chart, percent
from reports.periods import Period
from reports.tables import Table

STAGE_LABELS = {
    "suggested": gettext_lazy("Suggested"),
    "proposed": gettext_lazy("Proposed to both sides"),
    "accepted": gettext_lazy("Accepted by one side"),
    "confirmed": gettext_lazy("Confirmed by both"),
    "completed": gettext_lazy("Completed"),
    "declined": gettext_lazy("Declined"),
    "expired": gettext_lazy("Expired without an answer"),
    "cancelled": gettext_lazy("Cancelled by staff"),
    "broken_down": gettext_lazy("Broke down"),
}
URGENCY_LABELS = {
    "critical": gettext_lazy("Critical"),
    "high": gettext_lazy("High"),
    "normal": gettext_lazy("Normal"),
    "": gettext_lazy("Every urgency"),
}
SECTIONS = ("states", "urgent", "funnel", "placement", "beds", "districts")
# Each exported table and the section it belongs to.
TABLES = {
    "offers-by-state": "states",
    "needs-by-state": "states",
    "urgent-needs": "urgent",
    "funnel": "funnel",
    "time-to-placement": "placement",
    "beds": "beds",
    "districts": "districts",
}


def duration_text(value: timedelta | None) -> str:
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 48:
        count = max(round(hours), 0)
        return ngettext("%(count)s hour", "%(count)s hours", count) % {"count": count}
    days = round(hours / 24)
    return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}


def hours(value: timedelta | None) -> float | str:
    return "" if value is None else round(value.total_seconds() / 3600, 1)


def kind_label(kind: str) -> str:
    return str(HelpKind(kind).label)


@dataclass
class Section:
    slug: str
    title: str
    tables: list[Table]
    charts: list[Chart]


def _state_table(
    slug: str, caption: str, model: Any, counts: dict, kinds: tuple[str, ...]
) -> Table:
    statuses = model.Status.choices
    rows: list[list[Any]] = []
    for status, label in statuses:
        cells = [counts.get((kind, status), 0) for kind in kinds]
        rows.append([str(label), *cells, sum(cells)])
    totals = [sum(row[i + 1] for row in rows) for i in range(len(kinds) + 1)]
    rows.append([_("All states"), *totals])
    columns = set(range(1, len(kinds) + 2))
    return Table(
        slug=slug,
        caption=caption,
        header=[_("State"), *[kind_label(k) for k in kinds], _("All kinds")],
        rows=rows,
        counts=columns,
        total_column=len(kinds) + 1,
        total_row=True,
    )


def _states(period: Period, kind: str) -> Section:
    kinds = (kind,) if kind else selectors.KINDS
    offers = _state_table(
        "offers-by-state",
        _("Offers created in the period, by their state today"),
        Offer,
        selectors.state_counts(Offer, period, kind),
        kinds,
    )
    needs = _state_table(
        "needs-by-state",
        _("Needs created in the period, by their state today"),
        Need,
        selectors.state_counts(Need, period, kind),
        kinds,
    )
    charts = [
        bar_chart(
            "chart-offers-states",
            _("Offers by state"),
            _("One bar per state, for the offers created in the period."),
            [Bar(row[0], row[-1]) for row in offers.rows[:-1] if row[-1]],
        ),
        bar_chart(
            "chart-needs-states",
            _("Needs by state"),
            _("One bar per state, for the needs created in the period."),
            [Bar(row[0], row[-1], "chart__bar--needs") for row in needs.rows[:-1] if row[-1]],
        ),
    ]
    return Section("states", _("Offers and needs by kind and state"), [offers, needs], charts)


def _urgent(kind: str) -> Section:
    rows = [
        [
            str(URGENCY_LABELS[waiting.urgency]),
            waiting.count,
            waiting.late,
            duration_text(waiting.median),
            duration_text(waiting.longest),
        ]
        for waiting in selectors.urgent_waiting(kind)
    ]
    table = Table(
        slug="urgent-needs",
        caption=_(
            "Urgent needs open now, how long they have waited since they opened, and how "
            "many are late (critical: over 48 hours; high: over 7 days)"
        ),
        header=[
            _("Urgency"),
            _("Open"),
            _("Late"),
            _("Median wait"),
            _("Longest wait"),
        ],
        rows=rows,
        counts={1, 2},
        derived={3: 1, 4: 1},
    )
    return Section("urgent", _("Urgent needs waiting"), [table], [])


def _funnel(period: Period, kind: str) -> Section:
    stages, endings = selectors.funnel(selectors.funnel_counts(period, kind))
    rows = [
        [str(STAGE_LABELS[s.code]), s.count, percent(s.rate), str(STAGE_LABELS.get(s.of, ""))]
        for s in (*stages, *endings)
    ]
    table = Table(
        slug="funnel",
        caption=_("Matches created in the period: how far they went, and how the others ended"),
        header=[_("Stage"), _("Matches"), _("Rate"), _("Rate of")],
        rows=rows,
        counts={1},
    )
    chart = bar_chart(
        "chart-funnel",
        _("From suggestion to completion"),
        _("One bar per stage, then one per way a match ended, with its rate."),
        [Bar(str(STAGE_LABELS[s.code]), s.count, note=percent(s.rate)) for s in stages]
        + [
            Bar(str(STAGE_LABELS[s.code]), s.count, "chart__bar--ending", percent(s.rate))
            for s in endings
        ],
    )
    return Section("funnel", _("From suggestion to completion"), [table], [chart])


def _placement(period: Period, kind: str) -> Section:
    placements = selectors.time_to_placement(period, kind)
    rows = [
        [
            f"{kind_label(p.kind)} — {URGENCY_LABELS[p.urgency]}",
            p.count,
            duration_text(p.median),
            duration_text(p.p90),
            hours(p.median),
            hours(p.p90),
        ]
        for p in placements
    ]
    table = Table(
        slug="time-to-placement",
        caption=_(
            "From a need's opening to its first confirmed match, for needs placed in the period"
        ),
        header=[
            _("Kind and urgency"),
            _("Needs placed"),
            _("Median"),
            _("90% placed within"),
            _("Median (hours)"),
            _("90th percentile (hours)"),
        ],
        rows=rows,
        counts={1},
        derived={2: 1, 3: 1, 4: 1, 5: 1},
    )
    chart = bar_chart(
        "chart-placement",
        _("Median time to a first confirmed match"),
        _("One bar per kind of help, in hours; the table gives the 90th percentile too."),
        [
            Bar(kind_label(p.kind), round(p.median.total_seconds() / 3600), f"chart__bar--{p.kind}",
                _("hours"))
            for p in placements
            if not p.urgency and p.median is not None
        ],
    )  # fmt: skip
    return Section("placement", _("Time to placement"), [table], [chart])


def _beds(period: Period) -> Section:
    today = selectors.beds_now()
    series = selectors.beds_series(period, today)
    table = Table(
        slug="beds",
        caption=_("Beds in published housing offers, and people housed by confirmed matches"),
        header=[_("Day"), _("Beds offered"), _("Beds occupied"), _("Beds free")],
        rows=[
            [point.day.isoformat(), point.offered, point.occupied, point.free] for point in series
        ],
        counts={1, 2, 3},
    )
    chart = line_chart(
        "chart-beds",
        _("Beds over time"),
        _("Three lines: beds offered, beds occupied and beds free, day by day."),
        [point.day for point in series],
        [
            Series(_("Beds offered"), [p.offered for p in series], "chart__line--offered"),
            Series(_("Beds occupied"), [p.occupied for p in series], "chart__line--occupied"),
            Series(_("Beds free"), [p.free for p in series], "chart__line--free"),
        ],
    )
    return Section("beds", _("Beds offered, occupied and free"), [table], [chart])


def _districts(kind: str) -> Section:
    kinds = (kind,) if kind else selectors.KINDS
    districts = selectors.by_district(kind)
    rows = [
        [
            row.name or _("Anywhere in the city"),
            *[row.offers.get(k, 0) for k in kinds],
            *[row.needs.get(k, 0) for k in kinds],
        ]
        for row in districts
    ]
    table = Table(
        slug="districts",
        caption=_(
            "Published offers by district, and open needs by preferred district "
            "(a need naming several districts counts in each)"
        ),
        header=[
            _("District"),
            *[_("Offers: %(kind)s") % {"kind": kind_label(k)} for k in kinds],
            *[_("Needs: %(kind)s") % {"kind": kind_label(k)} for k in kinds],
        ],
        rows=rows,
        counts=set(range(1, 2 * len(kinds) + 1)),
    )
    charts = [
        bar_chart(
            "chart-district-offers",
            _("Published offers by district"),
            _("One bar per district."),
            [Bar(row.name, row.offers_total) for row in districts if row.sector_id],
        ),
        bar_chart(
            "chart-district-needs",
            _("Open needs by preferred district"),
            _("One bar per district, and one for needs where any district fits."),
            [
                Bar(row.name or _("Anywhere in the city"), row.needs_total, "chart__bar--needs")
                for row in districts
            ],
        ),
    ]
    return Section("districts", _("Offers and needs per district"), [table], charts)


def section(slug: str, period: Period, kind: str) -> Section:
    builders = {
        "states": lambda: _states(period, kind),
        "urgent": lambda: _urgent(kind),
        "funnel": lambda: _funnel(period, kind),
        "placement": lambda: _placement(period, kind),
        "beds": lambda: _beds(period),
        "districts": lambda: _districts(kind),
    }
    return builders[slug]()


def sections(period: Period, kind: str) -> list[Section]:
    return [section(slug, period, kind) for slug in SECTIONS]
