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

from matching.engine.constraints import nearest_km, violations
from matching.engine.facts import CRITICAL, HIGH, HOUSING, NeedFacts, OfferFacts

# Scale parameters divide: they must be strictly positive, unlike weights which may be 0.
_SCALES = ("distance_half_km", "open_ended_days", "waiting_full_days", "need_waiting_full_days")


@dataclass(frozen=True, slots=True)
class Weights:
    """Points of each criterion and the scales they are measured on (settings later)."""

    distance: float = 30.0  # at 0 km; half of it at ``distance_half_km``
    distance_half_km: float = 5.0
    preferred_sector: float = 10.0
    languages: float = 20.0  # approached as shared languages grow: 1/2, 3/4, 7/8...
    dates: float = 20.0  # times the share of the remaining wanted period the offer covers
    open_ended_days: float = 90.0  # how far ahead an open-ended wanted period is judged
    bed_fit: float = 15.0  # housing: times people / beds, so big homes go to big households
    critical: float = 30.0
    high: float = 15.0
    offer_waiting: float = 10.0  # reached after ``waiting_full_days`` since publication
    waiting_full_days: float = 60.0
    need_waiting: float = 20.0  # reached after ``need_waiting_full_days`` since publication
    need_waiting_full_days: float = 60.0
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
            self.bed_fit + self.offer_waiting + self.need_waiting + self.pending
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
    return score_unchecked(need, offer, weights=weights, today=today)


