from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest
from hypothesis import given

from matching.engine.constraints import compatible, violations
from matching.engine.facts import (
    CRITICAL,
    DONATION,
    HIGH,
    NORMAL,
    NeedFacts,
    OfferFacts,
    need_period,
)
from matching.engine.geo import haversine_km
from matching.engine.scoring import IncompatiblePairError, Score, Weights, score, score_bound
from tests.matching.engine.facts_builders import (
    ENGINE,
    NOW,
    SECTORS,
    TODAY,
    need,
    needs,
    offer,
    offers,
    random_need,
    random_offer,
)

WEIGHTS = Weights()


def scored(need_facts: NeedFacts, offer_facts: OfferFacts) -> Score:
    return score(need_facts, offer_facts, weights=WEIGHTS, today=TODAY)


def points(need_facts: NeedFacts, offer_facts: OfferFacts, name: str) -> float:
    return scored(need_facts, offer_facts).criterion(name).points


def at(sector: int) -> OfferFacts:
    return offer(sector_id=sector, latitude=SECTORS[sector][0], longitude=SECTORS[sector][1])


def test_haversine_matches_a_known_distance() -> None:
    # Paris Notre-Dame to Lyon Fourvière: about 392 km.
    assert haversine_km(48.8530, 2.3499, 45.7623, 4.8222) == pytest.approx(392, abs=2)


def test_closer_offers_score_higher() -> None:
    away = need(sector_ids=frozenset())
    assert points(away, at(1), "distance") > points(away, at(2), "distance")
    assert points(away, at(2), "distance") > points(away, at(5), "distance")


def test_an_offer_in_a_preferred_district_gets_a_bonus() -> None:
    here = offer(sector_id=7)
    preferred = need(sector_ids=frozenset({7}))
    gap = points(preferred, here, "distance") - points(need(), here, "distance")
    assert gap == pytest.approx(WEIGHTS.preferred_sector)


def test_more_shared_languages_score_higher() -> None:
    spoken = ["fr", "ar", "uk"]
    host = offer(languages=frozenset(spoken))
    ranked = [points(need(languages=frozenset(spoken[:n])), host, "languages") for n in range(4)]
    assert ranked == sorted(ranked)
    assert len(set(ranked)) == 4


def test_covering_more_of_the_wanted_period_scores_higher() -> None:
    month = need(wanted_from=TODAY, wanted_until=TODAY + timedelta(days=30))
    whole = points(month, offer(), "dates")
    half = points(month, offer(available_until=TODAY + timedelta(days=15)), "dates")
    assert whole == pytest.approx(WEIGHTS.dates)
    assert half == pytest.approx(WEIGHTS.dates / 2)


def test_the_cover_counts_only_what_is_left_of_the_wanted_period() -> None:
    # Wanted since 30 days ago until 30 days from now: what is left starts today.
    start, until = need_period(TODAY - timedelta(days=30), TODAY + timedelta(days=30), TODAY)
    left = need(wanted_from=start, wanted_until=until)
    criterion = scored(left, offer(available_until=TODAY + timedelta(days=15))).criterion("dates")
    assert criterion.params["share"] == pytest.approx(0.5)
    assert criterion.params["of_nights"] == 30


def test_a_big_home_prefers_the_household_that_fills_it() -> None:
    seven_beds = offer(beds=7)
    family = need(household_size=6, household_type="family")
    couple = need(household_size=2, household_type="couple")
    assert points(family, seven_beds, "bed_fit") > points(couple, seven_beds, "bed_fit")
    assert scored(family, seven_beds).total > scored(couple, seven_beds).total
    assert points(need(household_size=2), offer(beds=2), "bed_fit") == WEIGHTS.bed_fit


def test_bed_fit_is_a_housing_criterion_only() -> None:
    goods = scored(need(kind=DONATION, category_id=1), offer(kind=DONATION, category_ids={1}))
    assert "bed_fit" not in [c.name for c in goods.criteria]


def test_the_distance_is_scored_to_the_nearest_preferred_district() -> None:
    both = need(sector_ids=frozenset({1, 5}), places=(SECTORS[1], SECTORS[5]))
    assert scored(both, at(5)).criterion("distance").params["km"] == pytest.approx(0.0)
    assert points(both, at(5), "distance") == pytest.approx(points(both, at(1), "distance"))


def test_an_offer_waits_since_its_publication_not_its_last_confirmation() -> None:
    published = offer(waiting_since=NOW - timedelta(days=131), confirmed_at=NOW - timedelta(3))
    criterion = scored(need(), published).criterion("offer_waiting")
    assert criterion.params == {"days": 131, "confirmed_days": 3}
    assert criterion.points == WEIGHTS.offer_waiting


def test_critical_beats_high_beats_normal() -> None:
    ranked = [points(need(urgency=u), offer(), "urgency") for u in (CRITICAL, HIGH, NORMAL)]
    assert ranked[0] > ranked[1] > ranked[2]


def test_offers_and_needs_waiting_longer_score_higher() -> None:
    old, new = offer(waiting_since=NOW - timedelta(days=40)), offer(waiting_since=NOW)
    assert points(need(), old, "offer_waiting") > points(need(), new, "offer_waiting")
    older = need(opened_at=NOW - timedelta(days=20))
    assert points(older, offer(), "need_waiting") > points(need(), offer(), "need_waiting")


def test_more_pending_proposals_score_lower() -> None:
    ranked = [points(need(), offer(pending_proposals=n), "pending") for n in range(4)]
    assert ranked == sorted(ranked, reverse=True)
    assert len(set(ranked)) == 4


def test_scoring_an_incompatible_pair_raises() -> None:
    with pytest.raises(IncompatiblePairError) as raised:
        scored(need(household_size=5), offer(beds=2))
    assert raised.value.violations == ("beds",)


def test_weights_come_from_settings_and_refuse_unknown_or_negative_values() -> None:
    assert Weights.from_mapping({"distance": "12"}).distance == 12.0
    with pytest.raises(ValueError, match="distnace"):
        Weights.from_mapping({"distnace": 1})
    with pytest.raises(ValueError, match="languages"):
        Weights(languages=-1)
    with pytest.raises(ValueError, match="distance_half_km"):
        Weights(distance_half_km=0)


@ENGINE
@given(need_facts=needs(), offer_facts=offers())
def test_a_score_is_its_criteria_within_their_bounds(
    need_facts: NeedFacts, offer_facts: OfferFacts
) -> None:
    if not compatible(need_facts, offer_facts):
        return
    result = scored(need_facts, offer_facts)
    assert math.fsum(c.points for c in result.criteria) == pytest.approx(result.total)
    assert all(0 <= c.points <= c.max_points + 1e-12 for c in result.criteria)
    assert 0 <= result.total <= WEIGHTS.max_total() + 1e-9
    assert scored(need_facts, offer_facts) == result


def test_the_score_bound_is_never_below_the_score_and_is_the_score_when_nothing_is_left_out() -> (
    None
):
    """``score_bound`` leaves out the pending proposals only: with none pending, it is
    the score itself."""
    rng = random.Random(2026)
    weights, exact, compared = Weights(), 0, 0
    for n in range(4000):
        wanted, given = random_need(rng, n), random_offer(rng, n)
        if wanted.kind != given.kind or violations(wanted, given):
            continue
        total = score(wanted, given, weights=weights, today=TODAY).total
        bound = score_bound(wanted, given, weights=weights, today=TODAY)
        assert total <= bound + 1e-9
        compared += 1
        if given.pending_proposals == 0:
            assert bound == pytest.approx(total, abs=1e-9)
            exact += 1
    assert compared >= 200
    assert exact >= 50
