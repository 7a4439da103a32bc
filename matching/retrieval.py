"""From the database to the engine: what offers and needs can give or want, their facts,
and the SQL that narrows the candidates before the pure scorer ranks them.

Retrieval applies the hard constraints that indexes serve well (kind, category, status,
date overlap, beds, step-free access, housing type, districts within the distance); the
engine re-checks every constraint on the facts, so a looser SQL filter can cost time but
never a wrong suggestion.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import Category, Sector
from core.vocabulary import HelpKind, HouseholdType
from matching.engine.constraints import violations
from matching.engine.explain import explain
from matching.engine.facts import NeedFacts, OfferFacts
from matching.engine.geo import haversine_km
from matching.engine.scoring import Criterion, Score, Weights, score
from matching.engine.vectorised import OfferIndex, top_candidates
from matching.models import Match
from needs.models import Need
from offers.models import Offer, OfferQuerySet

# How many offers (or needs) the SQL step hands to the scorer at most, nearest districts
# and longest-waiting offers first; the bench measures what this costs in recall.
RETRIEVAL_LIMIT = 1000


def offer_units(offer: Offer) -> int:
    """What an offer can give in all: households at once, a quantity, or people."""
    return _units_of(
        offer.kind,
        households=offer.households_at_once,
        quantity=offer.quantity,
        capacity=offer.capacity,
    )


def _units_of(kind: str, *, households: int | None, quantity: int | None,
              capacity: int | None) -> int:  # fmt: skip
    if kind == HelpKind.HOUSING:
        return households or 1
    if kind == HelpKind.DONATION:
        return quantity or 0
    return capacity or 1


def need_units(need: Need) -> int:
    """What a need asks for in all: one household, a quantity of goods, or one person."""
    return need_units_of(need.kind, need.quantity)


def need_units_of(kind: str, quantity: int) -> int:
    return quantity if kind == HelpKind.DONATION else 1


def weights() -> Weights:
    return Weights.from_mapping(settings.ENTRAIDE_MATCHING_WEIGHTS)


# --- Reference data: small, read on every call, cached per process -----------------
# Kept for a minute at most, and dropped at once when this process saves a district or a
# category (matching.apps connects the signals): another process sees an edit within a
# minute.

_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, Any]] = {}


def _cached(name: str, load: Any) -> Any:
    now = time.monotonic()
    hit = _cache.get(name)
    if hit is None or now - hit[0] > _CACHE_SECONDS:
        hit = _cache[name] = (now, load())
    return hit[1]


def _sectors() -> dict[int, tuple[float, float]]:
    def load() -> dict[int, tuple[float, float]]:
        rows = Sector.objects.values_list("pk", "centroid_latitude", "centroid_longitude")
        return {pk: (float(lat), float(lon)) for pk, lat, lon in rows}

    return _cached("sectors", load)


def _category_parents() -> dict[int, int | None]:
    return _cached("categories", lambda: dict(Category.objects.values_list("pk", "parent_id")))


def clear_caches(**_signal: Any) -> None:
    """After a district or a category changes (a signal receiver, and between tests)."""
    _cache.clear()


def _ancestors(category_id: int | None) -> frozenset[int]:
    parents, found = _category_parents(), set()
    while category_id is not None and category_id not in found:
        found.add(category_id)
        category_id = parents.get(category_id)
    return frozenset(found)


def _descendants(category_id: int) -> list[int]:
    return [pk for pk in _category_parents() if category_id in _ancestors(pk)]


def _centroid(sector_ids: Iterable[int]) -> tuple[float | None, float | None]:
    points = [_sectors()[pk] for pk in sector_ids if pk in _sectors()]
    if not points:
        return None, None
    return (
        sum(lat for lat, _lon in points) / len(points),
        sum(lon for _lat, lon in points) / len(points),
    )


# --- Facts ---------------------------------------------------------------------------


def held(*, offer: Offer | None = None, need: Need | None = None) -> int:
    """Units the live matches of one offer, or of one need, hold (goods handed over too)."""
    live = Match.objects.holding()
    live = live.filter(offer=offer) if offer is not None else live.filter(need=need)
    return live.aggregate(total=Sum("units"))["total"] or 0


def offer_facts(offer: Offer) -> OfferFacts:
    """Facts of one offer as the database has it now, with what its matches hold."""
    row = Offer.objects.filter(pk=offer.pk).values_list(*OFFER_COLUMNS).get()
    held_units, pending = load_of([offer.pk])
    return offer_facts_from_row(
        row, held=held_units.get(offer.pk, 0), pending=pending.get(offer.pk, 0)
    )


def need_facts(need: Need, *, sector_ids: Iterable[int] | None = None) -> NeedFacts:
    sectors = frozenset(sector_ids if sector_ids is not None else _need_sector_ids(need))
    latitude, longitude = _centroid(sectors or _organisation_sector_ids(need))
    return NeedFacts(
        id=need.pk,
        kind=need.kind,
        category_id=need.category_id,
        housing_types=frozenset(need.housing_types),
        household_size=need.household_size,
        household_type=need.household_type,
        units=need_units(need) - held(need=need),
        step_free=need.step_free_access,
        no_pets=False,  # said in free text ("accessibility") only, for staff to read
        languages=frozenset(need.languages),
        wanted_from=need.wanted_from,
        wanted_until=need.wanted_until,
        sector_ids=sectors,
        latitude=latitude,
        longitude=longitude,
        max_distance_km=need.max_distance_km,
        urgency=need.urgency,
        opened_at=need.opened_at or need.created_at,
        minors_accredited=_minors_accredited(need),
        excluded_offer_ids=excluded_offers(need.pk),
    )


def _minors_accredited(need: Need) -> bool:
    # Read only for a need for a minor: the only one the rule concerns.
    if need.household_type != HouseholdType.MINOR or need.organisation_id is None:
        return False
    return need.organisation.is_accredited_for_minors  # type: ignore[union-attr]


def excluded_offers(need_id: int) -> frozenset[int]:
    """Offers where this need's household broke down or left early: never again."""
    return frozenset(
        Match.objects.broken_down().filter(need_id=need_id).values_list("offer_id", flat=True)
    )


