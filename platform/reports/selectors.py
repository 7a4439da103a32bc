"""The staff dashboard's figures, each one aggregate query (no loop over rows in Python),
so that the page costs the same number of queries whatever the size of the city.

Every figure reads counts, statuses, kinds, districts and dates only, never a personal
field: anonymising old records (which keeps those) does not change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from core.models import Sector
from core.vocabulary import HelpKind
from matching.models import Match, MatchTransition
from needs.models import Need
from offers.models import Offer, OfferTransition
from reports.models import BedsDay
from reports.periods import Period, local_midnight

KINDS = tuple(HelpKind.values)
# The end of a match written by the matching app: a completed match that broke down.
BROKE_DOWN = "broke_down"
# How long an urgent need may wait before it is late: the urgency's own words.
URGENT_DEADLINES = {
    Need.Urgency.CRITICAL: timedelta(hours=48),
    Need.Urgency.HIGH: timedelta(days=7),
}


def _kinds(kind: str) -> tuple[str, ...]:
    return (kind,) if kind else KINDS


def _of_kind(kind: str, field: str = "kind") -> Q:
    """Rows of one kind, or every row (no condition: the planner then reads an index
    whole, without looking a kind up)."""
    return Q(**{field: kind}) if kind else Q()


# COUNT(*) rather than COUNT(id): PostgreSQL then answers from an index alone.
ROWS = Count("*")


# --- Counts by kind and state ---------------------------------------------------------


def state_counts(model: type[Offer] | type[Need], period: Period, kind: str = "") -> dict:
    """``{(kind, status): count}`` of the offers or needs created in the period."""
    rows = (
        model.objects.filter(period.q("created_at"), _of_kind(kind))
        .values("kind", "status")
        .annotate(count=ROWS)
        .order_by()
    )
    return {(row["kind"], row["status"]): row["count"] for row in rows}


# --- Urgent needs waiting ---------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    urgency: str
    count: int
    late: int  # waiting longer than the urgency says
    median: timedelta | None
    longest: timedelta | None


def urgent_waiting(kind: str = "", now: datetime | None = None) -> list[Waiting]:
    """Open critical and high needs: how many, how many are late, how long they wait."""
    now = now or timezone.now()
    urgent = Need.objects.active().filter(
        kind__in=_kinds(kind), urgency__in=list(URGENT_DEADLINES), opened_at__isnull=False
    )
    late = Q()
    for urgency, deadline in URGENT_DEADLINES.items():
        late |= Q(urgency=urgency, opened_at__lt=now - deadline)
    totals = {
        row["urgency"]: row
        for row in urgent.values("urgency")
        .annotate(count=Count("id"), late=Count("id", filter=late), oldest=Min("opened_at"))
        .order_by()
    }
    # The median wait is the wait of the median opening date, newest first.
    medians = percentile_values(
        urgent, value=F("opened_at"), groups=["urgency"], shares=(50,), descending=True
    )
    result = []
    for urgency in URGENT_DEADLINES:
        row = totals.get(urgency)
        median = medians.get((urgency,), {}).get(50)
        result.append(
            Waiting(
                urgency=urgency,
                count=row["count"] if row else 0,
                late=row["late"] if row else 0,
                median=now - median if median else None,
                longest=now - row["oldest"] if row and row["oldest"] else None,
            )
        )
    return result


def percentile_values(
    rows: QuerySet[Any],
    *,
    value: Any,
    groups: list[str],
    shares: tuple[int, ...],
    descending: bool = False,
) -> dict[tuple[Any, ...], dict[int, Any]]:
    """The nearest-rank percentiles of ``value`` in each group of ``rows``, in one query on
    SQLite and PostgreSQL alike (window functions): ``{(group values): {share: value}}``.

    The p-th percentile of n values is the ceil(p·n/100)-th smallest (the largest with
    ``descending``, for a wait read from a date).
    """
    partition = [F(name) for name in groups]
    order = value.desc() if descending else value.asc()
    ranked = rows.order_by().annotate(
        _value=value,
        _rank=Window(RowNumber(), partition_by=partition, order_by=[order, F("pk").asc()]),
        _size=Window(Count("pk"), partition_by=partition),
    )
    positions = {share: (F("_size") * share + 99) / 100 for share in shares}
    ranked = ranked.annotate(**{f"_p{share}": position for share, position in positions.items()})
    wanted = Q()
    for share in shares:
        wanted |= Q(_rank=F(f"_p{share}"))
    found: dict[tuple[Any, ...], dict[int, Any]] = {}
    for row in ranked.filter(wanted).values(
        *groups, "_value", "_rank", *[f"_p{s}" for s in shares]
    ):
        key = tuple(row[name] for name in groups)
        for share in shares:
            if row["_rank"] == row[f"_p{share}"]:
                found.setdefault(key, {})[share] = row["_value"]
    return found


# --- From suggestion to completion ------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    code: str
    count: int
    # The share of the stage it is measured against (None for the first stage).
    rate: float | None
    of: str = ""


FUNNEL = ("suggested", "proposed", "accepted", "confirmed", "completed")
ENDINGS = ("declined", "expired", "cancelled", "broken_down")
# Each stage or ending, and the stage its rate is read against.
RATE_OF = {
    "proposed": "suggested",
    "accepted": "proposed",
    "confirmed": "proposed",
    "completed": "confirmed",
    "declined": "proposed",
    "expired": "proposed",
    "cancelled": "suggested",
    "broken_down": "confirmed",
}


def funnel_counts(period: Period, kind: str = "") -> dict[str, int]:
    """Matches created in the period that reached each stage, and how the others ended."""
    S = Match.Status
    accepted = Q(resident_accepted_at__isnull=False) | Q(association_accepted_at__isnull=False)
    return Match.objects.filter(period.q("created_at"), _of_kind(kind, "need__kind")).aggregate(
        suggested=Count("id"),
        proposed=Count("id", filter=Q(proposed_at__isnull=False)),
        accepted=Count("id", filter=accepted),
        confirmed=Count("id", filter=Q(confirmed_at__isnull=False)),
        completed=Count("id", filter=Q(status=S.COMPLETED)),
        declined=Count("id", filter=Q(status=S.DECLINED)),
        expired=Count("id", filter=Q(status=S.EXPIRED)),
        cancelled=Count("id", filter=Q(status=S.CANCELLED)),
        broken_down=Count("id", filter=Q(outcome=BROKE_DOWN)),
    )


def funnel(counts: dict[str, int]) -> tuple[list[Stage], list[Stage]]:
    def stage(code: str) -> Stage:
        base = RATE_OF.get(code)
        rate = counts[code] / counts[base] if base and counts[base] else None
        return Stage(code, counts[code], rate, base or "")

    return [stage(code) for code in FUNNEL], [stage(code) for code in ENDINGS]


# --- From a need's opening to its first confirmed match ---------------------------------


@dataclass(frozen=True)
class Placement:
    kind: str
    urgency: str  # "" for every urgency of the kind
    count: int
    median: timedelta | None
    p90: timedelta | None


# One query in SQL (SQLite and PostgreSQL alike, the difference of two moments aside): the
# ORM cannot put window functions over a grouped subquery, and a correlated subquery per
# need costs seconds at a city's scale.
_PLACEMENT_SQL = """
WITH firsts AS (
    SELECT need_id, MIN(confirmed_at) AS first_confirmed
    FROM matching_match WHERE confirmed_at IS NOT NULL GROUP BY need_id
), placed AS (
    SELECT n.kind, n.urgency, {seconds} AS wait
    FROM firsts f JOIN needs_need n ON n.id = f.need_id
    WHERE n.opened_at IS NOT NULL AND n.kind IN ({kinds}) {period}
), ranked AS (
    SELECT kind, urgency, wait,
        ROW_NUMBER() OVER (PARTITION BY kind, urgency ORDER BY wait) AS rank_u,
        COUNT(*) OVER (PARTITION BY kind, urgency) AS size_u,
        ROW_NUMBER() OVER (PARTITION BY kind ORDER BY wait) AS rank_k,
        COUNT(*) OVER (PARTITION BY kind) AS size_k
    FROM placed
)
SELECT kind, urgency, wait, rank_u, size_u, rank_k, size_k FROM ranked
WHERE rank_u IN ((size_u * 50 + 99) / 100, (size_u * 90 + 99) / 100)
   OR rank_k IN ((size_k * 50 + 99) / 100, (size_k * 90 + 99) / 100)
