"""How good a compatible pair is: a total and the criteria that make it up.

Pure and deterministic: facts and a date in, a ``Score`` out, no I/O. Every criterion
scores between 0 and its ``max_points``, so a total is never negative (the batch solver
relies on that) and staff can read each part on its own scale. ``vectorised.py``
computes the same formulas on arrays; change both together (a test compares them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from matching.engine.constraints import violations
from matching.engine.facts import CRITICAL, HIGH, NeedFacts, OfferFacts
from matching.engine.geo import haversine_km

# Scale parameters divide: they must be strictly positive, unlike weights which may be 0.
_SCALES = ("distance_half_km", "open_ended_days", "waiting_full_days")


@dataclass(frozen=True, slots=True)
class Weights:
    """Points of each criterion and the scales they are measured on (settings later)."""

    distance: float = 30.0  # at 0 km; half of it at ``distance_half_km``
    distance_half_km: float = 5.0
    preferred_sector: float = 10.0
    languages: float = 20.0  # approached as shared languages grow: 1/2, 3/4, 7/8...
    dates: float = 20.0  # times the share of the wanted period the offer covers
    open_ended_days: float = 90.0  # how far ahead an open-ended wanted period is judged
    critical: float = 30.0
    high: float = 15.0
    offer_waiting: float = 10.0  # reached after ``waiting_full_days``
    need_waiting: float = 10.0
    waiting_full_days: float = 60.0
    pending: float = 10.0  # with no proposal pending; divided by 1 + pending proposals

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not value >= 0 or (item.name in _SCALES and value == 0):
                raise ValueError(f"Matching weight {item.name} must be positive: {value!r}")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> Weights:
        """Weights from settings; an unknown name fails loudly rather than being ignored."""
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(mapping) - known)
        if unknown:
            raise ValueError(f"Unknown matching weights: {', '.join(unknown)}")
        return cls(**{name: float(value) for name, value in mapping.items()})

    def max_total(self) -> float:
        urgency = max(self.critical, self.high)
        return (self.distance + self.preferred_sector + self.languages + self.dates + urgency) + (
            self.offer_waiting + self.need_waiting + self.pending
        )


@dataclass(frozen=True, slots=True)
class Criterion:
    """One part of a score. ``reason`` is a code and ``params`` its figures, which
    ``explain.explain`` turns into a sentence in the reader's language."""

    name: str
    points: float
    max_points: float
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Score:
    total: float
    criteria: tuple[Criterion, ...]

    def criterion(self, name: str) -> Criterion:
        return next(c for c in self.criteria if c.name == name)


class IncompatiblePairError(ValueError):
    """Scoring a pair that breaks a hard constraint is a programming error."""

    def __init__(self, need_id: int, offer_id: int, broken: tuple[str, ...]) -> None:
        super().__init__(f"Need {need_id} and offer {offer_id} are incompatible: {broken}")
        self.violations = broken


def score(need: NeedFacts, offer: OfferFacts, *, weights: Weights, today: date) -> Score:
    """Score a compatible pair. Raises ``IncompatiblePairError`` if ``violations`` finds
    any broken rule: a score must never make an impossible pair look acceptable."""
    broken = violations(need, offer)
    if broken:
        raise IncompatiblePairError(need.id, offer.id, broken)
    criteria = (
        distance_criterion(need, offer, weights),
        languages_criterion(need, offer, weights),
        dates_criterion(need, offer, weights, today),
        urgency_criterion(need, weights),
        offer_waiting_criterion(offer, weights, today),
        need_waiting_criterion(need, weights, today),
        pending_criterion(offer, weights),
    )
    total = 0.0
    for criterion in criteria:  # a fixed order, so the vectorised sums are identical
        total += criterion.points
    return Score(total=total, criteria=criteria)


def distance_criterion(need: NeedFacts, offer: OfferFacts, weights: Weights) -> Criterion:
    preferred = offer.sector_id in need.sector_ids
    bonus = weights.preferred_sector if preferred else 0.0
    max_points = weights.distance + weights.preferred_sector
    if need.latitude is None or need.longitude is None:
        params: dict[str, Any] = {"km": None, "preferred": preferred}
        return Criterion("distance", bonus, max_points, "unknown_location", params)
    km = haversine_km(need.latitude, need.longitude, offer.latitude, offer.longitude)
    half = weights.distance_half_km
    points = weights.distance * half / (half + km) + bonus
    reason = "preferred_sector" if preferred else "distance"
    return Criterion("distance", points, max_points, reason, {"km": km, "preferred": preferred})


def languages_criterion(need: NeedFacts, offer: OfferFacts, weights: Weights) -> Criterion:
    shared = tuple(sorted(need.languages & offer.languages))
    points = weights.languages * (1.0 - 0.5 ** len(shared))
    reason = "shared_languages" if shared else "no_shared_language"
    return Criterion("languages", points, weights.languages, reason, {"languages": shared})


def wanted_period(need: NeedFacts, weights: Weights, today: date) -> tuple[int, int]:
    """The wanted period as day ordinals, both ends included; an open start is today
    and an open end is ``open_ended_days`` after the start."""
    start = need.wanted_from.toordinal() if need.wanted_from else today.toordinal()
    if need.wanted_until is None:
        return start, start + int(weights.open_ended_days)
    return start, max(start, need.wanted_until.toordinal())


def dates_criterion(need: NeedFacts, offer: OfferFacts, weights: Weights, today: date) -> Criterion:
    start, end = wanted_period(need, weights, today)
    first = max(start, offer.available_from.toordinal()) if offer.available_from else start
    last = min(end, offer.available_until.toordinal()) if offer.available_until else end
    share = max(0, last - first + 1) / (end - start + 1)
    reason = "whole_period" if share == 1.0 else "part_period" if share > 0 else "no_period"
    return Criterion("dates", weights.dates * share, weights.dates, reason, {"share": share})


def urgency_points(urgency: str, weights: Weights) -> float:
    return {CRITICAL: weights.critical, HIGH: weights.high}.get(urgency, 0.0)


def urgency_criterion(need: NeedFacts, weights: Weights) -> Criterion:
    points = urgency_points(need.urgency, weights)
    max_points = max(weights.critical, weights.high)
    return Criterion("urgency", points, max_points, need.urgency, {"urgency": need.urgency})


def waiting_points(days: int, weight: float, weights: Weights) -> float:
    return weight * min(days, weights.waiting_full_days) / weights.waiting_full_days


def offer_waiting_criterion(offer: OfferFacts, weights: Weights, today: date) -> Criterion:
    # Beds must not sit unplaced: an offer waiting longer comes first, up to a ceiling.
    days = max(0, today.toordinal() - offer.waiting_since.date().toordinal())
    points = waiting_points(days, weights.offer_waiting, weights)
    return Criterion("offer_waiting", points, weights.offer_waiting, "waiting", {"days": days})


def need_waiting_criterion(need: NeedFacts, weights: Weights, today: date) -> Criterion:
    days = max(0, today.toordinal() - need.opened_at.date().toordinal())
    points = waiting_points(days, weights.need_waiting, weights)
    return Criterion("need_waiting", points, weights.need_waiting, "waiting", {"days": days})


def pending_criterion(offer: OfferFacts, weights: Weights) -> Criterion:
    # Spread proposals: a host already asked twice should not be asked a third time first.
    count = max(0, offer.pending_proposals)
    points = weights.pending / (1 + count)
    reason = "pending" if count else "none_pending"
    return Criterion("pending", points, weights.pending, reason, {"count": count})
