"""The city-wide batch assignment: exact, lexicographic, and never blind to a critical need.

What the plan maximises, in this order (one reading, everywhere):

1. critical households fully served (a need of 10 blankets counts only if it gets 10);
2. critical units;
3. high-urgency households fully served;
4. the total score.

How (``assign``): each kind of help is an independent problem (offers never serve another
kind). Which households are *fully served* is not a flow quantity, so a mixed-integer
program decides it: one binary per critical or high-urgency need ("fully served"), one
per combination (two offers at one address housing a household too large for either),
and continuous units on every candidate pair. SciPy's HiGHS solves it in stages, each
stage keeping what the previous ones reached (counts are integers, so "at least the
optimum" is exact). Once the households are chosen, the units are an integral min-cost
flow (OR-Tools): the needs chosen must receive all their units, critical units come
first through a big-M bonus, then the score. Fixing the binaries leaves a network
matrix, which is totally unimodular: an integral flow is as good as any fractional one,
so the flow loses nothing of what the program found.

Why the plan is optimal on the *full* feasible graph for critical needs, although each
need only brings its best candidates (``plan``): before solving, ``critical_support``
adds to the candidates a set of pairs on which the full graph's critical optimum is
reachable, proven so:

- where every critical need wants one unit (housing, skills), by column generation on
  the linear relaxation: HiGHS gives the dual prices of needs and offers, every feasible
  pair of every critical need is priced with one vector subtraction (the vectorised
  index scores them all anyway), pairs with a positive reduced cost are added and the
  program solved again until none is left. The relaxation is then optimal on the full
  graph; when the integer optimum on the candidates reaches its bound, so is the plan.
- where a critical need wants several units (goods), or if that bound is not reached,
  by aggregation: two offers that exactly the same critical needs may use are
  interchangeable for critical coverage, so offers are grouped by that set (a 128-bit
  signature of the needs' masks), the exact program is solved over needs × groups, and
  its solution is spread back over member offers.

``reference.lexicographic_optimum`` is an independent exact program over every feasible
pair, used by the tests and the benchmark to check all of this.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import combinations as pairs_of

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from ortools.graph.python import min_cost_flow
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from matching.engine.constraints import (
    combinable,
    combination_violations,
    compatible,
)
from matching.engine.facts import HOUSING, Edge, NeedFacts, OfferFacts
from matching.engine.scoring import Weights, score, score_unchecked
from matching.engine.vectorised import OfferIndex, candidate_edges, candidates

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

_SCALES = (1000, 100, 10, 1)
_COST_LIMIT = 2**62  # int64 with a factor 2 of headroom
_EPS = 1e-7
SOURCE, SINK = 0, 1


@dataclass(frozen=True, slots=True)
class Combination:
    """Two offers at one address that together house a household too large for either.
    Taking it takes one household's place in each offer."""

    need_id: int
    offer_ids: tuple[int, int]
    score: float


@dataclass(frozen=True, slots=True)
class Allocation:
    need_id: int
    offer_id: int
    units: int
    score: float  # per unit
    combination: tuple[int, int] | None = None  # both offers, when part of a combination


@dataclass(frozen=True, slots=True)
class Assignment:
    """What a batch run proposes, with the four figures it maximised, in order."""

    allocations: tuple[Allocation, ...]
    critical_needs_covered: int  # critical households fully served
    critical_units: int
    high_needs_covered: int  # high-urgency households fully served
    total_score: float  # Σ units × score per unit (a combination counts once)
    optimal: bool = True  # every program solved to optimality (no time limit hit)
    certified: bool = True  # critical coverage proven equal to the full graph's

    @property
    def objective(self) -> tuple[int, int, int, float]:
        return (
            self.critical_needs_covered,
            self.critical_units,
            self.high_needs_covered,
            self.total_score,
        )


# --- Checking the input ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Network:
    needs: dict[int, NeedFacts]
    offers: dict[int, OfferFacts]
    edges: tuple[Edge, ...]
    combinations: tuple[Combination, ...]


def _network(
    needs: Iterable[NeedFacts],
    offers: Iterable[OfferFacts],
    edges: Iterable[Edge],
    combinations: Iterable[Combination] = (),
) -> _Network:
    """Check the edges and keep only the needs and offers that some edge reaches."""
    all_needs = {need.id: need for need in needs}
    all_offers = {offer.id: offer for offer in offers}
    kept = tuple(Edge(*edge) for edge in edges)
    if len({(edge.need_id, edge.offer_id) for edge in kept}) != len(kept):
        raise ValueError("The same need and offer appear in more than one edge.")
    for edge in kept:
        if edge.need_id not in all_needs or edge.offer_id not in all_offers:
            raise ValueError(f"Edge {edge} names an unknown need or offer.")
        if not edge.score >= 0:
            raise ValueError(f"Edge {edge} has a negative score.")
    bundles = tuple(dict.fromkeys(combinations))
    for bundle in bundles:
        if bundle.need_id not in all_needs or any(i not in all_offers for i in bundle.offer_ids):
            raise ValueError(f"Combination {bundle} names an unknown need or offer.")
    need_ids = {e.need_id for e in kept} | {b.need_id for b in bundles}
    offer_ids = {e.offer_id for e in kept} | {i for b in bundles for i in b.offer_ids}
    return _Network(
        needs={i: n for i, n in all_needs.items() if i in need_ids},
        offers={i: o for i, o in all_offers.items() if i in offer_ids},
        edges=kept,
        combinations=bundles,
    )