def _need_sector_ids(need: Need) -> list[int]:
    return [sector.pk for sector in need.sectors.all()]


def _organisation_sector_ids(need: Need) -> list[int]:
    if need.organisation_id is None:
        return []
    return list(need.organisation.sectors.values_list("pk", flat=True))  # type: ignore[union-attr]


# --- Retrieval -----------------------------------------------------------------------


def _reachable_sectors(facts: NeedFacts) -> list[int] | None:
    """Districts within the need's maximum distance, or None when any district will do."""
    if facts.max_distance_km is None or facts.latitude is None or facts.longitude is None:
        return None
    return [
        pk
        for pk, (lat, lon) in _sectors().items()
        if haversine_km(facts.latitude, facts.longitude, lat, lon) <= facts.max_distance_km
    ]


def _nearest_first(facts: NeedFacts) -> list[int]:
    if facts.latitude is None or facts.longitude is None:
        return list(_sectors())
    here = (facts.latitude, facts.longitude)
    return sorted(_sectors(), key=lambda pk: haversine_km(*here, *_sectors()[pk]))


def candidate_offers(need: Need, facts: NeedFacts) -> QuerySet[Offer]:
    """Published offers that pass the indexed hard constraints, nearest districts first."""
    offers = Offer.objects.published().filter(kind=need.kind)
    if need.kind != HelpKind.HOUSING and need.category_id is not None:
        offers = offers.filter(category_id__in=_descendants(need.category_id))
    if need.kind == HelpKind.HOUSING:
        offers = offers.filter(capacity__gte=need.household_size)
        if need.housing_types:
            offers = offers.filter(housing_type__in=need.housing_types)
        if need.step_free_access:
            offers = offers.filter(step_free_access=True)
    if need.household_type == HouseholdType.MINOR:
        offers = _minors_only(offers, facts)
    if facts.excluded_offer_ids:
        offers = offers.exclude(pk__in=facts.excluded_offer_ids)
    if need.wanted_until:
        offers = offers.filter(
            Q(available_from__isnull=True) | Q(available_from__lte=need.wanted_until)
        )
    start = need.wanted_from or timezone.localdate()
    offers = offers.filter(Q(available_until__isnull=True) | Q(available_until__gte=start))
    return offers


