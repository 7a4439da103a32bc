from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given

from matching.engine.constraints import RULES, combination_violations, compatible, violations
from matching.engine.facts import (
    DONATION,
    HOUSING,
    SKILL,
    NeedFacts,
    OfferFacts,
    min_cover_nights,
    need_period,
)
from tests.matching.engine.facts_builders import (
    ENGINE,
    SECTORS,
    TODAY,
    need,
    needs,
    offer,
    offers,
)


def test_a_compatible_pair_has_no_violation() -> None:
    assert violations(need(), offer()) == ()


def test_a_family_of_five_never_gets_a_room_for_two() -> None:
    family = need(household_size=5, household_type="family")
    assert violations(family, offer(beds=2)) == ("beds",)


def test_an_offer_hosting_two_households_at_once_counts_each_households_share_of_beds() -> None:
    couple = need(household_size=2, household_type="couple")
    assert compatible(couple, offer(beds=4, households_at_once=2, units=2))
    assert violations(couple, offer(beds=3, households_at_once=2, units=2)) == ("beds",)


def test_a_women_only_room_never_goes_to_a_single_man() -> None:
    women_only = offer(household_types=frozenset({"woman_alone"}))
    assert violations(need(household_type="single_adult"), women_only) == ("household_type",)
    assert compatible(need(household_type="woman_alone"), women_only)


def test_a_need_without_household_type_gets_no_housing() -> None:
    assert violations(need(household_type=""), offer()) == ("household_type",)


def test_a_clothing_need_accepts_childrens_clothing_but_not_the_reverse() -> None:
    clothing, childrens = 1, 2
    childrens_offer = offer(kind=DONATION, category_ids=frozenset({clothing, childrens}))
    generic_offer = offer(kind=DONATION, category_ids=frozenset({clothing}))
    assert compatible(need(kind=DONATION, category_id=clothing), childrens_offer)
    assert violations(need(kind=DONATION, category_id=childrens), generic_offer) == ("category",)


def test_kinds_must_match() -> None:
    assert "kind" in violations(need(kind=DONATION, category_id=1), offer())


def test_the_housing_type_must_be_one_the_need_lists() -> None:
    wants_dwelling = need(housing_types=frozenset({"dwelling"}))
    assert violations(wants_dwelling, offer(housing_type="room")) == ("housing_type",)
    assert compatible(need(housing_types=frozenset()), offer(housing_type="room"))


def test_step_free_access_and_no_pets_are_hard_requirements() -> None:
    assert violations(need(step_free=True), offer(step_free=False)) == ("step_free",)
    assert violations(need(no_pets=True), offer(pets=True)) == ("pets",)
    assert compatible(need(no_pets=False), offer(pets=True))


def test_disjoint_periods_are_rejected_and_open_ends_overlap_everything() -> None:
    later = need(wanted_from=TODAY + timedelta(days=30))
    assert violations(later, offer(available_until=TODAY + timedelta(days=10))) == ("dates",)
    earlier = need(wanted_until=TODAY + timedelta(days=5))
    assert violations(earlier, offer(available_from=TODAY + timedelta(days=6))) == ("dates",)
    assert compatible(need(wanted_from=TODAY + timedelta(days=300)), offer())


def test_the_wanted_stay_must_fit_the_hosts_shortest_and_longest_stay() -> None:
    ten_nights = need(wanted_from=TODAY, wanted_until=TODAY + timedelta(days=10))
    assert violations(ten_nights, offer(min_stay_nights=30)) == ("stay_length",)
    assert violations(ten_nights, offer(max_stay_nights=7)) == ("stay_length",)
    assert compatible(ten_nights, offer(min_stay_nights=10, max_stay_nights=10))
    assert compatible(need(wanted_from=TODAY), offer(max_stay_nights=7))


def test_no_pets_is_a_field_on_the_need_that_refuses_hosts_with_pets() -> None:
    allergic = need(no_pets=True)
    assert violations(allergic, offer(pets=True)) == ("pets",)
    assert compatible(allergic, offer(pets=False))


def at(sector: int) -> OfferFacts:
    return offer(sector_id=sector, latitude=SECTORS[sector][0], longitude=SECTORS[sector][1])


