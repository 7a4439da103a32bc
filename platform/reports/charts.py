"""Charts drawn on the server as SVG: the geometry is computed here, the templates in
``reports/charts/`` only write it out. No script and no ``style`` attribute (the CSP
stays strict): colours come from classes in the site's stylesheet.

Geometry is laid out left to right and mirrored for right-to-left languages, where bars
grow from the right and time runs from right to left. Text anchors are logical ("start"
is the reading start), and the SVG carries the page's direction, so labels read right in
both. Every chart is paired with a table of the same figures in its template: the chart
is for the eye, the table for screen readers and for anyone who wants the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format, number_format
from django.utils.translation import get_language_bidi

from core.small_counts import Published

WIDTH = 400
LABEL_FONT = 15


def _number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, decimal_pos=1, force_grouping=True)
    return number_format(round(value), force_grouping=True)


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"  # logical: start is where reading starts
    css: str = ""


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str


@dataclass(frozen=True)
class Line:
    points: str
    css: str


@dataclass
class Chart:
    """What a chart template draws: shapes, texts and a legend, in a ``WIDTH``-wide box."""

    name: str  # unique on the page: ids of the title and description
    title: str
    description: str
    height: float
    rtl: bool = False
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, label)

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    def mirrored(self) -> Chart:
        """The same chart for a right-to-left reader."""
        if not self.rtl:
            return self
        self.rects = [
            Rect(WIDTH - r.x - r.width, r.y, r.width, r.height, r.css) for r in self.rects
        ]
        # Anchors are logical: with the SVG's direction set to rtl, "start" is the right
        # edge of the text, so only the positions move.
        self.texts = [Text(WIDTH - t.x, t.y, t.text, t.anchor, t.css) for t in self.texts]
        self.lines = [Line(_mirror_points(line.points), line.css) for line in self.lines]
        return self


def _mirror_points(points: str) -> str:
    mirrored = []
    for pair in points.split():
        x, y = pair.split(",")
        mirrored.append(f"{WIDTH - float(x):.1f},{y}")
    return " ".join(mirrored)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | float | Published
    css: str = "chart__bar"
    note: str = ""  # written after the value: "45 %"


def _plain(value: int | float | Published) -> float | None:
    if isinstance(value, Published):
        return float(value.value) if value.shown and value.value is not None else None
    return float(value)


def bar_chart(name: str, title: str, description: str, bars: Sequence[Bar]) -> Chart:
    """Horizontal bars, one under the other, each with its label above it and its value
    at its end: readable on a phone held upright. A withheld count has no bar, its words
    only ("fewer than 5")."""
    row, bar_height, top = 52, 20, 8
    chart = Chart(name, title, description, height=top + row * max(len(bars), 1) + 4)
    values = [v for v in (_plain(bar.value) for bar in bars) if v is not None]
    largest = max(values, default=0) or 1
    usable = WIDTH - 130  # room for the value at the end of the longest bar
    for index, bar in enumerate(bars):
        y = top + index * row
        chart.texts.append(Text(0, y + LABEL_FONT, bar.label, css="chart__label"))
        value = _plain(bar.value)
        bar_y = y + 22
        if value is None:
            chart.texts.append(Text(0, bar_y + 15, str(bar.value), css="chart__value"))
            continue
        length = max(usable * value / largest, 2 if value else 0)
        chart.rects.append(Rect(0, bar_y, length, bar_height, bar.css))
        shown = str(bar.value) if isinstance(bar.value, Published) else _number(value)
        if bar.note:
            shown = f"{shown} ({bar.note})"
        chart.texts.append(Text(length + 8, bar_y + 15, shown, css="chart__value"))
    chart.rtl = get_language_bidi()
    return chart.mirrored()


def _month_label(month: date, first: bool) -> tuple[str, str]:
    year = date_format(month, "Y") if first or month.month == 1 else ""
    return date_format(month, "M"), year


def column_chart(
    name: str,
    title: str,
    description: str,
    columns: Sequence[tuple[date, int | Published]],
    css: str = "chart__bar",
) -> Chart:
    """One column per month, oldest first (on the reading-start side). A withheld count
    is marked with a short dash and "<5" instead of a column."""
    plot_top, plot_height, gap = 24, 180, 6
    chart = Chart(name, title, description, height=plot_top + plot_height + 48)
    count = max(len(columns), 1)
    slot = min((WIDTH - 8) / count, 56)
    offset = (WIDTH - slot * count) / 2  # few columns stand in the middle
    values = [v for v in (_plain(value) for _m, value in columns) if v is not None]
    largest = max(values, default=0) or 1
    baseline = plot_top + plot_height
    chart.lines.append(Line(f"0,{baseline} {WIDTH},{baseline}", "chart__axis"))
    for index, (month, value) in enumerate(columns):
        x = offset + index * slot
        centre = x + slot / 2
        plain = _plain(value)
        if plain is None:
            chart.lines.append(
                Line(f"{centre - 6:.1f},{baseline - 3} {centre + 6:.1f},{baseline - 3}",
                     "chart__withheld")
            )  # fmt: skip
            label = value.code if isinstance(value, Published) else ""
            chart.texts.append(Text(centre, baseline - 10, label, "middle", "chart__small"))
        else:
            height = plot_height * plain / largest
            chart.rects.append(Rect(x + gap / 2, baseline - height, slot - gap, height, css))
            chart.texts.append(
                Text(centre, baseline - height - 5, _number(plain), "middle", "chart__small")
            )
        short, year = _month_label(month, index == 0)
        # Past seven months, every other month is named (the table names them all).
        if count <= 7 or index % 2 == (count - 1) % 2:
            chart.texts.append(Text(centre, baseline + 18, short, "middle", "chart__small"))
        if year:
            chart.texts.append(Text(centre, baseline + 36, year, "middle", "chart__small"))
    chart.rtl = get_language_bidi()
    return chart.mirrored()


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]
    css: str


def line_chart(
    name: str, title: str, description: str, days: Sequence[date], series: Sequence[Series]
) -> Chart:
    """Lines over time (oldest on the reading-start side), with the axis labelled at its
    start, middle and end and the latest value of each line in the legend."""
    left, right, plot_top, plot_height = 8, 8, 16, 200
    chart = Chart(name, title, description, height=plot_top + plot_height + 40)
    top_value = max((v for line in series for v in line.values), default=0) or 1
    baseline = plot_top + plot_height
    span = max(len(days) - 1, 1)
    usable = WIDTH - left - right

    def x_of(index: int) -> float:
        return left + usable * index / span if len(days) > 1 else WIDTH / 2

    for share in (0.5, 1.0):
        y = baseline - plot_height * share
        chart.lines.append(Line(f"{left},{y:.1f} {WIDTH - right},{y:.1f}", "chart__grid"))
        chart.texts.append(Text(left, y - 4, _number(top_value * share), css="chart__small"))
    chart.lines.append(Line(f"{left},{baseline} {WIDTH - right},{baseline}", "chart__axis"))
    for line in series:
        points = " ".join(
            f"{x_of(i):.1f},{baseline - plot_height * v / top_value:.1f}"
            for i, v in enumerate(line.values)
        )
        if len(line.values) == 1:  # one day: a short flat stroke, so that it shows
            y = baseline - plot_height * line.values[0] / top_value
            points = f"{WIDTH / 2 - 6:.1f},{y:.1f} {WIDTH / 2 + 6:.1f},{y:.1f}"
        chart.lines.append(Line(points, line.css))
        latest = _number(line.values[-1]) if line.values else "0"
        chart.legend.append((line.css, f"{line.label}: {latest}"))
    if days:
        marks = {0: "start", len(days) - 1: "end"}
        if len(days) > 2:
            marks.setdefault(len(days) // 2, "middle")
        for index, anchor in marks.items():
            label = date_format(days[index], "SHORT_DATE_FORMAT")
            chart.texts.append(Text(x_of(index), baseline + 20, label, anchor, "chart__small"))
    chart.rtl = get_language_bidi()
    return chart.mirrored()


def percent(rate: float | None) -> str:
    return "" if rate is None else f"{number_format(round(rate * 100))} %"