def _minors_only(offers: OfferQuerySet, facts: NeedFacts) -> OfferQuerySet:
    """Fiche 7 in SQL: nothing unless the organisation is accredited for minors; for
    housing, only hosts who accepted minors (``constraints.minors_through_accredited``)."""
    if not facts.minors_accredited:
        return offers.none()
    if facts.kind != HelpKind.HOUSING:
        return offers
    if connection.vendor == "postgresql":
        return offers.filter(household_types__contains=[HouseholdType.MINOR])
    # SQLite has no JSON containment: the list is stored as text, and the engine checks
    # the rule again on the facts.
    return offers.filter(household_types__icontains=f'"{HouseholdType.MINOR}"')


@dataclass(frozen=True)
class Suggestion:
    subject: Any  # the Offer suggested for a need, or the Need suggested for an offer
    total: float
    scored: Score

    @property
    def criteria(self) -> list[dict[str, Any]]:
        """The criteria as stored with a match (codes and figures, any language)."""
        return [
            {"name": c.name, "points": round(c.points, 2), "max_points": c.max_points,
             "reason": c.reason, "params": c.params}
            for c in self.scored.criteria
        ]  # fmt: skip

    @property
    def reasons(self) -> list[str]:
        return [explain(criterion) for criterion in self.scored.criteria]


def stored_reasons(criteria: list[dict[str, Any]]) -> list[str]:
    return [explain(Criterion(**criterion)) for criterion in criteria]


def _ranked(pairs: list[tuple[Any, Score]], limit: int) -> list[Suggestion]:
    pairs.sort(key=lambda pair: (-pair[1].total, pair[0].pk))
    return [Suggestion(subject, scored.total, scored) for subject, scored in pairs[:limit]]


# The columns an offer's facts are built from: read as plain values, never as models
# (building half a million models, or even a thousand per request, is the slow part).
OFFER_COLUMNS = (
    "pk", "kind", "category_id", "housing_type", "capacity", "households_at_once", "quantity",
    "household_types", "available_from", "available_until", "min_stay_nights",
    "max_stay_nights", "step_free_access", "pets_at_home", "languages", "sector_id",
    "last_confirmed_at", "published_at", "created_at",
)  # fmt: skip


def offer_facts_from_row(row: tuple[Any, ...], *, held: int, pending: int) -> OfferFacts:
    """Facts of one row of ``OFFER_COLUMNS``; ``units`` is what the offer has left."""
    (pk, kind, category, housing_type, capacity, households, quantity, household_types,
     start, end, min_stay, max_stay, step_free, pets, languages, sector, confirmed,
     published, created) = row  # fmt: skip
    total = _units_of(kind, households=households, quantity=quantity, capacity=capacity)
    latitude, longitude = _sectors().get(sector, (0.0, 0.0))
    return OfferFacts(
        id=pk, kind=kind, category_ids=_ancestors(category), housing_type=housing_type,
        beds=capacity or 0, households_at_once=households or 1, units=max(total - held, 0),
        household_types=frozenset(household_types), available_from=start,
        available_until=end, min_stay_nights=min_stay, max_stay_nights=max_stay,
        step_free=step_free, pets=pets, languages=frozenset(languages), sector_id=sector,
        latitude=latitude, longitude=longitude, waiting_since=confirmed or published or created,
        pending_proposals=pending,
    )  # fmt: skip