def test_the_maximum_distance_is_measured_between_district_centroids() -> None:
    # Districts 1 and 5 are about 5 km apart.
    assert violations(need(max_distance_km=2), at(5)) == ("distance",)
    assert compatible(need(max_distance_km=10), at(5))


def test_the_distance_is_to_the_nearest_preferred_district_not_to_their_centre() -> None:
    # Districts 4 and 5 are about 6 km apart: an offer in either is 0 km from the need,
    # whereas one at their midpoint, some 3.2 km from each, is beyond a 3 km limit.
    both = need(sector_ids=frozenset({4, 5}), places=(SECTORS[4], SECTORS[5]), max_distance_km=3)
    assert compatible(both, at(4))
    assert compatible(both, at(5))
    midpoint = ((SECTORS[4][0] + SECTORS[5][0]) / 2, (SECTORS[4][1] + SECTORS[5][1]) / 2)
    between = offer(sector_id=9, latitude=midpoint[0], longitude=midpoint[1])
    assert violations(both, between) == ("distance",)


def test_a_maximum_distance_without_a_location_matches_nothing_rather_than_everything() -> None:
    lost = need(places=(), sector_ids=frozenset(), max_distance_km=1)
    assert violations(lost, at(1)) == ("distance",)
    assert compatible(need(places=(), sector_ids=frozenset()), at(5))


def test_an_offer_whose_end_date_has_passed_never_matches() -> None:
    # wanted_from is never before today (facts.need_period), so yesterday's end is past.
    assert violations(need(), offer(available_until=TODAY - timedelta(days=1))) == ("dates",)
    assert compatible(need(), offer(available_until=TODAY + timedelta(days=400)))


def test_an_open_start_is_today() -> None:
    start, until = need_period(None, None, TODAY)
    assert (start, until) == (TODAY, None)
    past = TODAY - timedelta(days=10)
    assert need_period(past, TODAY + timedelta(days=5), TODAY) == (TODAY, TODAY + timedelta(5))
    later = TODAY + timedelta(days=3)
    assert need_period(later, None, TODAY) == (later, None)


def test_housing_must_cover_enough_of_the_remaining_wanted_period() -> None:
    # Six months wanted, at least 30 nights (the lesser of half the period and 30 nights).
    six_months = need(wanted_until=TODAY + timedelta(days=180), min_cover_nights=30)
    assert violations(six_months, offer(available_until=TODAY + timedelta(days=3))) == ("cover",)
    assert compatible(six_months, offer(available_until=TODAY + timedelta(days=30)))
    late = offer(available_from=TODAY + timedelta(days=160))
    assert violations(six_months, late) == ("cover",)
    assert compatible(six_months, offer())


def test_the_cover_asked_is_a_share_of_the_period_or_a_number_of_nights_whichever_is_less() -> None:
    ten_nights = TODAY + timedelta(days=10)
    assert min_cover_nights(HOUSING, TODAY, ten_nights, share=0.5, nights=30) == 5
    year = TODAY + timedelta(days=365)
    assert min_cover_nights(HOUSING, TODAY, year, share=0.5, nights=30) == 30
    assert min_cover_nights(HOUSING, TODAY, None, share=0.5, nights=30) == 30
    assert min_cover_nights(DONATION, TODAY, year, share=0.5, nights=30) == 0


def test_interpreting_and_sponsorship_must_share_a_language_with_the_need() -> None:
    interpreter = offer(kind=SKILL, category_ids=frozenset({12}), languages=frozenset({"ar", "fr"}),
                        language_required=True)  # fmt: skip
    tigrinya = need(kind=SKILL, category_id=12, languages=frozenset({"ti"}))
    assert violations(tigrinya, interpreter) == ("languages",)
    assert compatible(need(kind=SKILL, category_id=12, languages=frozenset({"ar"})), interpreter)
    lessons = offer(kind=SKILL, category_ids=frozenset({10}), languages=frozenset({"fr"}))
    assert compatible(need(kind=SKILL, category_id=10, languages=frozenset({"ti"})), lessons)


def test_nothing_is_matched_without_units() -> None:
    assert violations(need(), offer(units=0)) == ("units",)