def _by_kind(network: _Network) -> list[_Network]:
    kinds = sorted({need.kind for need in network.needs.values()})
    parts = []
    for kind in kinds:
        needs = {i: n for i, n in network.needs.items() if n.kind == kind}
        edges = tuple(e for e in network.edges if e.need_id in needs)
        bundles = tuple(b for b in network.combinations if b.need_id in needs)
        offer_ids = {e.offer_id for e in edges} | {i for b in bundles for i in b.offer_ids}
        offers = {i: network.offers[i] for i in offer_ids}
        parts.append(_Network(needs, offers, edges, bundles))
    return parts


# --- The mixed-integer program -------------------------------------------------------------


@dataclass
class _Program:
    """Columns: units on each edge, then one binary per combination, then one binary
    "fully served" per critical or high-urgency need."""

    network: _Network
    need_ids: list[int]
    tiered: list[int]  # need ids with a "fully served" binary
    matrix: sp.csr_matrix = field(init=False)
    lower: Floats = field(init=False)
    upper: Floats = field(init=False)
    column_upper: Floats = field(init=False)
    integrality: Floats = field(init=False)

    def __post_init__(self) -> None:
        net = self.network
        needs, offers = net.needs, net.offers
        row_of_need = {i: r for r, i in enumerate(self.need_ids)}
        offer_ids = list(offers)
        row_of_offer = {i: len(row_of_need) + r for r, i in enumerate(offer_ids)}
        link_row = {i: len(row_of_need) + len(offer_ids) + r for r, i in enumerate(self.tiered)}
        edge_rows, edge_cols, edge_upper = self._edge_entries(row_of_need, row_of_offer, link_row)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        upper_col: list[float] = []
        for b, bundle in enumerate(net.combinations):
            c = len(net.edges) + b
            household = float(needs[bundle.need_id].units)
            rows.append(row_of_need[bundle.need_id])
            cols.append(c)
            vals.append(household)
            for offer_id in bundle.offer_ids:
                rows.append(row_of_offer[offer_id])
                cols.append(c)
                vals.append(1.0)
            if bundle.need_id in link_row:
                rows.append(link_row[bundle.need_id])
                cols.append(c)
                vals.append(household)
            upper_col.append(1.0)
        start = len(net.edges) + len(net.combinations)
        for t, need_id in enumerate(self.tiered):
            rows.append(link_row[need_id])
            cols.append(start + t)
            vals.append(-float(needs[need_id].units))
            upper_col.append(1.0)
        shape = (len(self.need_ids) + len(offer_ids) + len(self.tiered), start + len(self.tiered))
        all_rows = np.concatenate([edge_rows, np.array(rows, np.int64)])
        all_cols = np.concatenate([edge_cols, np.array(cols, np.int64)])
        all_vals = np.concatenate([np.ones(len(edge_rows)), np.array(vals, np.float64)])
        self.matrix = sp.csr_matrix((all_vals, (all_rows, all_cols)), shape=shape)
        upper_col = [*edge_upper.tolist(), *upper_col]
        self.lower = np.concatenate(
            [np.full(len(self.need_ids) + len(offer_ids), -np.inf), np.zeros(len(self.tiered))]
        )
        self.upper = np.concatenate(
            [
                [float(needs[i].units) for i in self.need_ids],
                [float(offers[i].units) for i in offer_ids],
                np.full(len(self.tiered), np.inf),
            ]
        )
        self.column_upper = np.array(upper_col, np.float64)
        self.integrality = np.concatenate(
            [np.zeros(len(net.edges)), np.ones(len(net.combinations) + len(self.tiered))]
        )

    def _edge_entries(
        self, row_of_need: dict[int, int], row_of_offer: dict[int, int], link_row: dict[int, int]
    ) -> tuple[Ints, Ints, Floats]:
        """The matrix entries of the units on each edge (need row, offer row, and the
        need's "fully served" row), built with NumPy: edges run to hundreds of thousands."""
        net = self.network
        if not net.edges:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        columns = np.array([(e.need_id, e.offer_id) for e in net.edges], np.int64)
        need_ids, offer_ids = columns[:, 0], columns[:, 1]
        need_row = _lookup(row_of_need, need_ids)
        offer_row = _lookup(row_of_offer, offer_ids)
        link = _lookup(link_row, need_ids, missing=-1)
        count = len(net.edges)
        index = np.arange(count, dtype=np.int64)
        linked = link >= 0
        rows = np.concatenate([need_row, offer_row, link[linked]])
        cols = np.concatenate([index, index, index[linked]])
        need_units = _lookup({i: n.units for i, n in net.needs.items()}, need_ids)
        offer_units = _lookup({i: o.units for i, o in net.offers.items()}, offer_ids)
        upper = np.minimum(need_units, offer_units).astype(np.float64)
        return rows, cols, upper

    @property
    def width(self) -> int:
        return self.matrix.shape[1]

    def tier_vector(self, urgent: bool) -> Floats:
        """1 on the "fully served" binaries of critical (or high-urgency) needs."""
        vector = np.zeros(self.width)
        start = len(self.network.edges) + len(self.network.combinations)
        for t, need_id in enumerate(self.tiered):
            need = self.network.needs[need_id]
            if need.is_critical if urgent else need.is_high:
                vector[start + t] = 1.0
        return vector

    def critical_units_vector(self) -> Floats:
        vector = np.zeros(self.width)
        needs = self.network.needs
        for c, edge in enumerate(self.network.edges):
            vector[c] = 1.0 if needs[edge.need_id].is_critical else 0.0
        for b, bundle in enumerate(self.network.combinations):
            need = needs[bundle.need_id]
            vector[len(self.network.edges) + b] = float(need.units) if need.is_critical else 0.0
        return vector

    def columns_of(self, *, critical: bool, high: bool, normal: bool) -> Floats:
        """1 on the columns of the needs of these urgencies, else 0: a stage about critical
        needs leaves the others out (they would only take capacity)."""
        needs = self.network.needs

        def wanted(need_id: int) -> bool:
            need = needs[need_id]
            return (
                (critical and need.is_critical)
                or (high and need.is_high)
                or (normal and not (need.is_critical or need.is_high))
            )

        owners = [e.need_id for e in self.network.edges]
        owners += [b.need_id for b in self.network.combinations] + list(self.tiered)
        return np.fromiter((wanted(i) for i in owners), np.float64, len(owners))

    def score_vector(self) -> Floats:
        vector = np.zeros(self.width)
        for c, edge in enumerate(self.network.edges):
            vector[c] = edge.score
        for b, bundle in enumerate(self.network.combinations):
            vector[len(self.network.edges) + b] = bundle.score
        return vector


