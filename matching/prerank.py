"""The score's upper bound in SQL: retrieval reads a need's candidate offers best bound
first, so that it can stop as soon as its top suggestions beat the next row's bound.

``bound_of`` computes, for each row, what ``engine.scoring.score_bound`` computes for the
offer's facts (a test holds the two equal on PostgreSQL): the distance and preferred
district from the offer's district, the dates, the fit of the beds and the offer's wait
exactly, and the languages from how many of the need's the offer speaks; the pending
proposals at their best. SQLite has no JSON containment: there the languages are taken at
their best for every offer, a looser bound that is still a bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date
from typing import Any

from django.db import connection
from django.db.models import (
    DateField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Case, Combinable, When
from django.db.models.functions import Cast, Coalesce, Greatest, Least, TruncDate

from matching.engine.facts import HOUSING, NeedFacts
from matching.engine.scoring import (
    Weights,
    languages_points,
    need_waiting_criterion,
    urgency_points,
    wanted_period,
)

BOUND = "score_bound"  # the annotation's name


class DaysBetween(Func):
    """Whole days from the second date to the first, as an integer (negative if before)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        days = self.copy()
        days.set_source_expressions(
            [Func(part, function="JULIANDAY", output_field=FloatField())
             for part in self.get_source_expressions()]
        )  # fmt: skip
        return Func.as_sql(days, compiler, connection,
                           template="CAST(ROUND(%(expressions)s) AS INTEGER)", **extra)  # fmt: skip


class PointsByValue(Expression):
    """``CASE column WHEN … THEN … ELSE 0 END``: given points for each value of a column
    (a district, a number of languages shared), the points of the row's value (a
    ``When`` per value would cost the ORM many times more)."""

    output_field = FloatField()

    def __init__(self, points: Mapping[int, float], column: Any) -> None:
        super().__init__(output_field=FloatField())
        self.points = dict(points)
        self.column = column

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, expressions: Sequence[Any]) -> None:
        (self.column,) = expressions

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        column, params = compiler.compile(self.column)
        if not self.points:
            return "0.0", ()
        whens = " ".join("WHEN %s THEN %s" for _ in self.points)
        values = [value for pk, points in self.points.items() for value in (pk, float(points))]
        return f"(CASE {column} {whens} ELSE 0.0 END)", (*params, *values)


def _day(value: date) -> Value:
    return Value(value, output_field=DateField())


def _number(value: float) -> Value:
    return Value(float(value), output_field=FloatField())


def bound_of(
    facts: NeedFacts, weights: Weights, today: date, sector_points: Mapping[int, float]
) -> Combinable:
    """The bound as a SQL expression over an offer row. ``sector_points``: the distance
    criterion's points (``scoring.distance_points``) in each district the rows may be in."""
    need_only = (
        urgency_points(facts.urgency, weights)
        + need_waiting_criterion(facts, weights, today).points
        + weights.pending
    )
    return (
        PointsByValue(sector_points, F("sector_id"))
        + _languages(facts, weights)
        + _dates(facts, weights)
        + _bed_fit(facts, weights)
        + _waiting(weights, today)
        + _number(need_only)
    )


def _languages(facts: NeedFacts, weights: Weights) -> Combinable:
    """``scoring.languages_criterion``: the points of the number of the need's languages
    the offer speaks (JSON containment, PostgreSQL; elsewhere, all of them)."""
    if connection.vendor != "postgresql" or not facts.languages or weights.languages == 0:
        return _number(languages_points(weights, len(facts.languages)))
    shared = sum(
        (Case(When(Q(languages__contains=[code]), then=Value(1)), default=Value(0))
         for code in sorted(facts.languages)),
        start=Value(0),
    )  # fmt: skip
    points = {count: languages_points(weights, count) for count in range(len(facts.languages) + 1)}
    return PointsByValue(points, ExpressionWrapper(shared, output_field=IntegerField()))


def _sharing(facts: NeedFacts) -> Q:
    """Offers that speak one of the need's languages (JSON containment: PostgreSQL)."""
    shared = Q()
    for code in sorted(facts.languages):
        shared |= Q(languages__contains=[code])
    return shared


def districts_sharing_a_language(
    offers: QuerySet[Any], facts: NeedFacts, sector_ids: list[int]
) -> frozenset[int]:
    """Which of these districts hold one of ``offers`` speaking a language of the need
    (PostgreSQL; a GIN index on the languages of published offers serves it): in the
    others, no offer scores anything for languages."""
    found = offers.filter(_sharing(facts), sector_id__in=sector_ids)
    return frozenset(found.order_by().values_list("sector_id", flat=True).distinct())


def _dates(facts: NeedFacts, weights: Weights) -> Combinable:
    """``scoring.dates_criterion``: the share of what is left of the wanted period that
    the offer's availability covers."""
    start, end = (date.fromordinal(day) for day in wanted_period(facts, weights))
    first = Greatest(_day(start), Coalesce(F("available_from"), _day(start)))
    last = Least(_day(end), Coalesce(F("available_until"), _day(end)))
    nights = Greatest(DaysBetween(last, first), Value(0), output_field=IntegerField())
    per_night = weights.dates / (end - start).days
    return Cast(nights, FloatField()) * _number(per_night)


def _bed_fit(facts: NeedFacts, weights: Weights) -> Combinable:
    """``scoring.bed_fit_criteria``: the share of each household's beds the need fills."""
    if facts.kind != HOUSING:
        return _number(0.0)
    households = Greatest(Coalesce(F("households_at_once"), Value(1)), Value(1))
    whole = Coalesce(F("capacity"), Value(0)) / households  # integer division: whole beds
    beds = Greatest(whole, Value(1), output_field=IntegerField())
    fill = Least(_number(1.0), _number(facts.household_size) / Cast(beds, FloatField()))
    return fill * _number(weights.bed_fit)


def _waiting(weights: Weights, today: date) -> Combinable:
    """``scoring.offer_waiting_criterion``: days since publication (its UTC date, as the
    facts read it), up to ``waiting_full_days``."""
    since = TruncDate(Coalesce(F("published_at"), F("created_at")), tzinfo=UTC)
    days = Greatest(DaysBetween(_day(today), since), Value(0), output_field=IntegerField())
    capped = Least(Cast(days, FloatField()), _number(weights.waiting_full_days))
    return capped * _number(weights.offer_waiting / weights.waiting_full_days)


def best_bound_first(offers: QuerySet[Any], bound: Combinable) -> QuerySet[Any]:
    """The offers with their bound, highest first, then by id."""
    return offers.annotate(**{BOUND: bound}).order_by(F(BOUND).desc(), "id")


def after(bound: float, pk: int) -> Q:
    """Rows after (``bound``, ``pk``) in ``best_bound_first`` order: keyset pagination."""
    return Q(**{f"{BOUND}__lt": bound}) | Q(**{BOUND: bound, "pk__gt": pk})
