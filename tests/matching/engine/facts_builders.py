"""Builders and Hypothesis strategies for offer and need facts, on a small fake city."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from matching.engine.facts import (
    CRITICAL,
    DONATION,
    HIGH,
    HOUSING,
    NORMAL,
    SKILL,
    NeedFacts,
    OfferFacts,
    need_period,
)

# No example database: the tests must not write outside their folder, and stay fast.
settings.register_profile(
    "matching_engine",
    deadline=None,
    max_examples=60,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ENGINE = settings.get_profile("matching_engine")

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

# District centroids of a Grenoble-sized city, a few km apart.
SECTORS = {
    1: (45.1885, 5.7245),
    2: (45.1700, 5.7300),
    3: (45.2000, 5.7000),
    4: (45.1600, 5.7600),
    5: (45.2150, 5.7800),
}
# Goods: 1 clothing > 2 children's clothing, 3 adults' clothing; 4 furniture.
# Skills: 10 French lessons > 11 for beginners; 12 interpreting.
CATEGORY_PATHS = {
    DONATION: [frozenset({1}), frozenset({1, 2}), frozenset({1, 3}), frozenset({4})],
    SKILL: [frozenset({10}), frozenset({10, 11}), frozenset({12})],
}
HOUSEHOLD_TYPES = ["single_adult", "woman_alone", "couple", "family", "minor"]
HOUSING_TYPES = ["room", "dwelling", "emergency"]
LANGUAGES = ["fr", "en", "ar", "uk", "fa"]
URGENCIES = [CRITICAL, HIGH, NORMAL]


def offer(**changes: Any) -> OfferFacts:
    """A housing offer for anyone, now and open-ended, in district 1."""
    base = OfferFacts(
        id=1,
        kind=HOUSING,
        category_ids=frozenset(),
        housing_type="room",
        beds=2,
        households_at_once=1,
        units=1,
        household_types=frozenset(HOUSEHOLD_TYPES),
        available_from=None,
        available_until=None,
        min_stay_nights=None,
        max_stay_nights=None,
        step_free=False,
        pets=False,
        languages=frozenset({"fr"}),
        sector_id=1,
        latitude=SECTORS[1][0],
        longitude=SECTORS[1][1],
        waiting_since=NOW - timedelta(days=10),
        pending_proposals=0,
    )
    return replace(base, **changes)


def need(**changes: Any) -> NeedFacts:
    """A single adult needing housing from today, preferring district 1."""
    base = NeedFacts(
        id=1,
        kind=HOUSING,
        category_id=None,
        housing_types=frozenset(),
        household_size=1,
        household_type="single_adult",
        units=1,
        step_free=False,
        no_pets=False,
        languages=frozenset({"fr"}),
        wanted_from=TODAY,
        wanted_until=None,
        sector_ids=frozenset({1}),
        places=(SECTORS[1],),
        max_distance_km=None,
        urgency=NORMAL,
        opened_at=NOW - timedelta(days=3),
    )
    return replace(base, **changes)


def _maybe_day(draw: st.DrawFn, low: int, high: int) -> date | None:
    offset = draw(st.none() | st.integers(low, high))
    return None if offset is None else TODAY + timedelta(days=offset)


def _ordered(first: date | None, second: date | None) -> tuple[date | None, date | None]:
    if first and second and second < first:
        return second, first
    return first, second


KINDS = st.sampled_from([HOUSING, DONATION, SKILL])
RARELY = st.sampled_from([False, False, False, True])
COVER = st.sampled_from([0, 1, 7, 30])


@st.composite
def offers(draw: st.DrawFn, offer_id: int = 1, kind: str | None = None) -> OfferFacts:
    kind = kind or draw(KINDS)
    sector = draw(st.sampled_from(sorted(SECTORS)))
    start, end = _ordered(_maybe_day(draw, -20, 40), _maybe_day(draw, -5, 90))
    households = draw(st.integers(1, 2)) if kind == HOUSING else 1
    min_stay = draw(st.none() | st.integers(1, 20))
    max_stay = draw(st.none() | st.integers(min_stay or 1, 90))
    return OfferFacts(
        id=offer_id,
        kind=kind,
        category_ids=draw(st.sampled_from(CATEGORY_PATHS.get(kind, [frozenset()]))),
        housing_type=draw(st.sampled_from(HOUSING_TYPES)) if kind == HOUSING else "",
        beds=draw(st.integers(1, 6)) if kind == HOUSING else 0,
        households_at_once=households,
        units=households if kind == HOUSING else draw(st.integers(1, 3)),
        household_types=draw(
            st.just(frozenset(HOUSEHOLD_TYPES))
            | st.frozensets(st.sampled_from(HOUSEHOLD_TYPES), min_size=1)
        )
        if kind == HOUSING
        else frozenset(),
        available_from=start,
        available_until=end,
        min_stay_nights=min_stay if kind == HOUSING else None,
        max_stay_nights=max_stay if kind == HOUSING else None,
        step_free=draw(st.booleans()),
        pets=draw(st.booleans()) if kind == HOUSING else False,
        languages=draw(st.frozensets(st.sampled_from(LANGUAGES))),
        sector_id=sector,
        latitude=SECTORS[sector][0],
        longitude=SECTORS[sector][1],
        waiting_since=NOW - timedelta(hours=draw(st.integers(0, 120 * 24))),
        pending_proposals=draw(st.integers(0, 4)),
        language_required=kind == SKILL and draw(st.booleans()),
        place_key=draw(st.sampled_from(["", "", "a", "b"])) if kind == HOUSING else "",
    )


@st.composite
def needs(draw: st.DrawFn, need_id: int = 1, kind: str | None = None) -> NeedFacts:
    kind = kind or draw(KINDS)
    sectors = draw(st.frozensets(st.sampled_from(sorted(SECTORS)), max_size=2))
    located = draw(st.booleans()) or bool(sectors)
    elsewhere = (SECTORS[draw(st.sampled_from(sorted(SECTORS)))],)
    places = tuple(SECTORS[s] for s in sorted(sectors)) if sectors else elsewhere
    start, end = _ordered(_maybe_day(draw, -3, 30), _maybe_day(draw, 0, 120))
    start, end = need_period(start, end, TODAY)
    end = end if end is None or end >= start else start
    max_km = draw(st.none() | st.integers(1, 6))
    categories = [None, 1, 2, 3, 4] if kind == DONATION else [None, 10, 11, 12]
    return NeedFacts(
        id=need_id,
        kind=kind,
        category_id=None if kind == HOUSING else draw(st.sampled_from(categories)),
        housing_types=draw(st.just(frozenset()) | st.frozensets(st.sampled_from(HOUSING_TYPES))),
        household_size=draw(st.integers(1, 6)),
        household_type=draw(st.sampled_from([*HOUSEHOLD_TYPES, ""])),
        units=draw(st.integers(1, 3)) if kind == DONATION else 1,
        step_free=draw(RARELY),
        no_pets=draw(RARELY),
        languages=draw(st.frozensets(st.sampled_from(LANGUAGES), max_size=3)),
        wanted_from=start,
        wanted_until=end,
        sector_ids=sectors,
        places=places if located else (),
        max_distance_km=max_km,
        urgency=draw(st.sampled_from(URGENCIES)),
        opened_at=NOW - timedelta(days=draw(st.integers(0, 90))),
        minors_accredited=draw(st.booleans()),
        excluded_offer_ids=draw(st.frozensets(st.integers(1, 6), max_size=2)),
        min_cover_nights=draw(COVER) if kind == HOUSING else 0,
        places_preferred=bool(sectors),
    )


@st.composite
def instances(
    draw: st.DrawFn, max_needs: int = 6, max_offers: int = 6
) -> tuple[list[NeedFacts], list[OfferFacts]]:
    """Needs and offers with distinct ids, mostly of one kind so that many pairs fit."""
    kind = draw(KINDS)
    n_needs = draw(st.integers(1, max_needs))
    n_offers = draw(st.integers(1, max_offers))
    mostly = st.sampled_from([kind, kind, kind, None])
    drawn_needs = [draw(needs(i, draw(mostly))) for i in range(1, n_needs + 1)]
    drawn_offers = [draw(offers(i, draw(mostly))) for i in range(1, n_offers + 1)]
    return drawn_needs, drawn_offers


def _in_sector(sector: int, rng: random.Random) -> dict[str, Any]:
    """Offers sit at their sector's centroid; a few elsewhere, to test any coordinates."""
    if rng.random() < 0.05:
        return {
            "sector_id": sector,
            "latitude": 45.19 + rng.uniform(-0.06, 0.06),
            "longitude": 5.73 + rng.uniform(-0.08, 0.08),
        }
    latitude, longitude = sector_point(sector)
    return {"sector_id": sector, "latitude": latitude, "longitude": longitude}


