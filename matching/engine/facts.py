"""Offers and needs as plain, immutable facts: what the engine knows, nothing more.

Retrieval (SQL) builds these from the models; everything downstream (constraints,
scores, candidates, batch) works on them alone, so it can be tested without a database.
The kinds and urgencies are spelled as plain strings (the values of
``core.vocabulary.HelpKind`` and ``Need.Urgency``) to keep Django out of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

HOUSING = "housing"
DONATION = "donation"
SKILL = "skill"

MINOR = "minor"  # core.vocabulary.HouseholdType.MINOR

CRITICAL = "critical"
HIGH = "high"
NORMAL = "normal"


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """One published offer. ``units`` is what it can still give: households hosted at
    once for housing, remaining quantity for goods, people it can follow for skills."""

    id: int
    kind: str
    category_ids: frozenset[int]  # the offer's category and all its ancestors
    housing_type: str
    beds: int
    households_at_once: int
    units: int
    household_types: frozenset[str]
    available_from: date | None
    available_until: date | None
    min_stay_nights: int | None
    max_stay_nights: int | None
    step_free: bool
    pets: bool
    languages: frozenset[str]
    sector_id: int
    latitude: float
    longitude: float
    waiting_since: datetime  # published, or availability last confirmed
    pending_proposals: int

    @property
    def beds_per_household(self) -> int:
        # When several households share an offer, each is only sure of its share of the
        # beds: checking against that share keeps the total within the offer's beds.
        return self.beds // max(self.households_at_once, 1)


@dataclass(frozen=True, slots=True)
class NeedFacts:
    """One open need. ``units``: 1 household for housing, the quantity for goods, 1 person
    for skills. ``latitude``/``longitude``: centroid of its preferred sectors, or of its
    organisation's, or None when neither is known."""

    id: int
    kind: str
    category_id: int | None  # None: any category of that kind will do
    housing_types: frozenset[str]  # empty: any housing type
    household_size: int
    household_type: str
    units: int
    step_free: bool
    no_pets: bool
    languages: frozenset[str]
    wanted_from: date | None
    wanted_until: date | None
    sector_ids: frozenset[int]
    latitude: float | None
    longitude: float | None
    max_distance_km: int | None
    urgency: str
    opened_at: datetime
    # Fiche 7: the need's organisation is accredited for the care of minors (a need for an
    # unaccompanied minor is proposed only then, and only to hosts who accepted minors).
    minors_accredited: bool = False
    # Offers where this household's stay broke down or ended early: never proposed again.
    excluded_offer_ids: frozenset[int] = frozenset()

    @property
    def is_critical(self) -> bool:
        return self.urgency == CRITICAL


class Edge(NamedTuple):
    """A compatible pair and its score: one candidate arc of the batch assignment."""

    need_id: int
    offer_id: int
    score: float