def _lookup(mapping: dict[int, int], keys: Ints, missing: int | None = None) -> Ints:
    """``mapping[key]`` for each key, vectorised (``missing`` for absent keys)."""
    known = np.fromiter(mapping.keys(), np.int64, len(mapping))
    values = np.fromiter(mapping.values(), np.int64, len(mapping))
    order = np.argsort(known)
    known, values = known[order], values[order]
    at = np.searchsorted(known, keys).clip(0, max(len(known) - 1, 0))
    found = (known[at] == keys) if len(known) else np.zeros(len(keys), bool)
    if missing is None:
        if not found.all():
            raise KeyError("An edge names a need or an offer outside the program.")
        return values[at]
    return np.where(found, values[at] if len(known) else missing, missing)


def _solve_stage(
    program: _Program,
    objective: Floats,
    floors: list[tuple[Floats, float]],
    *,
    time_limit: float,
    exact_gap: bool,
    columns: Floats | None = None,
) -> tuple[Floats, float, bool]:
    """Maximise ``objective`` keeping each (vector, value) of ``floors`` at least value,
    over the ``columns`` marked 1 (all by default)."""
    upper = program.column_upper if columns is None else program.column_upper * columns
    constraints = [LinearConstraint(program.matrix, program.lower, program.upper)]
    for vector, value in floors:
        constraints.append(LinearConstraint(vector[np.newaxis, :], value, np.inf))
    options: dict[str, object] = {"disp": False, "time_limit": time_limit}
    if exact_gap:
        options["mip_rel_gap"] = 0.0
    result = milp(
        -objective,
        integrality=program.integrality,
        bounds=Bounds(0.0, upper),
        constraints=constraints,
        options=options,
    )
    if result.x is None:
        raise RuntimeError(f"The batch program found no solution: {result.message}")
    return result.x, float(-result.fun), result.status == 0


@dataclass(frozen=True, slots=True)
class _Choice:
    full: frozenset[int]  # needs that must get all their units
    bundles: tuple[Combination, ...]
    optimal: bool


