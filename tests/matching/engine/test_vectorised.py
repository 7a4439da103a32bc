from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given

from matching.engine.constraints import violations
from matching.engine.facts import NeedFacts, OfferFacts
from matching.engine.scoring import Weights, score
from matching.engine.vectorised import OfferIndex, candidate_edges, candidates, top_candidates
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


def reference(need_facts: NeedFacts, offers: list[OfferFacts]) -> dict[int, float]:
    """Every compatible offer and its score, pair by pair."""
    return {
        o.id: score(need_facts, o, weights=WEIGHTS, today=TODAY).total
        for o in offers
        if not violations(need_facts, o)
    }


def assert_same_as_reference(
    need_facts: NeedFacts, offers: list[OfferFacts], index: OfferIndex
) -> None:
    ids, scores = candidates(index, need_facts, WEIGHTS, TODAY)
    expected = reference(need_facts, offers)
    found = dict(zip(ids.tolist(), scores.tolist(), strict=True))
    assert len(found) == len(ids)
    assert found.keys() == expected.keys()
    for offer_id, total in expected.items():
        assert found[offer_id] == pytest.approx(total, rel=0, abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_gives_the_reference_feasible_set_and_scores(seed: int) -> None:
    rng = random.Random(seed)
    offers = [random_offer(rng, i) for i in range(1, 1501)]
    index = OfferIndex.build(offers)
    for need_id in range(1, 101):
        assert_same_as_reference(random_need(rng, need_id), offers, index)


@ENGINE
@given(instance=instances(max_needs=4, max_offers=12))
def test_vectorised_agrees_with_the_reference_on_generated_instances(
    instance: tuple[list[NeedFacts], list[OfferFacts]],
) -> None:
    needs, offers = instance
    index = OfferIndex.build(offers)
    for need_facts in needs:
        assert_same_as_reference(need_facts, offers, index)
        for offer_id, _total in top_candidates(index, need_facts, 3, WEIGHTS, TODAY):
            assert violations(need_facts, offers[offer_id - 1]) == ()


def test_top_candidates_are_the_best_k_best_first_ties_by_id() -> None:
    # Loaded in reverse, and offers 2 and 3 tie (one pending proposal each).
    offers = [offer(id=i, pending_proposals=i // 2) for i in range(7, 0, -1)]
    index = OfferIndex.build(offers)
    top = top_candidates(index, need(), 3, WEIGHTS, TODAY)
    assert [offer_id for offer_id, _ in top] == [1, 2, 3]
    assert top[0][1] > top[1][1] == top[2][1]
    assert top_candidates(index, need(), 0, WEIGHTS, TODAY) == []
    assert len(top_candidates(index, need(), 50, WEIGHTS, TODAY)) == 7


def test_an_empty_index_has_no_candidates() -> None:
    assert top_candidates(OfferIndex.build([]), need(), 10, WEIGHTS, TODAY) == []


def test_candidate_edges_are_the_same_with_worker_processes() -> None:
    rng = random.Random(7)
    offers = [random_offer(rng, i) for i in range(1, 301)]
    needs = [random_need(rng, i) for i in range(1, 41)]
    index = OfferIndex.build(offers)
    alone = candidate_edges(index, needs, 5, WEIGHTS, TODAY)
    shared = candidate_edges(index, needs, 5, WEIGHTS, TODAY, processes=2)
    assert sorted(alone) == sorted(shared)


def test_excluded_offers_are_left_out() -> None:
    index = OfferIndex.build([offer(id=i) for i in (1, 2, 3)])
    kept = top_candidates(index, need(), 5, WEIGHTS, TODAY, excluded=np.array([2]))
    assert [offer_id for offer_id, _ in kept] == [1, 3]
