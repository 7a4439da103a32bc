from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.engine.batch import (
    Assignment,
    assign,
    assign_in_rounds,
    exact,
    feasible_edges,
    greedy,
)
from matching.engine.constraints import violations
from matching.engine.facts import CRITICAL, DONATION, HOUSING, Edge, NeedFacts, OfferFacts
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
)

WEIGHTS = Weights()
Instance = tuple[list[NeedFacts], list[OfferFacts]]
# Scores are solved as integers (x1000): the optimum may lose half a thousandth per unit.
ROUNDING = 0.0005


def edges_of(instance: Instance) -> list[Edge]:
    return feasible_edges(instance[0], instance[1], weights=WEIGHTS, today=TODAY)


def assert_valid(result: Assignment, needs: list[NeedFacts], offers: list[OfferFacts]) -> None:
    """Hard constraints hold and no capacity or quantity is exceeded."""
    need_by_id, offer_by_id = {n.id: n for n in needs}, {o.id: o for o in offers}
    to_need, from_offer = Counter[int](), Counter[int]()
    for allocation in result.allocations:
        need_facts, offer_facts = need_by_id[allocation.need_id], offer_by_id[allocation.offer_id]
        assert violations(need_facts, offer_facts) == ()
        assert allocation.units >= 1
        assert_safe(need_facts, offer_facts)
        to_need[need_facts.id] += allocation.units
        from_offer[offer_facts.id] += allocation.units
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


def units(result: Assignment) -> int:
    return sum(a.units for a in result.allocations)


def tolerance(result: Assignment) -> float:
    return ROUNDING * max(units(result), 1) * 2


def brute_force(
    needs: list[NeedFacts], offers: list[OfferFacts], edges: list[Edge]
) -> tuple[int, float]:
    """The best (critical units, total score) by trying every flow on every edge."""
    need_left = {n.id: n.units for n in needs}
    offer_left = {o.id: o.units for o in offers}
    critical = {n.id for n in needs if n.urgency == CRITICAL}
    best = (0, 0.0)

    def explore(i: int, covered: int, total: float) -> None:
        nonlocal best
        if i == len(edges):
            best = max(best, (covered, total))
            return
        edge = edges[i]
        for amount in range(min(need_left[edge.need_id], offer_left[edge.offer_id]) + 1):
            need_left[edge.need_id] -= amount
            offer_left[edge.offer_id] -= amount
            gained = amount if edge.need_id in critical else 0
            explore(i + 1, covered + gained, total + amount * edge.score)
            need_left[edge.need_id] += amount
            offer_left[edge.offer_id] += amount

    explore(0, 0, 0.0)
    return best


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
    assert best.critical_units >= baseline.critical_units
    if best.critical_units == baseline.critical_units:
        assert best.total_score >= baseline.total_score - tolerance(best)


@ENGINE
@given(instance=instances(max_needs=8, max_offers=8))
def test_assign_over_all_feasible_edges_is_exact(instance: Instance) -> None:
    needs, offers = instance
    best, optimum = assign(needs, offers, edges_of(instance)), exact(needs, offers, today=TODAY)
    assert_valid(optimum, needs, offers)
    assert best.critical_units == optimum.critical_units
    assert best.total_score == pytest.approx(optimum.total_score, abs=tolerance(optimum))


@ENGINE
@given(instance=instances(max_needs=5, max_offers=5))
def test_assign_finds_the_brute_force_optimum_on_tiny_instances(instance: Instance) -> None:
    needs, offers = instance
    edges = edges_of(instance)[:7]  # keeps the enumeration small
    result = assign(needs, offers, edges)
    covered, total = brute_force(needs, offers, edges)
    assert result.critical_units == covered
    assert result.total_score == pytest.approx(total, abs=tolerance(result))


def test_a_critical_need_is_covered_even_at_the_cost_of_total_score() -> None:
    # One bed; the normal need pairs far better, but the critical one must come first.
    critical, normal = need(id=1, urgency=CRITICAL), need(id=2)
    edges = [Edge(1, 1, 5.0), Edge(2, 1, 90.0)]
    result = assign([critical, normal], [offer()], edges)
    assert [(a.need_id, a.offer_id, a.units) for a in result.allocations] == [(1, 1, 1)]
    assert (result.critical_units, result.critical_needs_covered) == (1, 1)
    assert result.total_score == 5.0


def test_goods_are_split_across_needs_until_the_quantity_is_used_up() -> None:
    blankets = offer(kind=DONATION, category_ids=frozenset({1}), units=5)
    wanted = [need(id=i, kind=DONATION, category_id=1, units=3) for i in (1, 2)]
    edges = [Edge(1, 1, 50.0), Edge(2, 1, 40.0)]
    result = assign(wanted, [blankets], edges)
    assert sorted((a.need_id, a.units) for a in result.allocations) == [(1, 3), (2, 2)]
    assert result.total_score == 3 * 50.0 + 2 * 40.0


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
    assert result.objective >= assign(needs, offers, edges[: len(needs) * 3]).objective
