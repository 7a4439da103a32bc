"""The city-wide batch assignment, as a min-cost flow solved by OR-Tools.

Network: source → need (capacity: the need's units) → offer (one arc per candidate edge,
capacity min(need units, offer units), cost −score per unit) → sink (capacity: the
offer's units), plus a zero-cost source → sink bypass so that every unit may stay
unassigned: nothing forces a poor match, and a unit only flows through a pair when that
lowers the cost. Units are households for housing (an offer hosts ``households_at_once``
of them), quantities for goods (split across needs freely) and people for skills.

Objective, lexicographic: cover as many critical units as possible, then maximise the
total score. Both come from one cost with a big-M bonus per unit on arcs out of critical
needs, with M > (score-carrying arcs on any simple cycle) × (largest integer score).
Why that M suffices: if a flow covered fewer critical units than possible, the difference
with a better flow splits into residual cycles, one of which gains at least one critical
unit (−M) while changing ordinary scores by less than M: a negative cycle, so the flow
was not of minimum cost. A simple cycle alternates needs and offers, so it holds at most
2·min(needs, offers) such arcs. Scores are scaled to integers (×1000, or less when the
instance is so large that costs would approach int64: OR-Tools multiplies costs by the
number of nodes, and the total cost must fit too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from matching.engine.constraints import compatible
from matching.engine.facts import Edge, NeedFacts, OfferFacts
from matching.engine.scoring import Weights, score
from matching.engine.vectorised import OfferIndex, candidate_edges

_SCALES = (1000, 100, 10, 1)
_COST_LIMIT = 2**62  # int64 with a factor 2 of headroom

SOURCE, SINK = 0, 1


@dataclass(frozen=True, slots=True)
class Allocation:
    need_id: int
    offer_id: int
    units: int
    score: float  # per unit


@dataclass(frozen=True, slots=True)
class Assignment:
    """What a batch run proposes. ``critical_units`` counts covered critical units,
    which for housing and skills (one unit per need) is the number of critical needs."""

    allocations: tuple[Allocation, ...]
    critical_units: int
    critical_needs_covered: int  # critical needs that got all their units
    total_score: float  # Σ units × score per unit

    @property
    def objective(self) -> tuple[int, float]:
        return self.critical_units, self.total_score


@dataclass(frozen=True, slots=True)
class _Network:
    needs: dict[int, NeedFacts]
    offers: dict[int, OfferFacts]
    edges: tuple[Edge, ...]


def _network(
    needs: Iterable[NeedFacts], offers: Iterable[OfferFacts], edges: Iterable[Edge]
) -> _Network:
    """Check the edges and keep only the needs and offers that some edge reaches."""
    all_needs = {need.id: need for need in needs}
    all_offers = {offer.id: offer for offer in offers}
    kept = tuple(Edge(*edge) for edge in edges)
    pairs = {(edge.need_id, edge.offer_id) for edge in kept}
    if len(pairs) != len(kept):
        raise ValueError("The same need and offer appear in more than one edge.")
    for edge in kept:
        if edge.need_id not in all_needs or edge.offer_id not in all_offers:
            raise ValueError(f"Edge {edge} names an unknown need or offer.")
        if not edge.score >= 0:
            raise ValueError(f"Edge {edge} has a negative score.")
    need_ids, offer_ids = {e.need_id for e in kept}, {e.offer_id for e in kept}
    return _Network(
        needs={i: n for i, n in all_needs.items() if i in need_ids},
        offers={i: o for i, o in all_offers.items() if i in offer_ids},
        edges=kept,
    )


def _bonus(network: _Network, largest_score: int) -> int:
    return largest_score * 2 * min(len(network.needs), len(network.offers)) + 1


def _choose_scale(network: _Network, critical_bonus: int | None) -> tuple[int, int]:
    """The finest score scale (and its big-M) whose costs OR-Tools can handle."""
    supply = sum(need.units for need in network.needs.values())
    nodes = len(network.needs) + len(network.offers) + 2
    largest = max(edge.score for edge in network.edges)
    for scale in _SCALES:
        largest_int = round(largest * scale)
        bonus = critical_bonus if critical_bonus is not None else _bonus(network, largest_int)
        worst = bonus + largest_int
        if worst * (nodes + 1) < _COST_LIMIT and worst * supply < _COST_LIMIT:
            return scale, bonus
    raise OverflowError("The instance is too large for int64 costs; split it by kind.")


def _arcs(network: _Network, scale: int, bonus: int) -> tuple[npt.NDArray[np.int64], ...]:
    need_node = {need_id: 2 + i for i, need_id in enumerate(network.needs)}
    offer_node = {offer_id: 2 + len(need_node) + i for i, offer_id in enumerate(network.offers)}
    supply = sum(need.units for need in network.needs.values())
    arcs: list[tuple[int, int, int, int]] = []  # tail, head, capacity, unit cost
    for edge in network.edges:  # first, so that arc i is edge i
        need, offer = network.needs[edge.need_id], network.offers[edge.offer_id]
        cost = -round(edge.score * scale) - (bonus if need.is_critical else 0)
        arcs.append((need_node[need.id], offer_node[offer.id], min(need.units, offer.units), cost))
    arcs += [(SOURCE, need_node[i], n.units, 0) for i, n in network.needs.items()]
    arcs += [(offer_node[i], SINK, o.units, 0) for i, o in network.offers.items()]
    arcs.append((SOURCE, SINK, supply, 0))
    columns = np.array(arcs, dtype=np.int64).T
    return columns[0], columns[1], columns[2], columns[3], np.array([supply], np.int64)


def _solve_flows(network: _Network, scale: int, bonus: int) -> npt.NDArray[np.int64]:
    tails, heads, capacities, costs, supply = _arcs(network, scale, bonus)
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    solver.set_nodes_supplies(np.array([SOURCE, SINK]), np.array([supply[0], -supply[0]]))
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"The min-cost-flow solver failed with status {status}.")
    flows: npt.NDArray[np.int64] = solver.flows(arcs[: len(network.edges)])
    return flows


def _summary(needs: dict[int, NeedFacts], allocations: Sequence[Allocation]) -> Assignment:
    served: dict[int, int] = {}
    for allocation in allocations:
        served[allocation.need_id] = served.get(allocation.need_id, 0) + allocation.units
    critical = {i: units for i, units in served.items() if needs[i].is_critical}
    return Assignment(
        allocations=tuple(allocations),
        critical_units=sum(critical.values()),
        critical_needs_covered=sum(units >= needs[i].units for i, units in critical.items()),
        total_score=sum(a.units * a.score for a in allocations),
    )


def assign(
    needs: Iterable[NeedFacts],
    offers: Iterable[OfferFacts],
    edges: Iterable[Edge],
    *,
    critical_bonus: int | None = None,
) -> Assignment:
    """The assignment that covers the most critical units, then scores the most, over
    the candidate ``edges`` (scores must be ≥ 0). ``critical_bonus`` overrides the big-M
    (a smaller one trades critical coverage against score)."""
    network = _network(needs, offers, edges)
    if not network.edges:
        return _summary(network.needs, ())
    scale, bonus = _choose_scale(network, critical_bonus)
    flows = _solve_flows(network, scale, bonus)
    allocations = [
        Allocation(edge.need_id, edge.offer_id, int(flow), edge.score)
        for edge, flow in zip(network.edges, flows, strict=True)
        if flow > 0
    ]
    return _summary(network.needs, allocations)


def greedy(
    needs: Iterable[NeedFacts], offers: Iterable[OfferFacts], edges: Iterable[Edge]
) -> Assignment:
    """The baseline: edges out of critical needs first, then by score, each taking what
    the remaining capacities allow."""
    network = _network(needs, offers, edges)
    need_left = {i: n.units for i, n in network.needs.items()}
    offer_left = {i: o.units for i, o in network.offers.items()}
    order = sorted(
        network.edges,
        key=lambda e: (not network.needs[e.need_id].is_critical, -e.score, e.need_id, e.offer_id),
    )
    allocations = []
    for edge in order:
        units = min(need_left[edge.need_id], offer_left[edge.offer_id])
        if units > 0:
            need_left[edge.need_id] -= units
            offer_left[edge.offer_id] -= units
            allocations.append(Allocation(edge.need_id, edge.offer_id, units, edge.score))
    return _summary(network.needs, allocations)


def feasible_edges(
    needs: Iterable[NeedFacts], offers: Sequence[OfferFacts], *, weights: Weights, today: date
) -> list[Edge]:
    """Every compatible pair with its score: the full graph, no pruning (small instances)."""
    return [
        Edge(need.id, offer.id, score(need, offer, weights=weights, today=today).total)
        for need in needs
        for offer in offers
        if compatible(need, offer)
    ]


def exact(
    needs: Sequence[NeedFacts],
    offers: Sequence[OfferFacts],
    *,
    today: date,
    weights: Weights | None = None,
) -> Assignment:
    """The optimum over the full feasible graph, to measure what pruning to the top
    candidates costs (docs/design.md §10: batch quality)."""
    edges = feasible_edges(needs, offers, weights=weights or Weights(), today=today)
    return assign(needs, offers, edges)


def _used_up(offers: Sequence[OfferFacts], result: Assignment) -> npt.NDArray[np.int64]:
    given: dict[int, int] = {}
    for allocation in result.allocations:
        given[allocation.offer_id] = given.get(allocation.offer_id, 0) + allocation.units
    return np.array([o.id for o in offers if given.get(o.id, 0) >= o.units], np.int64)


def _unserved(needs: Sequence[NeedFacts], result: Assignment) -> list[NeedFacts]:
    served: dict[int, int] = {}
    for allocation in result.allocations:
        served[allocation.need_id] = served.get(allocation.need_id, 0) + allocation.units
    return [need for need in needs if served.get(need.id, 0) < need.units]


def assign_in_rounds(
    index: OfferIndex,
    needs: Sequence[NeedFacts],
    offers: Sequence[OfferFacts],
    *,
    k: int,
    weights: Weights,
    today: date,
    rounds: int = 2,
    processes: int = 1,
) -> tuple[Assignment, list[Edge]]:
    """The batch run: ``assign`` over each need's top ``k`` candidates, then, for the
    needs left short, their top ``k`` among offers not used up, and again.

    Why rounds: the best offers top everyone's list (close, waiting long, no pending
    proposal), so top-k lists overlap and needs go unserved that the full graph would
    serve; one extra round recovers most of the gap (measured in the report).
    """
    edges = candidate_edges(index, needs, k, weights, today, processes=processes)
    result = assign(needs, offers, edges)
    for _round in range(1, rounds):
        short = _unserved(needs, result)
        known = {(edge.need_id, edge.offer_id) for edge in edges}
        more = candidate_edges(
            index, short, k, weights, today, excluded=_used_up(offers, result), processes=processes
        )
        fresh = [edge for edge in more if (edge.need_id, edge.offer_id) not in known]
        if not fresh:
            break
        edges += fresh
        result = assign(needs, offers, edges)
    return result, edges
