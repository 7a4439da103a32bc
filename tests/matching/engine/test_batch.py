from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.engine.batch import (
    Assignment,
    Combination,
    assign,
    assign_in_rounds,
    combinations_for,
    feasible_edges,
    greedy,
    plan,
)
from matching.engine.constraints import violations
from matching.engine.facts import (
    CRITICAL,
    DONATION,
    HIGH,
    HOUSING,
    Edge,
    NeedFacts,
    OfferFacts,
)
from matching.engine.reference import lexicographic_optimum
from matching.engine.scoring import Weights
from matching.engine.vectorised import OfferIndex
from tests.matching.engine.facts_builders import (
    ENGINE,
    TODAY,
    instances,
    need,
    offer,
    random_need,
    random_offer,
    scarce_rooms,
)

WEIGHTS = Weights()
Instance = tuple[list[NeedFacts], list[OfferFacts]]
# Scores are solved as integers (x1000): the optimum may lose half a thousandth per unit.
ROUNDING = 0.0005


def edges_of(instance: Instance) -> list[Edge]:
    return feasible_edges(instance[0], instance[1], weights=WEIGHTS, today=TODAY)


def combinations_of(instance: Instance, edges: list[Edge]) -> list[Combination]:
    """Combinations for the households no single offer can take."""
    served = {edge.need_id for edge in edges}
    return [
        bundle
        for need_facts in instance[0]
        if need_facts.id not in served
        for bundle in combinations_for(need_facts, instance[1], weights=WEIGHTS, today=TODAY)
    ]


def assert_valid(result: Assignment, needs: list[NeedFacts], offers: list[OfferFacts]) -> None:
    """Hard constraints hold and no capacity or quantity is exceeded."""
    need_by_id, offer_by_id = {n.id: n for n in needs}, {o.id: o for o in offers}
    to_need, from_offer = Counter[int](), Counter[int]()
    for allocation in result.allocations:
        need_facts, offer_facts = need_by_id[allocation.need_id], offer_by_id[allocation.offer_id]
        assert allocation.units >= 1
        from_offer[offer_facts.id] += allocation.units
        if allocation.combination is not None:  # each too small alone, never otherwise
            assert violations(need_facts, offer_facts) == ("beds",)
            together = sum(offer_by_id[i].beds_per_household for i in allocation.combination)
            assert together >= need_facts.household_size
            to_need[need_facts.id] += need_facts.units if (
                allocation.offer_id == allocation.combination[0]) else 0  # fmt: skip
            continue
        assert violations(need_facts, offer_facts) == ()
        assert_safe(need_facts, offer_facts)
        to_need[need_facts.id] += allocation.units
    assert all(units <= need_by_id[i].units for i, units in to_need.items())
    assert all(units <= offer_by_id[i].units for i, units in from_offer.items())


def assert_safe(need_facts: NeedFacts, offer_facts: OfferFacts) -> None:
    """The rules that must never break, spelled out rather than trusted to ``violations``."""
    if need_facts.kind == HOUSING:
        assert offer_facts.beds >= need_facts.household_size  # no family of five in a room for two
        assert need_facts.household_type in offer_facts.household_types  # women-only stays so
    if need_facts.household_type == "minor":  # fiche 7: an accredited organisation only
        assert need_facts.minors_accredited
    assert offer_facts.id not in need_facts.excluded_offer_ids  # never back where it broke down
    if offer_facts.available_until and need_facts.wanted_from:
        assert offer_facts.available_until >= need_facts.wanted_from
    if need_facts.wanted_until and offer_facts.available_from:
        assert need_facts.wanted_until >= offer_facts.available_from
    if offer_facts.available_until:  # nothing past its end date
        assert offer_facts.available_until >= TODAY
    if need_facts.no_pets:
        assert not offer_facts.pets
    if offer_facts.language_required:
        assert need_facts.languages & offer_facts.languages
    if need_facts.step_free and need_facts.kind == HOUSING:
        assert offer_facts.step_free
    if need_facts.max_distance_km is not None:
        assert need_facts.places


def units(result: Assignment) -> int:
    return sum(a.units for a in result.allocations)


def tolerance(result: Assignment) -> float:
    return ROUNDING * max(units(result), 1) * 2


