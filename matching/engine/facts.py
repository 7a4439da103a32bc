"""Offers and needs as plain, immutable facts: what the engine knows, nothing more.

Retrieval (SQL) builds these from the models; everything downstream (constraints,
scores, candidates, batch) works on them alone, so it can be tested without a database.
The kinds and urgencies are spelled as plain strings (the values of
``core.vocabulary.HelpKind`` and ``Need.Urgency``) to keep Django out of the engine.

Dates have one reading everywhere, fixed when the facts are built (``need_period``): a
need's ``wanted_from`` is the first day of what is *left* of its wanted period, never
before today (an open start, or one already past, is today). Since an offer must stay
available on or after that day, an offer whose end date has passed can never match.
"""

from __future__ import annotations

import math
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

Point = tuple[float, float]  # (latitude, longitude) of a district's centroid


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
    waiting_since: datetime  # published (the wait never restarts at a confirmation)
    pending_proposals: int
    # Interpreting and sponsorship are worth nothing without a language in common.
    language_required: bool = False
    # Offers with the same non-empty key are at one address (or of one host in one
    # district): two of them may together house a household too large for either.
    place_key: str = ""
    confirmed_at: datetime | None = None  # availability last confirmed by the owner

    @property
    def beds_per_household(self) -> int:
        # When several households share an offer, each is only sure of its share of the
        # beds: checking against that share keeps the total within the offer's beds.
        return self.beds // max(self.households_at_once, 1)


@dataclass(frozen=True, slots=True)
class NeedFacts:
    """One open need. ``units``: 1 household for housing, the quantity for goods, 1 person
    for skills. ``places``: centroids of its preferred districts (or, when it names none,
    of its organisation's), empty when neither is known; distances are measured to the
    nearest of them."""

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
    wanted_from: date  # the first day of what is left of the wanted period (≥ today)
    wanted_until: date | None
    sector_ids: frozenset[int]
    places: tuple[Point, ...]
    max_distance_km: int | None
    urgency: str
    opened_at: datetime  # published
    # Housing: nights of the remaining wanted period an offer must cover at least.
    min_cover_nights: int = 0
    # Whether ``places`` are the need's own preferred districts (else its organisation's).
    places_preferred: bool = True
    # Fiche 7: the need's organisation is accredited for the care of minors (a need for an
    # unaccompanied minor is proposed only then, and only to hosts who accepted minors).
    minors_accredited: bool = False
    # Offers where this household's stay broke down or ended early: never proposed again.
    excluded_offer_ids: frozenset[int] = frozenset()

    @property
    def is_critical(self) -> bool:
        return self.urgency == CRITICAL

    @property
    def is_high(self) -> bool:
        return self.urgency == HIGH

    @property
    def located(self) -> bool:
        return bool(self.places)


def need_period(
    wanted_from: date | None, wanted_until: date | None, today: date
) -> tuple[date, date | None]:
    """What is left of a wanted period: it starts today at the earliest."""
    start = max(wanted_from, today) if wanted_from else today
    return start, wanted_until


def min_cover_nights(
    kind: str, start: date, until: date | None, *, share: float, nights: int
) -> int:
    """Nights a housing offer must cover of the remaining period ``start``–``until``:
    ``share`` of it, but never more than ``nights`` (a month covered is always worth
    proposing); an open-ended period asks for ``nights``."""
    if kind != HOUSING:
        return 0
    if until is None:
        return nights
    remaining = max((until - start).days, 1)
    return min(math.ceil(share * remaining - 1e-9), nights)


class Edge(NamedTuple):
    """A compatible pair and its score: one candidate arc of the batch assignment."""

    need_id: int
    offer_id: int
    score: float
