"""Instances built to trap a pruned solver, for ``bench/matching.py`` (pure engine facts,
no database): the batch's plan against the independent exact optimum.

- scarce step-free rooms: many critical households for as many rooms, a few of them
  step-free and the favourite of everyone, a few critical households that need them;
- units against households: goods wanted in quantity, one big critical need scoring
  best against many small ones;
- large households: families larger than any single offer, rooms of one host at one
  address, big dwellings that couples also want.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from matching.engine.facts import CRITICAL, DONATION, HIGH, HOUSING, NORMAL, NeedFacts, OfferFacts

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HOUSEHOLDS = frozenset({"single_adult", "woman_alone", "couple", "family"})
POINT = (48.5734, 7.7521)


@dataclass(frozen=True)
class Trap:
    name: str
    needs: list[NeedFacts]
    offers: list[OfferFacts]


def _offer(i: int, **changes: object) -> OfferFacts:
    base = OfferFacts(
        id=i,
        kind=HOUSING,
        category_ids=frozenset(),
        housing_type="room",
        beds=2,
        households_at_once=1,
        units=1,
        household_types=HOUSEHOLDS,
        available_from=None,
        available_until=None,
        min_stay_nights=None,
        max_stay_nights=None,
        step_free=False,
        pets=False,
        languages=frozenset({"fr"}),
        sector_id=1,
        latitude=POINT[0],
        longitude=POINT[1],
        waiting_since=NOW - timedelta(days=10),
        pending_proposals=0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _need(i: int, **changes: object) -> NeedFacts:
    base = NeedFacts(
        id=i,
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
        places=(POINT,),
        max_distance_km=None,
        urgency=NORMAL,
        opened_at=NOW - timedelta(days=5),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def scarce_step_free(scale: int, rng: random.Random) -> Trap:
    """``26 × scale`` critical households and as many rooms; ``scale`` rooms step-free,
    waiting longest (everyone's favourites), ``scale`` women who need them; normal needs
    besides."""
    rooms = [
        _offer(
            i,
            waiting_since=NOW - timedelta(days=rng.randint(0, 30)),
            pending_proposals=rng.choice([0, 1, 2]),
        )
        for i in range(1, 25 * scale + 1)
    ]
    step_free = [
        _offer(25 * scale + i, step_free=True, waiting_since=NOW - timedelta(days=90))
        for i in range(1, scale + 1)
    ]
    needs = [
        _need(i, urgency=CRITICAL, opened_at=NOW - timedelta(days=rng.randint(0, 60)))
        for i in range(1, 25 * scale + 1)
    ]
    needs += [
        _need(25 * scale + i, urgency=CRITICAL, step_free=True, household_type="woman_alone")
        for i in range(1, scale + 1)
    ]
    needs += [_need(10_000 + i, urgency=rng.choice([HIGH, NORMAL])) for i in range(10 * scale)]
    return Trap("scarce step-free rooms", needs, rooms + step_free)


def units_against_households(scale: int, rng: random.Random) -> Trap:
    """Donors of 10 blankets; per donor one critical need of 10 (closer, so scoring best)
    and three critical needs of 3."""
    offers, needs = [], []
    for d in range(scale):
        offers.append(
            _offer(
                d + 1,
                kind=DONATION,
                category_ids=frozenset({1}),
                units=10,
                housing_type="",
                beds=0,
                household_types=frozenset(),
            )
        )
        needs.append(
            _need(
                4 * d + 1,
                kind=DONATION,
                category_id=1,
                units=10,
                urgency=CRITICAL,
                languages=frozenset({"fr", "ar"}),
            )
        )
        needs += [
            _need(
                4 * d + i,
                kind=DONATION,
                category_id=1,
                units=3,
                urgency=CRITICAL,
                opened_at=NOW - timedelta(days=rng.randint(0, 3)),
            )
            for i in (2, 3, 4)
        ]
    return Trap("units against households", needs, offers)


def large_households(scale: int, rng: random.Random) -> Trap:
    """Families of 6 and 7, couples, 7-bed dwellings, and pairs of rooms at one address."""
    offers, needs = [], []
    for s in range(scale):
        base = 10 * s
        offers.append(_offer(base + 1, beds=7, housing_type="dwelling"))
        offers.append(_offer(base + 2, beds=4, place_key=f"host-{s}"))
        offers.append(_offer(base + 3, beds=3, place_key=f"host-{s}"))
        offers.append(_offer(base + 4, beds=2))
        needs.append(
            _need(
                base + 1,
                household_size=2,
                household_type="couple",
                urgency=CRITICAL,
                opened_at=NOW - timedelta(days=rng.randint(30, 60)),
            )
        )
        needs.append(_need(base + 2, household_size=6, household_type="family", urgency=CRITICAL))
        needs.append(_need(base + 3, household_size=7, household_type="family", urgency=CRITICAL))
        needs.append(_need(base + 4, household_size=2, household_type="couple", urgency=HIGH))
    return Trap("large households", needs, offers)


def traps(scale: int, seed: int) -> list[Trap]:
    rng = random.Random(f"{seed}-traps")  # noqa: S311 (a benchmark, not cryptography)
    return [
        scarce_step_free(scale, rng),
        units_against_households(4 * scale, rng),
        large_households(3 * scale, rng),
    ]