def brute_force(
    needs: list[NeedFacts], offers: list[OfferFacts], edges: list[Edge]
) -> tuple[int, int, int, float]:
    """The best of the four figures by trying every flow on every edge."""
    need_by_id = {n.id: n for n in needs}
    need_left = {n.id: n.units for n in needs}
    offer_left = {o.id: o.units for o in offers}
    given = Counter[int]()
    best = (0, 0, 0, 0.0)

    def figures(total: float) -> tuple[int, int, int, float]:
        full = {i for i, units in given.items() if units >= need_by_id[i].units}
        return (
            sum(need_by_id[i].urgency == CRITICAL for i in full),
            sum(u for i, u in given.items() if need_by_id[i].urgency == CRITICAL),
            sum(need_by_id[i].urgency == HIGH for i in full),
            total,
        )

    def explore(i: int, total: float) -> None:
        nonlocal best
        if i == len(edges):
            best = max(best, figures(total))
            return
        edge = edges[i]
        for amount in range(min(need_left[edge.need_id], offer_left[edge.offer_id]) + 1):
            need_left[edge.need_id] -= amount
            offer_left[edge.offer_id] -= amount
            given[edge.need_id] += amount
            explore(i + 1, total + amount * edge.score)
            given[edge.need_id] -= amount
            need_left[edge.need_id] += amount
            offer_left[edge.offer_id] += amount

    explore(0, 0.0)
    return best


def reference(needs: list[NeedFacts], offers: list[OfferFacts]) -> tuple[int, int, int, float]:
    return lexicographic_optimum(needs, offers, weights=WEIGHTS, today=TODAY).objective


def assert_same_objective(result: Assignment, expected: tuple[int, int, int, float]) -> None:
    assert result.objective[:3] == expected[:3]
    assert result.total_score == pytest.approx(expected[3], abs=tolerance(result))


@ENGINE
@given(instance=instances(max_needs=8, max_offers=8), data=st.data())
def test_assign_respects_constraints_and_capacities_and_beats_greedy(
    instance: Instance, data: st.DataObject
) -> None:
    needs, offers = instance
    all_edges = edges_of(instance)
    edges = data.draw(
        st.lists(st.sampled_from(all_edges), unique=True) if all_edges else st.just([])
    )
    best, baseline = assign(needs, offers, edges), greedy(needs, offers, edges)
    assert_valid(best, needs, offers)
    assert_valid(baseline, needs, offers)
    assert best.objective[:3] >= baseline.objective[:3]
    if best.objective[:3] == baseline.objective[:3]:
        assert best.total_score >= baseline.total_score - tolerance(best)


@ENGINE
@given(instance=instances(max_needs=8, max_offers=8))
def test_assign_over_all_feasible_edges_equals_an_independent_exact_program(
    instance: Instance,
) -> None:
    # The reference enumerates pairs with the pure rules and solves its own program with
    # integer units: no candidate pruning, no flow, no column generation.
    needs, offers = instance
    edges = edges_of(instance)
    result = assign(needs, offers, edges, combinations=combinations_of(instance, edges))
    assert_valid(result, needs, offers)
    assert_same_objective(result, reference(needs, offers))


@ENGINE
@given(instance=instances(max_needs=5, max_offers=5))
def test_assign_finds_the_brute_force_optimum_on_tiny_instances(instance: Instance) -> None:
    needs, offers = instance
    edges = edges_of(instance)[:7]  # keeps the enumeration small
    result = assign(needs, offers, edges)
    expected = brute_force(needs, offers, edges)
    assert result.objective[:3] == expected[:3]
    assert result.total_score == pytest.approx(expected[3], abs=tolerance(result))


@ENGINE
@given(instance=scarce_rooms(), k=st.integers(1, 3))
def test_the_batch_serves_as_many_critical_households_as_the_full_graph_allows(
    instance: Instance, k: int
) -> None:
    # Few candidates per need, scarce rooms, many critical needs: the pruned plan must
    # still reach the full graph's maximum of critical households, then of their units.
    needs, offers = instance
    made = plan(OfferIndex.build(offers), needs, offers, k=k, weights=WEIGHTS, today=TODAY)
    assert_valid(made.assignment, needs, offers)
    best = reference(needs, offers)
    assert made.assignment.objective[:2] == best[:2]
    assert made.support.certified


@ENGINE
@given(instance=instances(max_needs=6, max_offers=8), k=st.integers(1, 2))
def test_the_batch_reaches_the_full_graphs_critical_optimum_on_any_kind(
    instance: Instance, k: int
) -> None:
    needs, offers = instance
    made = plan(OfferIndex.build(offers), needs, offers, k=k, weights=WEIGHTS, today=TODAY)
    assert_valid(made.assignment, needs, offers)
    assert made.assignment.objective[:2] == reference(needs, offers)[:2]