def _choose_households(network: _Network, *, time_limit: float) -> _Choice:
    """The lexicographic stages: which households are fully served, which combinations."""
    tiered = [i for i, n in network.needs.items() if n.is_critical or n.is_high]
    program = _Program(network, list(network.needs), tiered)
    if program.width == 0:
        return _Choice(frozenset(), (), True)
    floors: list[tuple[Floats, float]] = []
    optimal = True
    critical, high = program.tier_vector(True), program.tier_vector(False)
    only_critical = program.columns_of(critical=True, high=False, normal=False)
    if critical.any():
        _x, best, ok = _solve_stage(program, critical, floors, time_limit=time_limit,
                                    exact_gap=True, columns=only_critical)  # fmt: skip
        floors.append((critical, round(best) - 0.5))
        optimal &= ok
        if any(n.is_critical and n.units > 1 for n in network.needs.values()):
            units = program.critical_units_vector()
            _x, best, ok = _solve_stage(program, units, floors, time_limit=time_limit,
                                        exact_gap=True, columns=only_critical)  # fmt: skip
            # The flow below restores integral units; half a unit of slack is safe here.
            floors.append((units, round(best) - 0.5))
            optimal &= ok
    if high.any():
        urgent = program.columns_of(critical=True, high=True, normal=False)
        _x, best, ok = _solve_stage(program, high, floors, time_limit=time_limit,
                                    exact_gap=True, columns=urgent)  # fmt: skip
        floors.append((high, round(best) - 0.5))
        optimal &= ok
    x, _best, ok = _solve_stage(
        program, program.score_vector(), floors, time_limit=time_limit, exact_gap=False
    )
    optimal &= ok
    start = len(network.edges) + len(network.combinations)
    full = frozenset(need_id for t, need_id in enumerate(tiered) if x[start + t] > 0.5)
    bundles = tuple(
        bundle for b, bundle in enumerate(network.combinations) if x[len(network.edges) + b] > 0.5
    )
    return _Choice(full, bundles, optimal)


# --- Units, as an integral flow ---------------------------------------------------------------


def _bonus(network: _Network, largest_score: int) -> int:
    return largest_score * 2 * min(len(network.needs), len(network.offers)) + 1


def _choose_scale(network: _Network, supply: int) -> tuple[int, int]:
    """The finest score scale (and its big-M) whose costs OR-Tools can handle."""
    nodes = len(network.needs) + len(network.offers) + 2
    largest = max((edge.score for edge in network.edges), default=0.0)
    for scale in _SCALES:
        largest_int = round(largest * scale)
        bonus = _bonus(network, largest_int)
        worst = bonus + largest_int
        if worst * (nodes + 1) < _COST_LIMIT and worst * max(supply, 1) < _COST_LIMIT:
            return scale, bonus
    raise OverflowError("The instance is too large for int64 costs; split it by kind.")


def _flow_units(network: _Network, choice: _Choice) -> list[Allocation]:
    """Integral units given the chosen households: the chosen needs get all theirs, then
    critical units first (big-M: M > score-carrying arcs on any simple cycle × the
    largest integer score, so that no cycle trades a critical unit for score), then the
    score."""
    needs, offers = network.needs, network.offers
    taken: dict[int, int] = defaultdict(int)
    served_by_bundle = {bundle.need_id for bundle in choice.bundles}
    for bundle in choice.bundles:
        for offer_id in bundle.offer_ids:
            taken[offer_id] += 1
    allocations = [
        Allocation(bundle.need_id, offer_id, 1, bundle.score, bundle.offer_ids)
        for bundle in choice.bundles
        for offer_id in bundle.offer_ids
    ]
    edges = [e for e in network.edges if e.need_id not in served_by_bundle]
    if not edges:
        return allocations
    need_node = {i: 2 + r for r, i in enumerate(needs)}
    offer_node = {i: 2 + len(need_node) + r for r, i in enumerate(offers)}
    free = [i for i in needs if i not in choice.full and i not in served_by_bundle]
    forced = [i for i in needs if i in choice.full and i not in served_by_bundle]
    free_supply = sum(needs[i].units for i in free)
    total = free_supply + sum(needs[i].units for i in forced)
    scale, bonus = _choose_scale(network, total)
    solver = min_cost_flow.SimpleMinCostFlow()
    pairs = np.array([(e.need_id, e.offer_id) for e in edges], np.int64)
    scores = np.array([e.score for e in edges], np.float64)
    critical = np.array([needs[e.need_id].is_critical for e in edges], bool)
    units_left = {i: max(o.units - taken[i], 0) for i, o in offers.items()}
    capacity = np.minimum(
        _lookup({i: n.units for i, n in needs.items()}, pairs[:, 0]),
        _lookup(units_left, pairs[:, 1]),
    )
    costs = -np.round(scores * scale).astype(np.int64) - np.where(critical, bonus, 0)
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        _lookup(need_node, pairs[:, 0]), _lookup(offer_node, pairs[:, 1]), capacity, costs
    )
    for i in free:
        solver.add_arc_with_capacity_and_unit_cost(SOURCE, need_node[i], needs[i].units, 0)
    for i, offer in offers.items():
        left = max(offer.units - taken[i], 0)
        solver.add_arc_with_capacity_and_unit_cost(offer_node[i], SINK, left, 0)
    solver.add_arc_with_capacity_and_unit_cost(SOURCE, SINK, free_supply, 0)
    solver.set_node_supply(SOURCE, free_supply)
    for i in forced:
        solver.set_node_supply(need_node[i], needs[i].units)
    for i in needs:
        if i in served_by_bundle:
            solver.set_node_supply(need_node[i], 0)
    solver.set_node_supply(SINK, -total)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"The min-cost-flow solver failed with status {status}.")
    flows = solver.flows(arcs)
    for position in np.flatnonzero(flows > 0).tolist():
        edge = edges[position]
        allocations.append(Allocation(edge.need_id, edge.offer_id, int(flows[position]),
                                      edge.score))  # fmt: skip
    return allocations


