"""What the public statistics page and the staff's network page show, laid out as tables
and charts from the published figures (``reports.statistics``, ``reports.opendata``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.vocabulary import HelpKind
from needs.models import Need
from reports import opendata, statistics
from reports.charts import Bar, bar_chart, column_chart
from reports.models import NetworkDataset
from reports.statistics import ALL, FLOWS, MEASURE_LABELS, STOCKS, TOTAL, Statistics

SHOWN_MONTHS = 12


def _kind_label(kind: str) -> str:
    return _("All kinds") if kind == ALL else str(HelpKind(kind).label)


def statistics_context(stats: Statistics, kind: str) -> dict[str, Any]:
    months = stats.months[-SHOWN_MONTHS:]
    current = months[-1] if months else None
    first = stats.months[0] if stats.months else None
    rows = [
        {
            "month": month,
            "current": month == current,
            "cells": [stats.value(measure, month, kind) for measure in FLOWS],
        }
        for month in months
    ]
    totals = [stats.value(measure, TOTAL, kind) for measure in FLOWS]
    label = _kind_label(kind)
    charts = [
        column_chart(
            f"chart-{measure}",
            f"{MEASURE_LABELS[measure]} — {label}",
            _("One column per month, the oldest first; a withheld count is marked “<%(n)s”.")
            % {"n": stats.threshold},
            [(month, stats.value(measure, month, kind)) for month in months],
            f"chart__bar--{kind}" if kind != ALL else "chart__bar",
        )
        for measure in ("placements", "offers_received")
    ]
    headline = [
        (MEASURE_LABELS[measure], stats.value(measure, TOTAL, ALL))
        for measure in ("offers_received", "needs_opened", "placements", "completed")
    ]
    beds = [
        {"month": month, "cells": [stats.value(measure, month, "housing") for measure in STOCKS]}
        for month in months
    ]
    return {
        "months": months,
        "first_month": first,
        "rows": rows,
        "totals": totals,
        "measures": [MEASURE_LABELS[m] for m in FLOWS],
        "stock_measures": [MEASURE_LABELS[m] for m in STOCKS],
        "charts": charts,
        "headline": headline,
        "beds": beds,
        "kind_label": label,
        **needs_context(),
    }


def needs_context() -> dict[str, Any]:
    cells = statistics.needs_now()
    urgencies = Need.Urgency.choices
    kinds = [*HelpKind.choices, (ALL, _("All kinds"))]
    rows = [
        {"label": label, "cells": [cells[(kind, u)] for u, _l in urgencies] + [cells[(kind, ALL)]]}
        for kind, label in kinds
    ]
    chart = bar_chart(
        "chart-needs-now",
        _("Needs open now, by kind of help"),
        _("One bar per kind; a withheld count is written instead of a bar."),
        [
            Bar(str(label), cells[(kind, ALL)], f"chart__bar--{kind}")
            for kind, label in HelpKind.choices
        ],
    )
    return {
        "needs_rows": rows,
        "needs_header": [str(label) for _u, label in urgencies],
        "needs_chart": chart,
    }


# --- Network ---------------------------------------------------------------------------


def _per_inhabitants(value: int, population: int | None) -> str:
    if not population:
        return ""
    return number_format(value * 10_000 / population, decimal_pos=1)


def network_context(measure: str, kind: str) -> dict[str, Any]:
    """Our figures and each uploaded city's, month by month for one measure and kind,
    with totals over the shown months and, where a population is known, per 10,000
    inhabitants. Withheld values stay withheld: a total over them says "at least"."""
    stats = statistics.published()
    ours = opendata.rows(stats, stats.complete_months)
    cities: list[tuple[str, int | None, list[dict[str, Any]]]] = [
        (str(settings.ENTRAIDE_CITY_NAME), settings.ENTRAIDE_CITY_POPULATION, ours)
    ]
    for dataset in NetworkDataset.objects.all():
        population = dataset.population or next(
            (row.get("population") for row in dataset.rows if row.get("population")), None
        )
        cities.append((dataset.city, population, dataset.rows))
    values: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for city, _population, rows in cities:
        for row in rows:
            if row["measure"] == measure and row["kind"] == kind:
                values[city][row["month"]] = row
    months = sorted({month for series in values.values() for month in series})[-SHOWN_MONTHS:]
    columns = []
    for city, population, _rows in cities:
        series = values.get(city, {})
        shown = [
            series[m]["value"] for m in months if m in series and series[m]["value"] is not None
        ]
        partial = any(m in series and series[m]["value"] is None for m in months)
        total = sum(shown)
        columns.append(
            {
                "city": city,
                "population": population,
                "total": total,
                "partial": partial,
                "per_inhabitants": _per_inhabitants(total, population),
            }
        )
    table = [
        {
            "month": date.fromisoformat(f"{month}-01"),
            "cells": [_network_cell(values.get(city, {}).get(month)) for city, _p, _r in cities],
        }
        for month in months
    ]
    per_capita = all(column["population"] for column in columns)
    chart = bar_chart(
        "chart-network",
        _("%(measure)s over the months shown, by city") % {"measure": MEASURE_LABELS[measure]},
        _(
            "One bar per city: per 10,000 inhabitants when every population is known, "
            "else the count."
        ),
        [
            Bar(
                column["city"],
                round(column["total"] * 10_000 / column["population"], 1)
                if per_capita
                else column["total"],
                note=_("at least") if column["partial"] else "",
            )
            for column in columns
        ],
    )
    return {
        "network_columns": columns,
        "network_rows": table,
        "network_chart": chart,
        "network_per_capita": per_capita,
        "network_measure": MEASURE_LABELS[measure],
        "network_kind": _kind_label(kind),
    }


def _network_cell(row: dict[str, Any] | None) -> str:
    if row is None:
        return "—"
    if row["value"] is not None:
        return number_format(row["value"], force_grouping=True)
    if row["status"] == "fewer_than_threshold":
        return _("fewer than %(threshold)s") % {"threshold": row["threshold"]}
    return _("not shown")