def test_pruning_never_costs_the_only_step_free_room_its_critical_woman() -> None:
    # 26 critical needs, 26 rooms, one step-free; everyone likes the step-free room best
    # (it waited longest), and each need only brings 25 candidates.
    rooms = [offer(id=i, waiting_since=offer().waiting_since - timedelta(days=i)) for i in
             range(1, 26)]  # fmt: skip
    step_free = offer(id=26, step_free=True, waiting_since=offer().waiting_since - timedelta(90))
    wanted = [need(id=i, urgency=CRITICAL) for i in range(1, 26)]
    wanted.append(need(id=26, urgency=CRITICAL, step_free=True, household_type="woman_alone"))
    offers = [*rooms, step_free]
    made = plan(OfferIndex.build(offers), wanted, offers, k=25, weights=WEIGHTS, today=TODAY)
    assert made.assignment.critical_needs_covered == 26
    assert (26, 26) in {(a.need_id, a.offer_id) for a in made.assignment.allocations}


def test_critical_first_counts_households_fully_served_then_units() -> None:
    # 10 blankets; one critical need of 10 and three of 3: three households, not one.
    blankets = offer(kind=DONATION, category_ids=frozenset({1}), units=10)
    big = need(id=1, kind=DONATION, category_id=1, units=10, urgency=CRITICAL)
    small = [need(id=i, kind=DONATION, category_id=1, units=3, urgency=CRITICAL) for i in (2, 3, 4)]
    edges = [Edge(1, 1, 90.0), *(Edge(i, 1, 10.0) for i in (2, 3, 4))]
    result = assign([big, *small], [blankets], edges)
    assert result.critical_needs_covered == 3
    assert result.critical_units == 10  # the tenth blanket still goes to the big need
    assert sorted((a.need_id, a.units) for a in result.allocations) == [(1, 1), (2, 3), (3, 3),
                                                                       (4, 3)]  # fmt: skip


def test_high_urgency_households_come_after_critical_ones_and_before_the_score() -> None:
    blankets = offer(kind=DONATION, category_ids=frozenset({1}), units=4)
    critical = need(id=1, kind=DONATION, category_id=1, units=2, urgency=CRITICAL)
    highs = [need(id=i, kind=DONATION, category_id=1, units=1, urgency=HIGH) for i in (2, 3)]
    normal = need(id=4, kind=DONATION, category_id=1, units=2)
    edges = [Edge(1, 1, 1.0), Edge(2, 1, 1.0), Edge(3, 1, 1.0), Edge(4, 1, 99.0)]
    result = assign([critical, *highs, normal], [blankets], edges)
    assert result.objective[:3] == (1, 2, 2)
    assert 4 not in {a.need_id for a in result.allocations}


def test_a_big_home_goes_to_the_family_that_fills_it_without_breaking_critical_first() -> None:
    seven_beds = offer(beds=7, housing_type="dwelling", step_free=True)
    couple = need(id=1, household_size=2, household_type="couple", urgency=CRITICAL)
    family = need(id=2, household_size=6, household_type="family", urgency=CRITICAL)
    normal_family = need(id=3, household_size=6, household_type="family")
    needs = [couple, family, normal_family]
    result = assign(needs, [seven_beds], feasible_edges(needs, [seven_beds], weights=WEIGHTS,
                                                          today=TODAY))  # fmt: skip
    assert [a.need_id for a in result.allocations] == [2]


def test_a_household_too_large_for_any_offer_gets_two_rooms_at_one_address() -> None:
    first = offer(id=1, beds=4, place_key="12 rue des Lilas")
    second = offer(id=2, beds=3, place_key="12 rue des Lilas")
    elsewhere = offer(id=3, beds=4, place_key="3 place Verdun")
    family = need(id=1, household_size=7, household_type="family", urgency=CRITICAL)
    found = combinations_for(family, [first, second, elsewhere], weights=WEIGHTS, today=TODAY)
    assert [c.offer_ids for c in found] == [(1, 2)]
    made = plan(OfferIndex.build([first, second, elsewhere]), [family], [first, second, elsewhere],
                k=5, weights=WEIGHTS, today=TODAY)  # fmt: skip
    allocations = made.assignment.allocations
    assert sorted(a.offer_id for a in allocations) == [1, 2]
    assert {a.combination for a in allocations} == {(1, 2)}
    assert made.assignment.critical_needs_covered == 1


def test_a_combination_holds_a_place_in_both_offers() -> None:
    first, second = offer(id=1, beds=4, place_key="a"), offer(id=2, beds=3, place_key="a")
    family = need(id=1, household_size=7, household_type="family")
    single = need(id=2)
    bundle = Combination(1, (1, 2), 50.0)
    result = assign([family, single], [first, second], [Edge(2, 1, 10.0), Edge(2, 2, 10.0)],
                    combinations=[bundle])  # fmt: skip
    assert {a.need_id for a in result.allocations} == {1}
    assert result.total_score == 50.0