"""
_SECONDS = {
    # An interval (sorted much faster than the numeric EXTRACT gives).
    "postgresql": "(f.first_confirmed - n.opened_at)",
    "sqlite": "(julianday(f.first_confirmed) - julianday(n.opened_at)) * 86400.0",
}


def _nearest_rank(size: int, share: int) -> int:
    return (size * share + 99) // 100


def time_to_placement(period: Period, kind: str = "") -> list[Placement]:
    """Median and 90th percentile of the time from a need's opening to its first
    confirmed match, by kind and urgency and by kind alone, for the needs first placed
    in the period (nearest rank, as ``percentile_values``). One query."""
    kinds = _kinds(kind)
    start, after = period.bounds()
    conditions = ["AND f.first_confirmed < %s"]
    params: list[Any] = [*kinds]
    moments = [after]
    if start is not None:
        conditions.append("AND f.first_confirmed >= %s")
        moments.append(start)
    params += [connection.ops.adapt_datetimefield_value(moment) for moment in moments]
    sql = _PLACEMENT_SQL.format(
        seconds=_SECONDS[connection.vendor],
        kinds=", ".join(["%s"] * len(kinds)),
        period=" ".join(conditions),
    )
    figures: dict[tuple[str, str], dict[int, timedelta]] = {}
    counts: dict[tuple[str, str], int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for one_kind, urgency, wait, rank_u, size_u, rank_k, size_k in cursor.fetchall():
            moment = wait if isinstance(wait, timedelta) else timedelta(seconds=float(wait))
            counts[(one_kind, urgency)] = size_u
            counts[(one_kind, "")] = size_k
            for share in (50, 90):
                if rank_u == _nearest_rank(size_u, share):
                    figures.setdefault((one_kind, urgency), {})[share] = moment
                if rank_k == _nearest_rank(size_k, share):
                    figures.setdefault((one_kind, ""), {})[share] = moment
    rows = []
    for one_kind in kinds:
        for urgency in ("", *Need.Urgency.values):
            found = figures.get((one_kind, urgency), {})
            rows.append(
                Placement(one_kind, urgency, counts.get((one_kind, urgency), 0),
                          found.get(50), found.get(90))
            )  # fmt: skip
    return rows


# --- Beds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Beds:
    day: date
    offered: int
    occupied: int

    @property
    def free(self) -> int:
        return max(self.offered - self.occupied, 0)


def beds_now() -> Beds:
    """Beds of published housing offers, and people housed by confirmed housing matches."""
    offered = (
        Offer.objects.published()
        .filter(kind=HelpKind.HOUSING)
        .aggregate(beds=Coalesce(Sum("capacity"), 0))["beds"]
    )
    occupied = Match.objects.filter(
        status=Match.Status.CONFIRMED, need__kind=HelpKind.HOUSING
    ).aggregate(beds=Coalesce(Sum("need__household_size"), 0))["beds"]
    return Beds(timezone.localdate(), offered, occupied)


def beds_on(day: date) -> Beds:
    """The beds of a past day, read back from the status logs: housing offers whose last
    change by the end of the day made them published, and housing matches whose last
    change made them confirmed. For filling days before the hourly snapshot existed."""
    end = local_midnight(day + timedelta(days=1))
    offer_status = (
        OfferTransition.objects.filter(subject=OuterRef("pk"), at__lt=end)
        .order_by("-at", "-id")
        .values("to_status")[:1]
    )
    offered = (
        Offer.objects.filter(kind=HelpKind.HOUSING)
        .annotate(status_then=Subquery(offer_status))
        .filter(status_then=Offer.Status.PUBLISHED)
        .aggregate(beds=Coalesce(Sum("capacity"), 0))["beds"]
    )
    match_status = (
        MatchTransition.objects.filter(subject=OuterRef("pk"), at__lt=end)
        .order_by("-at", "-id")
        .values("to_status")[:1]
    )
    occupied = (
        Match.objects.filter(offer__kind=HelpKind.HOUSING)
        .annotate(status_then=Subquery(match_status))
        .filter(status_then=Match.Status.CONFIRMED)
        .aggregate(beds=Coalesce(Sum("need__household_size"), 0))["beds"]
    )
    return Beds(day, offered, occupied)


def beds_series(period: Period, today: Beds | None = None) -> list[Beds]:
    """The recorded days of the period, today's figures live; beyond two months of days,
    one day a week (a month beyond a year and two months), so that chart and table stay
    readable."""
    rows = BedsDay.objects.filter(day__lte=period.end).order_by("day")
    if period.start is not None:
        rows = rows.filter(day__gte=period.start)
    series = [
        Beds(row["day"], row["beds_offered"], row["beds_occupied"])
        for row in rows.values("day", "beds_offered", "beds_occupied")[:2000]
    ]
    if today is not None and period.end >= today.day:
        series = [point for point in series if point.day != today.day] + [today]
    if len(series) > 62:  # a point a week (or a month), counted back from the last day
        step = 7 if len(series) <= 7 * 62 else 30
        series = series[::-1][::step][::-1]
    return series


# --- Districts ----------------------------------------------------------------------------


@dataclass
class DistrictRow:
    sector_id: int | None
    name: str
    offers: dict[str, int] = field(default_factory=dict)
    needs: dict[str, int] = field(default_factory=dict)

    @property
    def offers_total(self) -> int:
        return sum(self.offers.values())

    @property
    def needs_total(self) -> int:
        return sum(self.needs.values())


def by_district(kind: str = "") -> list[DistrictRow]:
    """Published offers by district, open needs by preferred district (a need naming
    several counts in each; one naming none is counted as "anywhere"). Three queries."""
    rows = {
        sector.pk: DistrictRow(sector.pk, sector.name) for sector in Sector.objects.only("name")
    }
    for row in (
        Offer.objects.published()
        .filter(_of_kind(kind))
        .values("sector_id", "kind")
        .annotate(count=ROWS)
        .order_by()
    ):
        rows[row["sector_id"]].offers[row["kind"]] = row["count"]
    anywhere = DistrictRow(None, "")
    needs = Need.objects.active().filter(_of_kind(kind))
    wanted = needs.values("sectors", "kind").annotate(count=Count("id")).order_by()
    for sector_id, kind, count in wanted.values_list("sectors", "kind", "count"):
        target = rows.get(sector_id, anywhere)
        target.needs[kind] = target.needs.get(kind, 0) + count
    return [*rows.values(), anywhere]


def first_record_day() -> date | None:
    """The day the first offer or need was entered: where "since the beginning" starts."""
    first = [
        Offer.objects.aggregate(first=Min("created_at"))["first"],
        Need.objects.aggregate(first=Min("created_at"))["first"],
    ]
    known = [timezone.localtime(moment).date() for moment in first if moment]
    return min(known) if known else None