def _summary(
    needs: dict[int, NeedFacts],
    allocations: Sequence[Allocation],
    *,
    optimal: bool = True,
    certified: bool = True,
) -> Assignment:
    served: dict[int, int] = defaultdict(int)
    total = 0.0
    for allocation in allocations:
        if allocation.combination is None:
            served[allocation.need_id] += allocation.units
            total += allocation.units * allocation.score
        elif allocation.offer_id == allocation.combination[0]:
            served[allocation.need_id] += needs[allocation.need_id].units
            total += needs[allocation.need_id].units * allocation.score
    full = {i for i, units in served.items() if units >= needs[i].units}
    return Assignment(
        allocations=tuple(allocations),
        critical_needs_covered=sum(needs[i].is_critical for i in full),
        critical_units=sum(u for i, u in served.items() if needs[i].is_critical),
        high_needs_covered=sum(needs[i].is_high for i in full),
        total_score=total,
        optimal=optimal,
        certified=certified,
    )


def assign(
    needs: Iterable[NeedFacts],
    offers: Iterable[OfferFacts],
    edges: Iterable[Edge],
    *,
    combinations: Iterable[Combination] = (),
    time_limit: float = 300.0,
) -> Assignment:
    """The lexicographic optimum over the candidate ``edges`` and ``combinations``
    (scores must be ≥ 0): critical households, critical units, high-urgency households,
    then the total score."""
    needs = list(needs)
    network = _network(needs, offers, edges, combinations)
    allocations: list[Allocation] = []
    optimal = True
    for part in _by_kind(network):
        choice = _choose_households(part, time_limit=time_limit)
        allocations += _flow_units(part, choice)
        optimal &= choice.optimal
    return _summary({n.id: n for n in needs}, allocations, optimal=optimal)


def greedy(
    needs: Iterable[NeedFacts], offers: Iterable[OfferFacts], edges: Iterable[Edge]
) -> Assignment:
    """The baseline: edges out of critical needs first, then by score, each taking what
    the remaining capacities allow."""
    needs = list(needs)
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
    return _summary({n.id: n for n in needs}, allocations)


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


# --- Combinations ---------------------------------------------------------------------------


def combinations_for(
    need: NeedFacts, offers: Iterable[OfferFacts], *, weights: Weights, today: date
) -> list[Combination]:
    """Pairs of offers at one address (``place_key``) that together, and only together,
    house the household (``constraints.combination_violations``)."""
    if not combinable(need):
        return []
    by_place: dict[str, list[OfferFacts]] = defaultdict(list)
    for offer in offers:
        if offer.place_key:
            by_place[offer.place_key].append(offer)
    found = []
    for group in by_place.values():
        for first, second in pairs_of(sorted(group, key=lambda o: o.id), 2):
            if not combination_violations(need, (first, second)):
                found.append(_combination(need, first, second, weights, today))
    return found


def _combination(
    need: NeedFacts, first: OfferFacts, second: OfferFacts, weights: Weights, today: date
) -> Combination:
    beds = first.beds_per_household + second.beds_per_household
    totals = [
        score_unchecked(need, offer, weights=weights, today=today, beds=beds).total
        for offer in (first, second)
    ]
    return Combination(need.id, (first.id, second.id), sum(totals) / 2)


def _housing_groups(offers: Iterable[OfferFacts]) -> list[OfferFacts]:
    """Housing offers that share their place with at least one other: the only ones a
    combination can be made of."""
    by_place: dict[str, list[OfferFacts]] = defaultdict(list)
    for offer in offers:
        if offer.kind == HOUSING and offer.place_key and offer.units >= 1:
            by_place[offer.place_key].append(offer)
    return [offer for group in by_place.values() if len(group) > 1 for offer in group]