def test_already_proposed_pairs_are_never_planned_the_need_gets_another_donor() -> None:
    # A need of 8 blankets whose donor A has 4 proposed already: the remaining 4 go to B.
    donor_a = offer(id=1, kind=DONATION, category_ids=frozenset({1}), units=6)
    donor_b = offer(id=2, kind=DONATION, category_ids=frozenset({1}), units=4, pending_proposals=3)
    left = need(id=1, kind=DONATION, category_id=1, units=4)
    made = plan(OfferIndex.build([donor_a, donor_b]), [left], [donor_a, donor_b], k=5,
                weights=WEIGHTS, today=TODAY, forbidden=frozenset({(1, 1)}))  # fmt: skip
    assert [(a.offer_id, a.units) for a in made.assignment.allocations] == [(2, 4)]


def test_a_critical_need_is_covered_even_at_the_cost_of_total_score() -> None:
    # One bed; the normal need pairs far better, but the critical one must come first.
    critical, normal = need(id=1, urgency=CRITICAL), need(id=2)
    edges = [Edge(1, 1, 5.0), Edge(2, 1, 90.0)]
    result = assign([critical, normal], [offer()], edges)
    assert [(a.need_id, a.offer_id, a.units) for a in result.allocations] == [(1, 1, 1)]
    assert (result.critical_units, result.critical_needs_covered) == (1, 1)
    assert result.total_score == pytest.approx(5.0)


def test_goods_are_split_across_needs_until_the_quantity_is_used_up() -> None:
    blankets = offer(kind=DONATION, category_ids=frozenset({1}), units=5)
    wanted = [need(id=i, kind=DONATION, category_id=1, units=3) for i in (1, 2)]
    edges = [Edge(1, 1, 50.0), Edge(2, 1, 40.0)]
    result = assign(wanted, [blankets], edges)
    assert sorted((a.need_id, a.units) for a in result.allocations) == [(1, 3), (2, 2)]
    assert result.total_score == pytest.approx(3 * 50.0 + 2 * 40.0)


def test_a_housing_offer_hosts_as_many_households_as_it_says() -> None:
    house = offer(beds=4, households_at_once=2, units=2)
    result = assign(
        [need(id=i) for i in (1, 2, 3)], [house], [Edge(i, 1, 10.0 + i) for i in (1, 2, 3)]
    )
    assert sorted(a.need_id for a in result.allocations) == [2, 3]


def test_edges_must_be_unique_known_and_non_negative() -> None:
    with pytest.raises(ValueError, match="more than one"):
        assign([need()], [offer()], [Edge(1, 1, 1.0), Edge(1, 1, 2.0)])
    with pytest.raises(ValueError, match="unknown"):
        assign([need()], [offer()], [Edge(1, 2, 1.0)])
    with pytest.raises(ValueError, match="negative"):
        assign([need()], [offer()], [Edge(1, 1, -1.0)])


def test_no_edges_means_an_empty_assignment() -> None:
    result = assign([need()], [offer()], [])
    assert result.allocations == ()
    assert result.total_score == 0


def test_a_second_round_serves_needs_whose_favourite_offer_is_taken() -> None:
    favourite = offer(id=1, pending_proposals=0)
    second_best = offer(id=2, pending_proposals=3)
    wanted = [need(id=1), need(id=2)]
    index = OfferIndex.build([favourite, second_best])
    kwargs: dict[str, Any] = {"k": 1, "weights": WEIGHTS, "today": TODAY}
    one_round, _ = assign_in_rounds(index, wanted, [favourite, second_best], rounds=1, **kwargs)
    two_rounds, edges = assign_in_rounds(index, wanted, [favourite, second_best], **kwargs)
    assert len(one_round.allocations) == 1
    assert sorted(a.offer_id for a in two_rounds.allocations) == [1, 2]
    assert len(edges) == 3


@pytest.mark.parametrize("seed", range(3))
def test_rounds_keep_every_constraint_and_capacity(seed: int) -> None:
    rng = random.Random(seed)
    offers = [random_offer(rng, i) for i in range(1, 201)]
    needs = [random_need(rng, i) for i in range(1, 301)]
    index = OfferIndex.build(offers)
    result, edges = assign_in_rounds(index, needs, offers, k=3, weights=WEIGHTS, today=TODAY)
    assert_valid(result, needs, offers)
    assert result.objective[:3] >= assign(needs, offers, edges[: len(needs) * 3]).objective[:3]