def test_rules_have_unique_names() -> None:
    names = [name for name, _rule in RULES]
    assert len(names) == len(set(names))


@ENGINE
@given(need_facts=needs(), offer_facts=offers())
def test_compatible_pairs_respect_the_safety_rules(
    need_facts: NeedFacts, offer_facts: OfferFacts
) -> None:
    if not compatible(need_facts, offer_facts):
        assert violations(need_facts, offer_facts)
        return
    assert violations(need_facts, offer_facts) == ()
    if need_facts.kind == "housing":
        assert offer_facts.beds >= need_facts.household_size
        assert need_facts.household_type in offer_facts.household_types
    if offer_facts.available_until and need_facts.wanted_from:
        assert offer_facts.available_until >= need_facts.wanted_from
    if need_facts.wanted_until and offer_facts.available_from:
        assert need_facts.wanted_until >= offer_facts.available_from
    if offer_facts.available_until:
        assert offer_facts.available_until >= TODAY
    if need_facts.no_pets:
        assert not offer_facts.pets
    if offer_facts.language_required:
        assert need_facts.languages & offer_facts.languages
    if need_facts.max_distance_km is not None:
        assert need_facts.places


# --- Fiche 7: unaccompanied minors, only through an accredited organisation ----------


def test_a_minor_is_never_placed_through_an_organisation_without_accreditation() -> None:
    minor = need(household_type="minor", minors_accredited=False)
    assert "minors" in violations(minor, offer(household_types=frozenset({"minor"})))


def test_a_minor_of_an_accredited_organisation_goes_only_to_hosts_who_accepted_minors() -> None:
    minor = need(household_type="minor", minors_accredited=True)
    assert violations(minor, offer(household_types=frozenset({"minor"}))) == ()
    refused = violations(minor, offer(household_types=frozenset({"single_adult", "family"})))
    assert {"household_type", "minors"} <= set(refused)


def test_the_accreditation_rule_holds_for_every_kind_of_help() -> None:
    lessons = need(kind="skill", category_id=10, household_type="minor", minors_accredited=False)
    teacher = offer(kind="skill", category_ids=frozenset({10}), household_types=frozenset())
    assert violations(lessons, teacher) == ("minors",)
    assert violations(replace(lessons, minors_accredited=True), teacher) == ()


def test_adults_are_not_concerned_by_the_minors_rule() -> None:
    assert violations(need(minors_accredited=False), offer()) == ()


@ENGINE
@given(need_facts=needs(), offer_facts=offers())
def test_property_no_minor_is_ever_matched_outside_an_accredited_organisation(
    need_facts: NeedFacts, offer_facts: OfferFacts
) -> None:
    minor = replace(need_facts, household_type="minor")
    if compatible(minor, offer_facts):
        assert minor.minors_accredited
        if minor.kind == "housing":
            assert "minor" in offer_facts.household_types
    if not minor.minors_accredited:
        assert "minors" in violations(minor, offer_facts)


def test_a_household_never_goes_back_to_an_offer_where_its_stay_broke_down() -> None:
    assert violations(need(excluded_offer_ids=frozenset({1})), offer(id=1)) == ("broken_down",)
    assert violations(need(excluded_offer_ids=frozenset({1})), offer(id=2)) == ()


def test_two_rooms_at_one_address_together_house_a_family_only_when_each_is_too_small() -> None:
    family = need(id=1, household_size=5, household_type="family")
    first = offer(id=1, beds=3, place_key="12 rue des Lilas")
    second = offer(id=2, beds=2, place_key="12 rue des Lilas")
    assert combination_violations(family, [first, second]) == ()
    elsewhere = replace(second, place_key="3 place Verdun")
    assert combination_violations(family, [first, elsewhere]) == ("place",)
    assert combination_violations(family, [first, replace(second, beds=1)]) == ("beds",)
    big_enough = replace(first, beds=5)
    assert combination_violations(family, [big_enough, second]) == ("alone_enough",)
    no_children = replace(second, household_types=frozenset({"couple"}))
    assert combination_violations(family, [first, no_children]) == ("household_type",)
    alone = replace(family, household_size=1)
    assert "combination" in combination_violations(alone, [first, second])