def sector_point(sector: int) -> tuple[float, float]:
    """The centroid of district ``sector`` (1 to 40) of the large random city."""
    row, column = divmod(sector, 8)
    return 45.13 + 0.024 * row, 5.65 + 0.02 * column


def random_offer(rng: random.Random, offer_id: int) -> OfferFacts:
    """A random offer anywhere in the city, for comparisons and benchmarks at scale."""
    kind = rng.choice([HOUSING, HOUSING, DONATION, DONATION, DONATION, SKILL])
    start = TODAY + timedelta(days=rng.randint(-20, 40)) if rng.random() < 0.5 else None
    end = start + timedelta(days=rng.randint(0, 90)) if start and rng.random() < 0.5 else None
    households = rng.choice([1, 1, 1, 2]) if kind == HOUSING else 1
    min_stay = rng.choice([None, 1, 7, 30])
    max_stay = rng.choice([None, 30, 90, 365]) if kind == HOUSING else None
    return OfferFacts(
        id=offer_id,
        kind=kind,
        category_ids=frozenset() if kind == HOUSING else rng.choice(CATEGORY_PATHS[kind]),
        housing_type=rng.choice(HOUSING_TYPES) if kind == HOUSING else "",
        beds=rng.randint(1, 6) if kind == HOUSING else 0,
        households_at_once=households,
        units=households if kind == HOUSING else rng.randint(1, 5),
        household_types=frozenset(rng.sample(HOUSEHOLD_TYPES, rng.randint(1, 4)))
        if kind == HOUSING
        else frozenset(),
        available_from=start,
        available_until=end,
        min_stay_nights=min_stay if kind == HOUSING else None,
        max_stay_nights=max_stay,
        step_free=rng.random() < 0.3,
        pets=kind == HOUSING and rng.random() < 0.3,
        languages=frozenset(rng.sample(LANGUAGES, rng.randint(0, 3))),
        **_in_sector(rng.randint(1, 40), rng),
        waiting_since=NOW - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 23)),
        pending_proposals=rng.choice([0, 0, 0, 1, 2, 5]),
        language_required=kind == SKILL and rng.random() < 0.4,
        place_key=f"host-{rng.randint(1, 60)}" if kind == HOUSING and rng.random() < 0.3 else "",
    )