# --- Critical coverage on the full graph ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Support:
    """Pairs to add to the candidates so that the full graph's critical optimum is
    reachable on them, and whether that was proven."""

    edges: tuple[Edge, ...]
    certified: bool
    critical_households: int
    rounds: int


def critical_support(
    index: OfferIndex,
    needs: Sequence[NeedFacts],
    offers: Sequence[OfferFacts],
    edges: Sequence[Edge],
    *,
    weights: Weights,
    today: date,
    combinations: Sequence[Combination] = (),
    forbidden: frozenset[tuple[int, int]] = frozenset(),
    max_rounds: int = 50,
) -> Support:
    """See the module's docstring: per kind, column generation where critical needs want
    one unit, aggregation where some want more (or where the bound is not reached).
    ``forbidden`` pairs (already proposed) are not part of the graph."""
    pricing = _Pricing(index, weights, today, forbidden)
    critical = [n for n in needs if n.is_critical and n.units >= 1]
    offer_by_id = {o.id: o for o in offers}
    added: list[Edge] = []
    certified, households, rounds = True, 0, 0
    for kind in sorted({n.kind for n in critical}):
        group = [n for n in critical if n.kind == kind]
        ids = {n.id for n in group}
        known = [e for e in edges if e.need_id in ids]
        bundles = [b for b in combinations if b.need_id in ids]
        result = _support_of_kind(pricing, group, offer_by_id, known, bundles, max_rounds)
        added += result.edges
        certified &= result.certified
        households += result.critical_households
        rounds += result.rounds
    return Support(tuple(added), certified, households, rounds)


def _support_of_kind(
    pricing: _Pricing,
    group: list[NeedFacts],
    offers: dict[int, OfferFacts],
    known: list[Edge],
    bundles: list[Combination],
    max_rounds: int,
) -> Support:
    if all(n.units == 1 for n in group):
        edges, bound, rounds = _generate_columns(pricing, group, offers, known, bundles,
                                                 max_rounds)  # fmt: skip
        if bound is not None:
            solved = assign(group, offers.values(), edges, combinations=bundles)
            if solved.critical_needs_covered >= math.floor(bound + 1e-6):
                # The plan's own pairs suffice to reach it: no need to carry the rest.
                by_pair = {(e.need_id, e.offer_id): e for e in edges}
                used = {
                    (a.need_id, a.offer_id) for a in solved.allocations if a.combination is None
                }
                known_pairs = {(e.need_id, e.offer_id) for e in known}
                fresh = tuple(by_pair[p] for p in sorted(used - known_pairs))
                return Support(fresh, True, solved.critical_needs_covered, rounds)
    return _aggregate(pricing, group, offers, bundles)


@dataclass(frozen=True, slots=True)
class _Pricing:
    """Every feasible pair of a need, scored, less the pairs that cannot be planned."""

    index: OfferIndex
    weights: Weights
    today: date
    forbidden: frozenset[tuple[int, int]]

    def __call__(self, need: NeedFacts) -> tuple[Ints, Floats]:
        ids, scores = candidates(self.index, need, self.weights, self.today)
        if self.forbidden:
            kept = np.fromiter(
                ((need.id, int(i)) not in self.forbidden for i in ids), bool, len(ids)
            )
            return ids[kept], scores[kept]
        return ids, scores


def _generate_columns(
    pricing: _Pricing,
    group: list[NeedFacts],
    offers: dict[int, OfferFacts],
    known: list[Edge],
    bundles: list[Combination],
    max_rounds: int,
) -> tuple[list[Edge], float | None, int]:
    """Column generation on the relaxation of "critical households served" (one unit
    each): the bound is the full graph's, or None if ``max_rounds`` did not suffice."""
    edges = list(known)
    present = {(e.need_id, e.offer_id) for e in edges}
    largest = max(offers, default=0)
    for rounds in range(1, max_rounds + 1):
        value, need_price, offer_price = _relaxation(group, offers, edges, bundles)
        by_id = np.zeros(largest + 1)  # an offer outside the program costs nothing yet
        for offer_id, price in offer_price.items():
            by_id[offer_id] = price
        fresh = []
        for need in group:
            if need_price.get(need.id, 0.0) >= 1.0 - _EPS:
                continue  # no pair of this need can have a positive reduced cost
            ids, scores = pricing(need)
            if not len(ids):
                continue
            reduced = 1.0 - need_price.get(need.id, 0.0) - by_id[ids]
            for row in np.flatnonzero(reduced > _EPS):
                pair = (need.id, int(ids[row]))
                if pair not in present:
                    present.add(pair)
                    fresh.append(Edge(need.id, int(ids[row]), float(scores[row])))
        if not fresh:
            return edges, value, rounds
        edges += fresh
    return edges, None, max_rounds


