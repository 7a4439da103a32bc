"""An independent exact optimum, to check the batch against (tests and ``make bench``).

It shares nothing with ``batch.py`` but the definitions of the problem: the rules
(``constraints.compatible``), the scores (``scoring``) and what a combination is (two
offers at one address, each too small alone, for a household no single offer can take).
Every feasible pair is enumerated pair by pair with the pure functions (no vectorised
index, no pruning, no column generation, no flow), and one mixed-integer program per
stage is solved with SciPy's HiGHS, in DESIGN's order: critical households fully served,
critical units, high-urgency households fully served, total score. With ``integral``
the units are integers too (small instances); without, they are continuous and only
the "fully served" and combination choices are binary, which is exact all the same:
once those are fixed the rest is a network matrix, totally unimodular, whose optima are
integral (this is what lets the benchmark solve its 3,000 × 20,000 instance).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from matching.engine.constraints import (
    combinable,
    combination_violations,
    compatible,
)
from matching.engine.facts import NeedFacts, OfferFacts
from matching.engine.scoring import Weights, score, score_unchecked


@dataclass(frozen=True, slots=True)
class Optimum:
    critical_households: int
    critical_units: int
    high_households: int
    total_score: float
    pairs: int  # feasible pairs enumerated
    combinations: int  # feasible combinations enumerated
    served: frozenset[int]  # needs that received something
    # HiGHS's proven upper bound on the total score: the last stage stops within
    # ``score_gap`` of it (scores are real numbers; the counts before are exact).
    score_bound: float = 0.0

    @property
    def objective(self) -> tuple[int, int, int, float]:
        return (self.critical_households, self.critical_units, self.high_households,
                self.total_score)  # fmt: skip


Column = tuple[int, tuple[int, ...], float, int]
# Every feasible (offer id, score) of a need: for instances too large to enumerate pair by
# pair in Python (the benchmark passes the vectorised index's unpruned candidates, which
# the tests hold equal to the pure rules and scores).
PairsOf = Callable[[NeedFacts], Iterable[tuple[int, float]]]


def _columns(
    needs: Sequence[NeedFacts],
    offers: Sequence[OfferFacts],
    weights: Weights,
    today: date,
    pairs_of: PairsOf | None,
) -> tuple[list[Column], int, int]:
    """(need index, offer indices, score per unit, units at most) of every pair, then
    every combination: a household none of whose feasible single offers exists."""
    columns: list[Column] = []
    position = {offer.id: o for o, offer in enumerate(offers)}
    for n, need in enumerate(needs):
        if pairs_of is None:
            found = [
                (o, score(need, offer, weights=weights, today=today).total)
                for o, offer in enumerate(offers)
                if compatible(need, offer)
            ]
        else:
            found = [(position[offer_id], total) for offer_id, total in pairs_of(need)]
        for o, total in found:
            columns.append((n, (o,), total, min(need.units, offers[o].units)))
        if not found:
            columns += _combinations(n, need, offers, weights, today)
    pairs = sum(len(c[1]) == 1 for c in columns)
    return columns, pairs, len(columns) - pairs


def _combinations(
    n: int, need: NeedFacts, offers: Sequence[OfferFacts], weights: Weights, today: date
) -> list[Column]:
    if not combinable(need):
        return []
    found: list[Column] = []
    for a, b in combinations(range(len(offers)), 2):
        first, second = offers[a], offers[b]
        if combination_violations(need, (first, second)):
            continue
        beds = first.beds_per_household + second.beds_per_household
        totals = [
            score_unchecked(need, o, weights=weights, today=today, beds=beds).total
            for o in (first, second)
        ]
        found.append((n, (a, b), sum(totals) / 2, 1))
    return found


def lexicographic_optimum(
    needs: Sequence[NeedFacts],
    offers: Sequence[OfferFacts],
    *,
    weights: Weights,
    today: date,
    integral: bool = True,
    time_limit: float = 3600.0,
    pairs_of: PairsOf | None = None,
    score_gap: float = 1e-6,
) -> Optimum:
    """The exact optimum of the four figures, in order, over the full feasible graph.
    Offers only ever serve needs of their own kind, so each kind is solved on its own and
    the figures added up."""
    parts = [
        _optimum_of(
            [n for n in needs if n.kind == kind],
            [o for o in offers if o.kind == kind],
            weights=weights,
            today=today,
            integral=integral,
            time_limit=time_limit,
            pairs_of=pairs_of,
            score_gap=score_gap,
        )
        for kind in sorted({n.kind for n in needs})
    ]
    return Optimum(
        critical_households=sum(p.critical_households for p in parts),
        critical_units=sum(p.critical_units for p in parts),
        high_households=sum(p.high_households for p in parts),
        total_score=sum(p.total_score for p in parts),
        pairs=sum(p.pairs for p in parts),
        combinations=sum(p.combinations for p in parts),
        served=frozenset().union(*(p.served for p in parts)),
        score_bound=sum(p.score_bound for p in parts),
    )


def _optimum_of(
    needs: Sequence[NeedFacts],
    offers: Sequence[OfferFacts],
    *,
    weights: Weights,
    today: date,
    integral: bool,
    time_limit: float,
    pairs_of: PairsOf | None,
    score_gap: float,
) -> Optimum:
    columns, pairs, bundles = _columns(needs, offers, weights, today, pairs_of)
    width = len(columns) + len(needs)  # then one "fully served" binary per need
    rows, cols, values = [], [], []
    for c, (n, members, _score, _most) in enumerate(columns):
        per_need = 1.0 if len(members) == 1 else float(needs[n].units)
        rows.append(n)  # the need's row: what it receives
        cols.append(c)
        values.append(per_need)
        for o in members:  # each offer's row: what it gives
            rows.append(len(needs) + o)
            cols.append(c)
            values.append(1.0)
        rows.append(len(needs) + len(offers) + n)  # the need's "fully served" link
        cols.append(c)
        values.append(per_need)
    for n, need in enumerate(needs):
        rows.append(len(needs) + len(offers) + n)
        cols.append(len(columns) + n)
        values.append(-float(need.units))
    matrix = sp.csr_matrix((values, (rows, cols)), shape=(2 * len(needs) + len(offers), width))
    lower = np.concatenate([np.full(len(needs) + len(offers), -np.inf), np.zeros(len(needs))])
    upper = np.concatenate([[float(n.units) for n in needs], [float(o.units) for o in offers],
                            np.full(len(needs), np.inf)])  # fmt: skip
    # Only critical and high-urgency households count as "fully served" in the figures.
    tiered = [1.0 if (n.is_critical or n.is_high) else 0.0 for n in needs]
    most = np.array([float(c[3]) for c in columns] + tiered)
    integrality = np.ones(width)
    if not integral:
        integrality[: len(columns)] = [0.0 if len(c[1]) == 1 else 1.0 for c in columns]

    def tier(flag: str) -> np.ndarray:
        vector = np.zeros(width)
        for n, need in enumerate(needs):
            vector[len(columns) + n] = float(getattr(need, flag))
        return vector

    critical_units = np.zeros(width)
    scores = np.zeros(width)
    for c, (n, members, total, _most) in enumerate(columns):
        per_need = 1.0 if len(members) == 1 else float(needs[n].units)
        critical_units[c] = per_need if needs[n].is_critical else 0.0
        scores[c] = total * per_need
    stages = [tier("is_critical"), critical_units, tier("is_high"), scores]
    constraints = [LinearConstraint(matrix, lower, upper)]
    reached: list[float] = []
    bound = 0.0
    x = np.zeros(width)
    for position, objective in enumerate(stages):
        if not columns:
            reached.append(0.0)
            continue
        last = position == len(stages) - 1
        result = milp(
            -objective, integrality=integrality, bounds=Bounds(0.0, most),
            constraints=constraints,
            options={"disp": False, "time_limit": time_limit,
                     "mip_rel_gap": score_gap if last else 0},
        )  # fmt: skip
        # A time limit is acceptable on the score stage only, whose bound is kept.
        if result.x is None or (result.status != 0 and not (last and result.status == 1)):
            raise RuntimeError(f"The reference program did not solve: {result.message}")
        x, value = result.x, float(-result.fun)
        reached.append(value)
        if last:
            dual = getattr(result, "mip_dual_bound", None)
            bound = value if dual is None or not np.isfinite(dual) else max(value, -float(dual))
        if not last:
            constraints.append(LinearConstraint(objective[np.newaxis, :], round(value) - 0.5))
    got: dict[int, float] = defaultdict(float)
    for c, (n, _members, _total, _most) in enumerate(columns):
        if x[c] > 1e-6:
            got[n] += x[c]
    return Optimum(
        critical_households=round(reached[0]),
        critical_units=round(reached[1]),
        high_households=round(reached[2]),
        total_score=reached[3],
        pairs=pairs,
        combinations=bundles,
        served=frozenset(needs[n].id for n in got),
        score_bound=bound,
    )