def score_unchecked(
    need: NeedFacts, offer: OfferFacts, *, weights: Weights, today: date, beds: int | None = None
) -> Score:
    """``score`` without the constraint check, for the members of a combination (each
    too small alone: ``beds`` is what they hold together)."""
    criteria = (
        distance_criterion(need, offer, weights),
        languages_criterion(need, offer, weights),
        dates_criterion(need, offer, weights),
        *bed_fit_criteria(need, offer, weights, beds),
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
    """Distance to the nearest of the need's districts (preferred, or else its
    organisation's), and a bonus when the offer is in a preferred district."""
    preferred = offer.sector_id in need.sector_ids
    bonus = weights.preferred_sector if preferred else 0.0
    max_points = weights.distance + weights.preferred_sector
    km = nearest_km(need, offer)
    params: dict[str, Any] = {"km": km, "preferred": preferred, "from": _measured_from(need)}
    if km is None:
        return Criterion("distance", bonus, max_points, "unknown_location", params)
    points = distance_points(weights, km, preferred)
    reason = "preferred_sector" if preferred else "distance"
    return Criterion("distance", points, max_points, reason, params)


def distance_points(weights: Weights, km: float | None, preferred: bool) -> float:
    """The distance criterion's points: half of ``distance`` at ``distance_half_km``, none
    for an unknown distance, and the bonus of a preferred district."""
    bonus = weights.preferred_sector if preferred else 0.0
    if km is None:
        return bonus
    half = weights.distance_half_km
    return weights.distance * half / (half + km) + bonus


def _measured_from(need: NeedFacts) -> str | None:
    if not need.places:
        return None
    return "preferred" if need.places_preferred else "organisation"


def languages_points(weights: Weights, shared: int) -> float:
    """Points for ``shared`` languages in common: half the weight for one, then half of
    what is left for each more."""
    return weights.languages * (1.0 - 0.5**shared)


def languages_criterion(need: NeedFacts, offer: OfferFacts, weights: Weights) -> Criterion:
    shared = tuple(sorted(need.languages & offer.languages))
    points = languages_points(weights, len(shared))
    reason = "shared_languages" if shared else "no_shared_language"
    return Criterion("languages", points, weights.languages, reason, {"languages": shared})


def wanted_period(need: NeedFacts, weights: Weights) -> tuple[int, int]:
    """What is left of the wanted period, as day ordinals: from ``wanted_from`` (today at
    the earliest, see ``facts.need_period``) to its end, or ``open_ended_days`` later
    when it has none; at least one night."""
    start = need.wanted_from.toordinal()
    if need.wanted_until is None:
        return start, start + max(1, int(weights.open_ended_days))
    return start, max(start + 1, need.wanted_until.toordinal())


def dates_criterion(need: NeedFacts, offer: OfferFacts, weights: Weights) -> Criterion:
    start, end = wanted_period(need, weights)
    first = max(start, offer.available_from.toordinal()) if offer.available_from else start
    last = min(end, offer.available_until.toordinal()) if offer.available_until else end
    nights = max(0, last - first)
    share = nights / (end - start)
    reason = "whole_period" if share == 1.0 else "part_period" if share > 0 else "no_period"
    params = {"share": share, "nights": nights, "of_nights": end - start,
              "open_ended": need.wanted_until is None}  # fmt: skip
    return Criterion("dates", weights.dates * share, weights.dates, reason, params)


def bed_fit_criteria(
    need: NeedFacts, offer: OfferFacts, weights: Weights, beds: int | None = None
) -> tuple[Criterion, ...]:
    """Housing only: the household fills the beds it is given, so that a 7-bed dwelling
    goes to a family of 6 rather than to a couple (urgency still comes first)."""
    if need.kind != HOUSING:
        return ()
    beds = beds if beds is not None else offer.beds_per_household
    fill = min(1.0, need.household_size / max(beds, 1))
    params = {"people": need.household_size, "beds": beds}
    return (Criterion("bed_fit", weights.bed_fit * fill, weights.bed_fit, "bed_fit", params),)


def urgency_points(urgency: str, weights: Weights) -> float:
    return {CRITICAL: weights.critical, HIGH: weights.high}.get(urgency, 0.0)


def urgency_criterion(need: NeedFacts, weights: Weights) -> Criterion:
    points = urgency_points(need.urgency, weights)
    max_points = max(weights.critical, weights.high)
    return Criterion("urgency", points, max_points, need.urgency, {"urgency": need.urgency})


def waiting_points(days: int, weight: float, full_days: float) -> float:
    return weight * min(days, full_days) / full_days


def offer_waiting_criterion(offer: OfferFacts, weights: Weights, today: date) -> Criterion:
    # Beds must not sit unplaced: an offer published longer ago comes first, up to a
    # ceiling. Counted from publication: confirming availability does not restart it.
    days = max(0, today.toordinal() - offer.waiting_since.date().toordinal())
    points = waiting_points(days, weights.offer_waiting, weights.waiting_full_days)
    confirmed = (
        max(0, today.toordinal() - offer.confirmed_at.date().toordinal())
        if offer.confirmed_at is not None
        else None
    )
    params = {"days": days, "confirmed_days": confirmed}
    return Criterion("offer_waiting", points, weights.offer_waiting, "waiting", params)


def need_waiting_criterion(need: NeedFacts, weights: Weights, today: date) -> Criterion:
    # Fairness: a household waiting since long is served before one that just arrived,
    # among needs of the same urgency.
    days = max(0, today.toordinal() - need.opened_at.date().toordinal())
    points = waiting_points(days, weights.need_waiting, weights.need_waiting_full_days)
    return Criterion("need_waiting", points, weights.need_waiting, "waiting", {"days": days})


def pending_criterion(offer: OfferFacts, weights: Weights) -> Criterion:
    # Spread proposals: a host already asked twice should not be asked a third time first.
    count = max(0, offer.pending_proposals)
    points = weights.pending / (1 + count)
    reason = "pending" if count else "none_pending"
    return Criterion("pending", points, weights.pending, reason, {"count": count})


def ceiling(
    need: NeedFacts,
    weights: Weights,
    today: date,
    *,
    km: float | None,
    preferred: bool,
    waited_days: int | None = None,
) -> float:
    """The most any offer at ``km`` from the need (in a preferred district or not), and
    published at most ``waited_days`` ago if known, could score: each other criterion at
    its best. Retrieval stops reading offers once its top suggestions all beat this."""
    distance = distance_points(weights, km, preferred)
    languages = languages_points(weights, len(need.languages))
    beds = weights.bed_fit if need.kind == HOUSING else 0.0
    waited = need_waiting_criterion(need, weights, today).points
    offer_waited = weights.offer_waiting
    if waited_days is not None:
        offer_waited = waiting_points(max(0, waited_days), weights.offer_waiting,
                                      weights.waiting_full_days)  # fmt: skip
    rest = weights.dates + beds + offer_waited + weights.pending
    return distance + languages + rest + urgency_points(need.urgency, weights) + waited


def score_bound(need: NeedFacts, offer: OfferFacts, *, weights: Weights, today: date) -> float:
    """At least the ``score`` of the pair, from what SQL reads of the offer alone: every
    criterion exact but the pending proposals, at their best (none). Retrieval asks SQL
    for the offers in decreasing order of this bound (``matching.prerank``): once its top
    suggestions beat the bound of the next row, no later row can displace them."""
    total = distance_criterion(need, offer, weights).points
    total += languages_criterion(need, offer, weights).points
    total += dates_criterion(need, offer, weights).points
    total += sum(criterion.points for criterion in bed_fit_criteria(need, offer, weights))
    total += urgency_points(need.urgency, weights)
    total += offer_waiting_criterion(offer, weights, today).points
    total += need_waiting_criterion(need, weights, today).points
    return total + weights.pending