def _relaxation(
    group: list[NeedFacts],
    offers: dict[int, OfferFacts],
    edges: list[Edge],
    bundles: list[Combination],
) -> tuple[float, dict[int, float], dict[int, float]]:
    """max Σ units on ``edges`` (+ combinations) for one-unit needs, as a linear program:
    its value and the dual prices of needs and offers (HiGHS marginals)."""
    need_ids = [n.id for n in group]
    offer_ids = sorted({e.offer_id for e in edges} | {i for b in bundles for i in b.offer_ids})
    if not edges and not bundles:
        return 0.0, {}, {}
    row_need = {i: r for r, i in enumerate(need_ids)}
    row_offer = {i: len(need_ids) + r for r, i in enumerate(offer_ids)}
    rows, cols = [], []
    for c, edge in enumerate(edges):
        rows += [row_need[edge.need_id], row_offer[edge.offer_id]]
        cols += [c, c]
    for b, bundle in enumerate(bundles):
        c = len(edges) + b
        rows += [row_need[bundle.need_id], *(row_offer[i] for i in bundle.offer_ids)]
        cols += [c] * 3
    width = len(edges) + len(bundles)
    matrix = sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(need_ids) + len(offer_ids), width)
    )
    capacity = np.array([1.0] * len(need_ids) + [float(offers[i].units) for i in offer_ids])
    result = linprog(-np.ones(width), A_ub=matrix, b_ub=capacity, bounds=(0, 1), method="highs")
    if result.status != 0:
        raise RuntimeError(f"The relaxation failed: {result.message}")
    marginals = -result.ineqlin.marginals  # ≥ 0: what one more unit of the row is worth
    need_price = {i: float(marginals[row_need[i]]) for i in need_ids}
    offer_price = {i: float(marginals[row_offer[i]]) for i in offer_ids}
    return float(-result.fun), need_price, offer_price


def _aggregate(
    pricing: _Pricing,
    group: list[NeedFacts],
    offers: dict[int, OfferFacts],
    bundles: list[Combination],
) -> Support:
    """The exact critical optimum over the full graph, with interchangeable offers merged:
    offers that exactly the same critical needs may use become one class whose units
    are the sum of theirs. The solution is spread back over member offers."""
    rng = np.random.default_rng(20260301)
    keys = rng.integers(1, 2**63, size=(len(group), 2), dtype=np.uint64)
    # Two 64-bit sums of random keys, one per need that may use the offer (wrapping): a
    # 128-bit signature of the set of critical needs each offer can serve. The feasible
    # sets are priced again below rather than kept: memory, not time, is what is short.
    seen = np.zeros(max(offers, default=0) + 1, bool)
    for need in group:
        seen[pricing(need)[0]] = True
    known = np.flatnonzero(seen).astype(np.int64)
    signature = np.zeros((len(known), 2), np.uint64)
    for position, need in enumerate(group):
        rows = np.searchsorted(known, pricing(need)[0])
        signature[rows] += keys[position]
    in_bundles = {i for b in bundles for i in b.offer_ids}
    loose = ~np.isin(known, np.fromiter(in_bundles, np.int64, len(in_bundles)))
    distinct, class_of_row = np.unique(signature[loose], axis=0, return_inverse=True)
    members = [[] for _ in range(len(distinct))]  # type: list[list[int]]
    for offer_id, c in zip(known[loose].tolist(), class_of_row.reshape(-1).tolist(), strict=True):
        members[c].append(offer_id)
    members += [[offer_id] for offer_id in sorted(in_bundles)]  # a combination names its offers
    class_of = {offer_id: c for c, ids in enumerate(members) for offer_id in ids}
    # Each class is a pseudo-offer; ids below zero keep them apart from real offers.
    pseudo = {
        -(c + 1): _pseudo_offer(-(c + 1), [offers[i] for i in ids]) for c, ids in enumerate(members)
    }
    class_edges: dict[tuple[int, int], float] = {}
    lookup = np.array([class_of[i] for i in known.tolist()], np.int64)
    for need in group:
        ids, scores = pricing(need)
        classes = lookup[np.searchsorted(known, ids)]
        best = np.full(len(members), -1.0)
        np.maximum.at(best, classes, scores)
        for c in np.flatnonzero(best >= 0).tolist():
            class_edges[(need.id, -(c + 1))] = float(best[c])
    pseudo_bundles = [
        Combination(b.need_id, tuple(-(class_of[i] + 1) for i in b.offer_ids), b.score)  # type: ignore[arg-type]
        for b in bundles
    ]
    solved = assign(
        group, pseudo.values(), [Edge(n, o, s) for (n, o), s in class_edges.items()],
        combinations=pseudo_bundles,
    )  # fmt: skip
    spread: list[Edge] = []
    by_id = {need.id: need for need in group}
    left = {i: offers[i].units for ids in members for i in ids}
    feasible: dict[int, dict[int, float]] = {}
    for allocation in solved.allocations:
        if allocation.need_id not in feasible:
            ids, scores = pricing(by_id[allocation.need_id])
            feasible[allocation.need_id] = dict(zip(ids.tolist(), scores.tolist(), strict=True))
        if allocation.combination is not None:
            continue  # combinations are candidates already, their offers kept apart
        units = allocation.units
        choices = sorted(
            members[-allocation.offer_id - 1],
            key=lambda i: (-feasible[allocation.need_id].get(i, -1.0), i),
        )
        for offer_id in choices:
            if units <= 0:
                break
            if offer_id not in feasible[allocation.need_id]:
                raise RuntimeError("Offer classes disagree with the feasibility masks.")
            take = min(units, left[offer_id])
            if take > 0:
                left[offer_id] -= take
                units -= take
                spread.append(Edge(allocation.need_id, offer_id,
                                   feasible[allocation.need_id][offer_id]))  # fmt: skip
    return Support(tuple(dict.fromkeys(spread)), True, solved.critical_needs_covered, 1)