def random_need(rng: random.Random, need_id: int) -> NeedFacts:
    kind = rng.choice([HOUSING, HOUSING, DONATION, DONATION, DONATION, SKILL])
    located = rng.random() < 0.9
    start = TODAY + timedelta(days=rng.randint(-3, 30)) if rng.random() < 0.7 else None
    end = start + timedelta(days=rng.randint(1, 120)) if start and rng.random() < 0.6 else None
    start, end = need_period(start, end, TODAY)
    categories = [None, 1, 2, 3, 4] if kind == DONATION else [None, 10, 11, 12]
    sectors = frozenset(rng.sample(range(1, 41), rng.randint(0, 3)))
    elsewhere = ((45.19 + rng.uniform(-0.06, 0.06), 5.73 + rng.uniform(-0.08, 0.08)),)
    places = tuple(sector_point(s) for s in sorted(sectors)) or elsewhere
    return NeedFacts(
        id=need_id,
        kind=kind,
        category_id=None if kind == HOUSING else rng.choice(categories),
        housing_types=frozenset(rng.sample(HOUSING_TYPES, rng.randint(0, 2))),
        household_size=rng.choice([1, 1, 1, 2, 2, 3, 4, 5]),
        household_type=rng.choice(HOUSEHOLD_TYPES[:4]),
        units=rng.randint(1, 4) if kind == DONATION else 1,
        step_free=rng.random() < 0.1,
        no_pets=rng.random() < 0.2,
        languages=frozenset(rng.sample(LANGUAGES, rng.randint(0, 2))),
        wanted_from=start,
        wanted_until=end,
        sector_ids=sectors,
        places=places if located else (),
        max_distance_km=rng.choice([None, None, 3, 5, 10]),
        urgency=rng.choice([CRITICAL, HIGH, NORMAL, NORMAL, NORMAL]),
        opened_at=NOW - timedelta(days=rng.randint(0, 60)),
        min_cover_nights=rng.choice([0, 7, 30]) if kind == HOUSING else 0,
        places_preferred=bool(sectors),
    )


@st.composite
def scarce_rooms(draw: st.DrawFn) -> tuple[list[NeedFacts], list[OfferFacts]]:
    """Many critical households for few rooms, step-free access and women-only rooms
    scarce, some rooms at one address, and a few goods wanted in quantity: the traps of a
    pruned solver."""
    n_offers = draw(st.integers(2, 7))
    n_needs = draw(st.integers(n_offers, n_offers + 4))
    rooms = []
    for i in range(1, n_offers + 1):
        base = draw(offers(i, HOUSING))
        rooms.append(
            replace(
                base,
                available_from=None,
                available_until=None,
                min_stay_nights=None,
                max_stay_nights=None,
                step_free=draw(RARELY),
                pets=False,
                place_key=draw(st.sampled_from(["", "", "a"])),
            )
        )
    wanted = []
    for i in range(1, n_needs + 1):
        base = draw(needs(i, HOUSING))
        wanted.append(
            replace(
                base,
                urgency=draw(st.sampled_from([CRITICAL, CRITICAL, HIGH, NORMAL])),
                household_size=draw(st.integers(1, 4)),
                household_type=draw(st.sampled_from(HOUSEHOLD_TYPES[:4])),
                min_cover_nights=0,
                max_distance_km=None,
            )
        )
    goods = [
        replace(draw(offers(100 + i, DONATION)), available_from=None, available_until=None)
        for i in range(draw(st.integers(0, 2)))
    ]
    asked = [
        replace(
            draw(needs(100 + i, DONATION)),
            urgency=CRITICAL,
            units=draw(st.integers(1, 4)),
            max_distance_km=None,
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    return wanted + asked, rooms + goods