def load_of(offer_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Units held and answers awaited per offer, for these offers, in one query."""
    rows = (
        Match.objects.holding()
        .filter(offer_id__in=offer_ids)
        .values("offer_id")
        .annotate(
            held=Sum("units"), pending=Count("pk", filter=Q(status__in=Match.AWAITING_ANSWER))
        )
    )
    return (
        {row["offer_id"]: row["held"] for row in rows},
        {row["offer_id"]: row["pending"] for row in rows},
    )


def nearest_candidates(need: Need, facts: NeedFacts, limit: int) -> list[OfferFacts]:
    """Up to ``limit`` candidate offers' facts, from the nearest districts outwards, the
    longest-waiting first within each ring. Rings double in size (1, 2, 4... districts),
    so a sparse city costs a few queries rather than one per district."""
    rows: list[tuple[Any, ...]] = []
    offers = candidate_offers(need, facts).order_by("last_confirmed_at", "id")
    reachable = _reachable_sectors(facts)
    districts = [pk for pk in _nearest_first(facts) if reachable is None or pk in reachable]
    start, size = 0, 1
    while start < len(districts) and len(rows) < limit:
        ring = districts[start : start + size]
        rows += offers.filter(sector_id__in=ring).values_list(*OFFER_COLUMNS)[: limit - len(rows)]
        start, size = start + size, size * 2
    held_units, pending = load_of([row[0] for row in rows])
    found = (
        offer_facts_from_row(row, held=held_units.get(row[0], 0), pending=pending.get(row[0], 0))
        for row in rows
    )
    return [offer for offer in found if offer.units >= 1]


def suggestions_for_need(need: Need, limit: int | None = None) -> list[Suggestion]:
    """The best offers for one need, each with why: SQL narrows, the vectorised scorer
    (the same constraints and scores as the pure one, tested equal) ranks the candidates,
    and the pure scorer explains the few that are shown."""
    limit = limit or settings.ENTRAIDE_MATCHING_SUGGESTIONS
    facts = need_facts(need)
    if facts.units < 1:
        return []
    candidates = {offer.id: offer for offer in nearest_candidates(need, facts, RETRIEVAL_LIMIT)}
    if not candidates:
        return []
    today, chosen = timezone.localdate(), weights()
    best = top_candidates(OfferIndex.build(candidates.values()), facts, limit, chosen, today)
    offers = Offer.objects.select_related("sector", "category").in_bulk([pk for pk, _ in best])
    return [
        Suggestion(offers[pk], total, score(facts, candidates[pk], weights=chosen, today=today))
        for pk, total in best
    ]


def suggestions_for_offer(offer: Offer, limit: int | None = None) -> list[Suggestion]:
    """The needs one offer could serve best."""
    limit = limit or settings.ENTRAIDE_MATCHING_SUGGESTIONS
    offer_side = offer_facts(offer)
    needs = Need.objects.active().filter(kind=offer.kind).select_related("organisation")
    needs = needs.prefetch_related("sectors", "organisation__sectors")
    if offer.kind == HelpKind.HOUSING:
        needs = needs.filter(household_size__lte=offer.capacity or 0)
    else:
        needs = needs.filter(Q(category__isnull=True) | Q(category_id__in=offer_side.category_ids))
    today, chosen = timezone.localdate(), weights()
    pairs = []
    for need in needs.order_by("opened_at", "id")[:RETRIEVAL_LIMIT]:
        need_side = need_facts(need)
        if not violations(need_side, offer_side):
            pairs.append((need, score(need_side, offer_side, weights=chosen, today=today)))
    return _ranked(pairs, limit)


def scored_pair(need: Need, offer: Offer) -> Suggestion | None:
    """The score of one pair, or None if it breaks a hard constraint."""
    need_side, offer_side = need_facts(need), offer_facts(offer)
    if violations(need_side, offer_side):
        return None
    scored = score(need_side, offer_side, weights=weights(), today=timezone.localdate())
    return Suggestion(offer, scored.total, scored)


_RULE_LABELS = {
    "kind": gettext_lazy("not the same kind of help"),
    "category": gettext_lazy("not the category asked for"),
    "beds": gettext_lazy("not enough beds"),
    "household_type": gettext_lazy("this household is not one the host welcomes"),
    "minors": gettext_lazy(
        "a minor is placed only through an organisation accredited for the care of minors"
    ),
    "broken_down": gettext_lazy("this household's stay with this offer broke down before"),
    "housing_type": gettext_lazy("not the type of housing asked for"),
    "step_free": gettext_lazy("no step-free access"),
    "pets": gettext_lazy("pets at home"),
    "dates": gettext_lazy("the dates do not overlap"),
    "stay_length": gettext_lazy("the stay lengths do not fit"),
    "distance": gettext_lazy("too far"),
    "units": gettext_lazy("nothing left to give"),
}


def pair_problems(need: Need, offer: Offer) -> list[str]:
    """Why a pair cannot be proposed, in the reader's language (empty if it can)."""
    if offer.status != Offer.Status.PUBLISHED:
        return [_("the offer is not published")]
    if need.status not in Need.ACTIVE:
        return [_("the need is not open")]
    broken = violations(need_facts(need), offer_facts(offer))
    return [str(_RULE_LABELS[name]) for name in broken]