def _pseudo_offer(pseudo_id: int, members: list[OfferFacts]) -> OfferFacts:
    return replace(members[0], id=pseudo_id, units=sum(o.units for o in members))


# --- The batch run -----------------------------------------------------------------------------


def _used_up(offers: Sequence[OfferFacts], result: Assignment) -> Ints:
    given: dict[int, int] = defaultdict(int)
    for allocation in result.allocations:
        given[allocation.offer_id] += allocation.units
    return np.array([o.id for o in offers if given[o.id] >= o.units], np.int64)


def _unserved(needs: Sequence[NeedFacts], result: Assignment) -> list[NeedFacts]:
    served: dict[int, int] = defaultdict(int)
    for allocation in result.allocations:
        served[allocation.need_id] += allocation.units if allocation.combination is None else 1
    return [need for need in needs if served[need.id] < need.units]


@dataclass(frozen=True, slots=True)
class Plan:
    assignment: Assignment
    edges: list[Edge]
    combinations: list[Combination]
    support: Support


def plan(
    index: OfferIndex,
    needs: Sequence[NeedFacts],
    offers: Sequence[OfferFacts],
    *,
    k: int,
    weights: Weights,
    today: date,
    rounds: int = 2,
    processes: int = 1,
    forbidden: frozenset[tuple[int, int]] = frozenset(),
    time_limit: float = 300.0,
) -> Plan:
    """The batch run: each need's top ``k`` candidates, combinations for households no
    single offer can take, the pairs that prove critical coverage (``critical_support``),
    then a second round for the needs left short among offers not used up (everyone's
    top k tends to be the same offers). ``forbidden`` pairs (already proposed) are left
    out, so that what is planned is what can be stored."""

    def allowed(found: list[Edge]) -> list[Edge]:
        return [e for e in found if (e.need_id, e.offer_id) not in forbidden]

    edges = allowed(candidate_edges(index, needs, k, weights, today, processes=processes))
    with_candidates = {e.need_id for e in edges}
    groups = _housing_groups(offers)
    bundles = [
        bundle
        for need in needs
        if need.id not in with_candidates
        for bundle in combinations_for(need, groups, weights=weights, today=today)
        if not any((need.id, i) in forbidden for i in bundle.offer_ids)
    ]
    support = critical_support(index, needs, offers, edges, weights=weights, today=today,
                               combinations=bundles, forbidden=forbidden)  # fmt: skip
    present = {(e.need_id, e.offer_id) for e in edges}
    edges += [e for e in support.edges if (e.need_id, e.offer_id) not in present]
    result = assign(needs, offers, edges, combinations=bundles, time_limit=time_limit)
    for _round in range(1, rounds):
        short = _unserved(needs, result)
        known = {(edge.need_id, edge.offer_id) for edge in edges}
        more = candidate_edges(
            index, short, k, weights, today, excluded=_used_up(offers, result), processes=processes
        )
        fresh = [e for e in allowed(more) if (e.need_id, e.offer_id) not in known]
        if not fresh:
            break
        edges += fresh
        result = assign(needs, offers, edges, combinations=bundles, time_limit=time_limit)
    final = Assignment(
        allocations=result.allocations,
        critical_needs_covered=result.critical_needs_covered,
        critical_units=result.critical_units,
        high_needs_covered=result.high_needs_covered,
        total_score=result.total_score,
        optimal=result.optimal,
        certified=support.certified and result.optimal,
    )
    return Plan(final, edges, bundles, support)


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
    """``plan``'s assignment and edges (the shape earlier callers know)."""
    made = plan(index, needs, offers, k=k, weights=weights, today=today, rounds=rounds,
                processes=processes)  # fmt: skip
    return made.assignment, made.edges
