"""From the database to the engine: what offers and needs can give or want, their facts,
and the SQL that narrows the candidates before the pure scorer ranks them.

Retrieval applies the hard constraints that indexes serve well (kind, category, status,
date overlap, beds, step-free access, housing type, districts within the distance); the
engine re-checks every constraint on the facts, so a looser SQL filter can cost time but
never a wrong suggestion.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import numpy as np
import orjson
from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.lookups import AnyOf
from core.models import Category, Sector
from core.vocabulary import HelpKind, HouseholdType
from matching import offer_index, prerank
from matching.engine.constraints import combination_violations, violations
from matching.engine.explain import explain
from matching.engine.facts import NeedFacts, OfferFacts, Point, min_cover_nights, need_period
from matching.engine.geo import haversine_km
from matching.engine.scoring import (
    Criterion,
    Score,
    Weights,
    distance_points,
    languages_points,
    score,
)
from matching.engine.scoring import ceiling as scoring_ceiling
from matching.engine.vectorised import OfferIndex, top_candidates
from matching.models import Match, broken_down_condition, holding_condition
from needs.models import Need
from offers.models import Offer, OfferQuerySet

# How many offers (or needs) the SQL step reads at a time, nearest districts first and,
# within them, the highest score bound first. For one need it reads on, ring after ring,
# until no unread offer could score into the top suggestions (``nearest_candidates``):
# the limit costs time, never a suggestion. Read best first, a few times the top is
# enough for most needs; every row read is turned into facts, which is the slow part.
RETRIEVAL_LIMIT = 150

# Skills that are worth nothing without a language in common with the need (the codes of
# the default category tree; their sub-categories too).
LANGUAGE_BOUND_SKILLS = frozenset({"interpreting", "sponsorship"})


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


def _language_bound() -> frozenset[int]:
    """Categories (and their descendants) that need a language shared with the need."""

    def load() -> frozenset[int]:
        roots = set(
            Category.objects.filter(code__in=LANGUAGE_BOUND_SKILLS).values_list("pk", flat=True)
        )
        return frozenset(pk for pk in _category_parents() if _ancestors(pk) & roots)

    return _cached("language_bound", load)


def reference_data() -> tuple[Any, ...]:
    """What offers' facts read besides their rows (districts, the category tree), as this
    process has it now: an offers' snapshot read with other data is dropped."""
    return (_sectors(), _category_parents(), _language_bound())


def clear_caches(**_signal: Any) -> None:
    """After a district or a category changes (a signal receiver, and between tests):
    the offers' snapshot too, whose facts read them."""
    _cache.clear()
    offer_index.clear()


def _ancestors(category_id: int | None) -> frozenset[int]:
    parents, found = _category_parents(), set()
    while category_id is not None and category_id not in found:
        found.add(category_id)
        category_id = parents.get(category_id)
    return frozenset(found)


def _descendants(category_id: int) -> list[int]:
    return [pk for pk in _category_parents() if category_id in _ancestors(pk)]


def _places(sector_ids: Iterable[int]) -> tuple[Point, ...]:
    """The centroids of these districts, in id order: distances go to the nearest one."""
    known = _sectors()
    return tuple(known[pk] for pk in sorted(set(sector_ids)) if pk in known)


def _cover_policy(kind: str, start: Any, until: Any) -> int:
    return min_cover_nights(
        kind, start, until,
        share=settings.ENTRAIDE_MATCHING_HOUSING_MIN_COVER_PERCENT / 100,
        nights=settings.ENTRAIDE_MATCHING_HOUSING_MIN_COVER_NIGHTS,
    )  # fmt: skip


def need_facts_of(
    *, row: dict[str, Any], sector_ids: Iterable[int], organisation_sector_ids: Iterable[int],
    held: int, today: Any, minors_accredited: bool = False,
    excluded_offer_ids: frozenset[int] = frozenset(),
) -> NeedFacts:  # fmt: skip
    """The one mapping from a need's columns (``NEED_COLUMNS``) to its facts: dates read
    from today, distances from its preferred districts or else its organisation's."""
    preferred = frozenset(sector_ids)
    places = _places(preferred) or _places(organisation_sector_ids)
    start, until = need_period(row["wanted_from"], row["wanted_until"], today)
    return NeedFacts(
        id=row["pk"], kind=row["kind"], category_id=row["category_id"],
        housing_types=frozenset(row["housing_types"]), household_size=row["household_size"],
        household_type=row["household_type"],
        units=need_units_of(row["kind"], row["quantity"]) - held,
        step_free=row["step_free_access"], no_pets=row["no_pets"],
        languages=frozenset(row["languages"]), wanted_from=start, wanted_until=until,
        sector_ids=preferred, places=places, max_distance_km=row["max_distance_km"],
        urgency=row["urgency"], opened_at=row["opened_at"] or row["created_at"],
        min_cover_nights=_cover_policy(row["kind"], start, until),
        places_preferred=bool(_places(preferred)), minors_accredited=minors_accredited,
        excluded_offer_ids=excluded_offer_ids,
    )  # fmt: skip


NEED_COLUMNS = (
    "pk", "kind", "category_id", "housing_types", "household_size", "household_type",
    "quantity", "step_free_access", "no_pets", "languages", "wanted_from", "wanted_until",
    "max_distance_km", "urgency", "opened_at", "created_at", "organisation_id",
)  # fmt: skip


# --- Facts ---------------------------------------------------------------------------


def held(*, offer: Offer | None = None, need: Need | None = None) -> int:
    """Units the live matches of one offer, or of one need, hold (goods handed over too)."""
    live = Match.objects.holding()
    if offer is not None:
        return live.filter(offer=offer).aggregate(total=Sum("units"))["total"] or 0
    return need_units_held(live.filter(need=need)).get(need.pk if need else 0, 0)


def need_units_held(matches: QuerySet[Match], *, whole: int = 1) -> dict[int, int]:
    """Units these matches give each need (``units_held_by_need``), in one query."""
    return units_held_by_need(matches.values_list("need_id", "units", "combination"), whole=whole)


def units_held_by_need(rows: Iterable[tuple[int, int, Any]], *, whole: int = 1) -> dict[int, int]:
    """Units matches give each need, from their (need, units, combination): the two
    offers of a combination house one household, so they count once (and only when
    ``whole`` of them are among the rows: 2 to count a combination as confirmed only
    once both offers are)."""
    given: dict[int, int] = {}
    combined: dict[tuple[int, Any], list[int]] = {}
    for need_id, units, combination in rows:
        if combination is None:
            given[need_id] = given.get(need_id, 0) + units
        else:
            combined.setdefault((need_id, combination), []).append(units)
    for (need_id, _combination), members in combined.items():
        if len(members) >= whole:
            given[need_id] = given.get(need_id, 0) + max(members)
    return given


def _matches_of_need(need: Need) -> tuple[int, frozenset[int]]:
    """What one need's matches say of it, in one query: the units they hold, and the
    offers where its household's stay broke down (never proposed to it again). A match's
    offer is of its need's kind (rule ``kind``), so the offer's row is not joined."""
    holding, broken = holding_condition(offer_kind=Value(need.kind)), broken_down_condition()
    rows = (
        Match.objects.filter(holding | broken, need_id=need.pk)
        .annotate(
            holds=ExpressionWrapper(holding, output_field=BooleanField()),
            stay_broke_down=ExpressionWrapper(broken, output_field=BooleanField()),
        )
        .order_by()
        .values_list("need_id", "units", "combination", "holds", "stay_broke_down", "offer_id")
    )
    found = list(rows)
    units = units_held_by_need(row[:3] for row in found if row[3]).get(need.pk, 0)
    return units, frozenset(row[5] for row in found if row[4])


def offer_facts(offer: Offer) -> OfferFacts:
    """Facts of one offer as the database has it now, with what its matches hold."""
    row = offer_rows(Offer.objects.filter(pk=offer.pk), loaded=True).get()
    return offer_facts_from_loaded(row)


def need_facts(need: Need, *, sector_ids: Iterable[int] | None = None) -> NeedFacts:
    row = {name: getattr(need, name) for name in NEED_COLUMNS}
    own, organisation = _district_ids(need)
    held_units, broke_down_with = _matches_of_need(need)
    return need_facts_of(
        row=row,
        sector_ids=sector_ids if sector_ids is not None else own,
        organisation_sector_ids=organisation,
        held=held_units,
        today=timezone.localdate(),
        minors_accredited=_minors_accredited(need),
        excluded_offer_ids=broke_down_with,
    )


def _minors_accredited(need: Need) -> bool:
    # Read only for a need for a minor: the only one the rule concerns.
    if need.household_type != HouseholdType.MINOR or need.organisation_id is None:
        return False
    return need.organisation.is_accredited_for_minors  # type: ignore[union-attr]


def _district_ids(need: Need) -> tuple[list[int], list[int]]:
    """The need's preferred districts and its organisation's: from what was prefetched
    (``sectors``, ``organisation__sectors``), else in one query."""

    def prefetched(instance: Any) -> bool:
        return "sectors" in getattr(instance, "_prefetched_objects_cache", {})

    loaded = need.organisation_id is None or Need.organisation.is_cached(need)
    organisation = need.organisation if need.organisation_id is not None and loaded else None
    if prefetched(need) and loaded and (organisation is None or prefetched(organisation)):
        own = [sector.pk for sector in need.sectors.all()]
        return own, [sector.pk for sector in organisation.sectors.all()] if organisation else []
    rows = Sector.objects.filter(needs=need.pk).order_by().values_list("pk", Value(True))
    if need.organisation_id is not None:
        theirs = Sector.objects.filter(organisations=need.organisation_id).order_by()
        rows = rows.union(theirs.values_list("pk", Value(False)), all=True)
    found = list(rows)
    return [pk for pk, mine in found if mine], [pk for pk, mine in found if not mine]


# --- Retrieval -----------------------------------------------------------------------


def _km_to_need(facts: NeedFacts, sector_id: int) -> float:
    lat, lon = _sectors()[sector_id]
    return min(haversine_km(plat, plon, lat, lon) for plat, plon in facts.places)


def _reachable_sectors(facts: NeedFacts) -> list[int] | None:
    """Districts within the need's maximum distance of its nearest district, or None when
    any district will do (a limit without a place reaches none: rule ``distance``)."""
    if facts.max_distance_km is None:
        return None
    if not facts.places:
        return []
    return [pk for pk in _sectors() if _km_to_need(facts, pk) <= facts.max_distance_km]


def _nearest_first(facts: NeedFacts) -> list[int]:
    if not facts.places:
        return sorted(_sectors())
    return sorted(_sectors(), key=lambda pk: (_km_to_need(facts, pk), pk))


def candidate_offers(need: Need, facts: NeedFacts) -> QuerySet[Offer]:
    """Published offers that pass the indexed hard constraints, read as the engine reads
    them (``facts``: dates from today, cover, pets, shared languages); the engine checks
    every rule again, so a looser filter here costs time, never a wrong suggestion."""
    offers = Offer.objects.published().filter(kind=need.kind)
    if need.kind != HelpKind.HOUSING and need.category_id is not None:
        offers = offers.filter(category_id__in=_descendants(need.category_id))
    if need.kind == HelpKind.HOUSING:
        offers = offers.filter(capacity__gte=need.household_size)
        if need.housing_types:
            offers = offers.filter(housing_type__in=need.housing_types)
        if need.step_free_access:
            offers = offers.filter(step_free_access=True)
        offers = _welcoming(offers, facts.household_type)
    if need.household_type == HouseholdType.MINOR and not facts.minors_accredited:
        offers = offers.none()  # fiche 7: only through an organisation accredited for minors
    if facts.excluded_offer_ids:
        offers = offers.exclude(pk__in=facts.excluded_offer_ids)
    if facts.no_pets:
        offers = offers.filter(pets_at_home=False)
    start, until = facts.wanted_from, facts.wanted_until
    if until is not None:
        offers = offers.filter(Q(available_from__isnull=True) | Q(available_from__lte=until))
    # Never an offer past its end date: ``start`` is today at the earliest.
    offers = offers.filter(Q(available_until__isnull=True) | Q(available_until__gte=start))
    if facts.min_cover_nights > 0:  # rule cover, as far as one column at a time can say
        cover = timedelta(days=facts.min_cover_nights)
        offers = offers.filter(
            Q(available_until__isnull=True) | Q(available_until__gte=start + cover)
        )
        if until is not None:
            offers = offers.filter(
                Q(available_from__isnull=True) | Q(available_from__lte=until - cover)
            )
    return _sharing_a_language(offers, need, facts)


def _sharing_a_language(offers: QuerySet[Offer], need: Need, facts: NeedFacts) -> QuerySet[Offer]:
    """Rule languages: interpreting and sponsorship offers share a language with the need.
    JSON containment is PostgreSQL's; elsewhere the engine alone applies the rule."""
    bound = _language_bound()
    if need.kind != HelpKind.SKILL or not bound or connection.vendor != "postgresql":
        return offers
    shared = Q()
    for code in sorted(facts.languages):
        shared |= Q(languages__contains=[code])
    return (
        offers.exclude(Q(category_id__in=bound) & ~shared)
        if shared
        else offers.exclude(category_id__in=bound)
    )


def _welcoming(offers: OfferQuerySet, household_type: str) -> OfferQuerySet:
    """Rule household_type in SQL: housing whose host welcomes this household (a minor,
    fiche 7, only with a host who accepted minors); none for a need without a type."""
    if not household_type:
        return offers.none()
    if connection.vendor == "postgresql":
        return offers.filter(household_types__contains=[household_type])
    # SQLite has no JSON containment: the list is stored as text, and the engine checks
    # the rule again on the facts.
    return offers.filter(household_types__icontains=f'"{household_type}"')


@dataclass(frozen=True)
class Suggestion:
    subject: Any  # the Offer suggested for a need, or the Need suggested for an offer
    total: float
    scored: Score

    @property
    def criteria(self) -> list[dict[str, Any]]:
        """The criteria as stored with a match (codes and figures, any language)."""
        return criteria_of(self.scored)

    @property
    def reasons(self) -> list[str]:
        return reasons_of(self.scored)


def reasons_of(scored: Score) -> list[str]:
    """Why a pair scores what it does, in the reader's language."""
    return [explain(criterion) for criterion in scored.criteria]


def criteria_of(scored: Score) -> list[dict[str, Any]]:
    """A score's criteria as stored with a match: codes and figures, in no language."""
    return [
        {"name": c.name, "points": round(c.points, 2), "max_points": c.max_points,
         "reason": c.reason, "params": c.params}
        for c in scored.criteria
    ]  # fmt: skip


def stored_reasons(criteria: list[dict[str, Any]]) -> list[str]:
    return [explain(Criterion(**criterion)) for criterion in criteria]


def _ranked(pairs: list[tuple[Any, Score]], limit: int) -> list[Suggestion]:
    pairs.sort(key=lambda pair: (-pair[1].total, pair[0].pk))
    return [Suggestion(subject, scored.total, scored) for subject, scored in pairs[:limit]]


# The columns an offer's facts are built from: read as plain values, never as models
# (building half a million models, or even a thousand per request, is the slow part), and
# the times and lists as text (``offer_rows``).
OFFER_COLUMNS = (
    "pk", "kind", "category_id", "housing_type", "capacity", "households_at_once", "quantity",
    "household_types_text", "available_from", "available_until", "min_stay_nights",
    "max_stay_nights", "step_free_access", "pets_at_home", "languages_text", "sector_id",
    "confirmed_text", "published_text", "created_text", "owner_id", "street_address",
    "postcode",
)  # fmt: skip

# Times and lists as text, parsed by ``datetime.fromisoformat`` and orjson: the parser of
# PostgreSQL's times that Django's loader calls costs twenty times as much, and reading a
# surge's half a million offers for the batch, or a few hundred for one need's
# suggestions, spent more time there than anywhere else.
_AS_TEXT = {
    "household_types_text": "household_types", "languages_text": "languages",
    "confirmed_text": "last_confirmed_at", "published_text": "published_at",
    "created_text": "created_at",
}  # fmt: skip


def offer_rows(offers: QuerySet[Offer], *, loaded: bool = False) -> QuerySet[Any]:
    """Rows of ``OFFER_COLUMNS`` (of ``LOADED_COLUMNS`` with what matches take from the
    offers, ``with_load``), for ``offer_facts_from_row``."""
    texts = {name: Cast(column, output_field=TextField()) for name, column in _AS_TEXT.items()}
    offers = offers.annotate(**texts)
    if loaded:
        return with_load(offers).values_list(*LOADED_COLUMNS)
    return offers.values_list(*OFFER_COLUMNS)


def _moment(text: str) -> datetime:
    """A time read as text, in UTC as Django reads it (SQLite's text has no offset)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC) if moment.utcoffset() else moment


def place_key(
    kind: str, *, owner_id: int | None, sector_id: int, street_address: str, postcode: str
) -> str:
    """Which housing offers are at one place, so that two may house one household: the
    same address, or else the same host in the same district. A digest, not the address:
    the facts never carry it."""
    if kind != HelpKind.HOUSING:
        return ""
    address = " ".join(f"{street_address} {postcode}".lower().split())
    if address:
        return "a:" + hashlib.blake2b(address.encode(), digest_size=12).hexdigest()
    return f"h:{owner_id}:{sector_id}" if owner_id is not None else ""


def offer_facts_from_row(row: tuple[Any, ...], *, held: int, pending: int) -> OfferFacts:
    """Facts of one row of ``OFFER_COLUMNS``; ``units`` is what the offer has left."""
    (pk, kind, category, housing_type, capacity, households, quantity, household_types,
     start, end, min_stay, max_stay, step_free, pets, languages, sector, confirmed,
     published, created, owner, street, postcode) = row  # fmt: skip
    total = _units_of(kind, households=households, quantity=quantity, capacity=capacity)
    household_types, languages = orjson.loads(household_types), orjson.loads(languages)
    latitude, longitude = _sectors().get(sector, (0.0, 0.0))
    return OfferFacts(
        id=pk, kind=kind, category_ids=_ancestors(category), housing_type=housing_type,
        beds=capacity or 0, households_at_once=households or 1, units=max(total - held, 0),
        household_types=frozenset(household_types), available_from=start,
        available_until=end, min_stay_nights=min_stay, max_stay_nights=max_stay,
        step_free=step_free, pets=pets, languages=frozenset(languages), sector_id=sector,
        latitude=latitude, longitude=longitude,
        waiting_since=_moment(published or created),
        pending_proposals=pending, language_required=category in _language_bound(),
        place_key=place_key(kind, owner_id=owner, sector_id=sector, street_address=street,
                            postcode=postcode),
        confirmed_at=_moment(confirmed) if confirmed else None,
    )  # fmt: skip


def with_load(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """These offers with what their matches take from them, read with the rest of the
    row (``LOADED_COLUMNS``): the units held and the answers awaited."""
    holding = holding_condition(offer_kind=OuterRef("kind"))  # no join back to the offer
    matches = Match.objects.filter(holding, offer_id=OuterRef("pk")).order_by().values("offer_id")
    held_units = matches.annotate(total=Sum("units")).values("total")
    awaited = Q(status__in=Match.AWAITING_ANSWER)
    pending = matches.annotate(total=Count("pk", filter=awaited)).values("total")
    return offers.annotate(
        held_units=Coalesce(Subquery(held_units), 0), pending_answers=Coalesce(Subquery(pending), 0)
    )


# ``OFFER_COLUMNS`` and what the matches take (``with_load``).
LOADED_COLUMNS = (*OFFER_COLUMNS, "held_units", "pending_answers")


def offer_facts_from_loaded(row: tuple[Any, ...]) -> OfferFacts:
    """Facts of one row of ``LOADED_COLUMNS``."""
    return offer_facts_from_row(row[:-2], held=row[-2], pending=row[-1])


def offer_facts_in_bulk() -> Iterator[OfferFacts]:
    """Facts of every published offer with units left, read column by column (what its
    matches take in two grouped queries, not one subquery per offer)."""
    held = _match_totals(Match.objects.holding(), Sum("units"))
    pending = _match_totals(Match.objects.filter(status__in=Match.AWAITING_ANSWER), Count("pk"))
    rows = offer_rows(Offer.objects.published())
    for row in rows.iterator(chunk_size=5000):
        pk = row[0]
        facts = offer_facts_from_row(row, held=held.get(pk, 0), pending=pending.get(pk, 0))
        if facts.units >= 1:
            yield facts


def _match_totals(matches: QuerySet[Match], aggregate: Any) -> dict[int, int]:
    rows = matches.order_by().values("offer_id").annotate(total=aggregate)
    return {row["offer_id"]: row["total"] for row in rows}


def _rings(facts: NeedFacts) -> list[list[int]]:
    """Reachable districts, nearest first, in rings that double (1, 2, 4... districts), so
    that a sparse city costs a few queries rather than one per district."""
    reachable = _reachable_sectors(facts)
    districts = [pk for pk in _nearest_first(facts) if reachable is None or pk in reachable]
    rings, start, size = [], 0, 1
    while start < len(districts):
        rings.append(districts[start : start + size])
        start, size = start + size, size * 2
    return rings


def nearest_candidates(
    need: Need, facts: NeedFacts, limit: int, *, top: int = 0, chosen: Weights | None = None
) -> list[OfferFacts]:
    """Candidate offers' facts from the nearest districts outwards, ring after ring, and
    within a ring the highest score bound first (``prerank``), ``limit`` rows at a time.
    With ``top``, reading goes on past each ``limit`` rows until the ``top`` best found
    outscore every offer not yet read: the bound of the next row in the ring, and the
    ceiling of the rings beyond (``scoring.ceiling``), so no top offer is ever lost to the
    limit. Without, it stops at ``limit`` rows."""
    return _read_nearest(need, facts, limit, top=top, chosen=chosen or weights()).facts()


def _read_nearest(
    need: Need, facts: NeedFacts, limit: int, *, top: int, chosen: Weights
) -> _Reader:
    """``nearest_candidates``' reading; the reader keeps the ``top`` best found."""
    today = timezone.localdate()
    offers = candidate_offers(need, facts)
    rings = _rings(facts)
    reader = _Reader(facts, top, chosen, today, offers)
    budget = limit  # rows still to read before the next check
    for position, districts in enumerate(rings):
        points = {pk: reader.distance_points(pk) for pk in districts}
        in_ring = prerank.best_bound_first(
            offers.filter(sector_id__in=districts), prerank.bound_of(facts, chosen, today, points)
        )
        ranked = _ranked_in_ring(in_ring, first=limit)
        while piece := list(islice(ranked, budget)):
            reachable = reader.within_reach(piece)
            reader.rows += _rows_of([pk for pk, _bound in reachable])
            budget -= len(reachable)
            if len(reachable) < len(piece):
                break  # the top outranks the rest of the ring: its rows are not read
            if budget > 0:
                break  # the ring is read whole: on to the next with what is left
            if not top:
                return reader
            budget = limit
            last_pk, last_bound = piece[-1]
            if reader.outranks(last_bound, last_pk):
                break  # nothing further in the ring can enter the top
        if top and reader.settled(rings[position + 1 :]):
            break
    return reader


def _ranked_in_ring(in_ring: QuerySet[Offer], *, first: int) -> Iterator[tuple[int, float]]:
    """A ring's ids and bounds, best first: an index-only scan (offer_published_candidates)
    of ``first`` rows, then four times as many each time with keyset pagination (no
    OFFSET), since every query scans the whole ring again to rank it."""
    size, after = first, None
    while True:
        query = in_ring if after is None else in_ring.filter(prerank.after(*after))
        found = list(query.values_list("pk", prerank.BOUND)[:size])
        yield from found
        if len(found) < size:
            return
        after, size = (found[-1][1], found[-1][0]), size * 4


@dataclass
class _Reader:
    """The rows read so far for one need, turned into facts in as few queries as can be."""

    need: NeedFacts
    top: int
    chosen: Weights
    today: Any
    offers: QuerySet[Offer]  # the candidates, all districts
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    # District → whether it holds a candidate sharing one of the need's languages.
    sharing: dict[int, bool] = field(default_factory=dict)
    converted: list[OfferFacts] = field(default_factory=list)
    done: int = 0
    best: list[tuple[int, float]] = field(default_factory=list)  # the top so far

    def facts(self) -> list[OfferFacts]:
        if self.done < len(self.rows):
            fresh = _facts_of_rows(self.rows[self.done :])
            self.converted += fresh
            self.done = len(self.rows)
            if self.top and fresh:  # merge the new rows' top into the running one
                found = top_candidates(OfferIndex.build(fresh), self.need, self.top,
                                       self.chosen, self.today)  # fmt: skip
                merged = sorted(self.best + found, key=lambda pair: (-pair[1], pair[0]))
                self.best = merged[: self.top]
        return self.converted

    def distance_points(self, sector_id: int) -> float:
        return _district_points(self.need, self.chosen, sector_id)

    def within_reach(self, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """The first of these (id, bound), best first, that may still enter the top: up
        to the first one the top outranks, after which none can."""
        if not self.top:
            return ranked
        for position, (pk, bound) in enumerate(ranked):
            if self.outranks(bound, pk):
                return ranked[:position]
        return ranked

    def outranks(self, bound: float, last_id: int) -> bool:
        """Whether the ``top`` best read outrank the rows of a ring after the one read
        last (``bound``, ``last_id``): they score at most ``bound``, and on a tie the
        smaller id, read already, comes first."""
        self.facts()
        if len(self.best) < self.top:
            return False
        best_id, best = self.best[-1]
        return best > bound + 1e-6 or (best >= bound - 1e-6 and best_id < last_id)

    def settled(self, unread: list[list[int]]) -> bool:
        """Whether the ``top`` best read outscore every offer of the ``unread`` rings, by
        their ceiling (a tie is not settled: an offer there may have a smaller id). The
        ceiling counts the languages at their best: for the districts that would settle
        but for them, one query tells which hold no candidate sharing a language."""
        beyond = [pk for ring in unread for pk in ring]
        if not beyond:
            return True
        self.facts()
        if len(self.best) < self.top:
            return False
        best = self.best[-1][1]
        blocking = [pk for pk in beyond if not best > self._ceiling(pk) + 1e-6]
        languages = self._languages_at_best()
        if not blocking:
            return True
        if not languages or any(not best > self._ceiling(pk) - languages + 1e-6 for pk in blocking):
            return False  # even offers sharing no language there could still beat the top
        unknown = [pk for pk in blocking if pk not in self.sharing]
        if unknown:
            speaking = prerank.districts_sharing_a_language(self.offers, self.need, unknown)
            self.sharing.update({pk: pk in speaking for pk in unknown})
        return not any(self.sharing[pk] for pk in blocking)

    def _languages_at_best(self) -> float:
        """What the ceiling counts for languages, which no offer sharing none scores."""
        if connection.vendor != "postgresql":
            return 0.0  # the languages of many offers are not read in SQL there
        return languages_points(self.chosen, len(self.need.languages))

    def _ceiling(self, sector_id: int) -> float:
        km = _km_to_need(self.need, sector_id) if self.need.places else None
        return scoring_ceiling(self.need, self.chosen, self.today, km=km,
                               preferred=sector_id in self.need.sector_ids)  # fmt: skip


def _district_points(need: NeedFacts, chosen: Weights, sector_id: int) -> float:
    """The distance points of an offer in this district, for this need."""
    km = _km_to_need(need, sector_id) if need.places else None
    return distance_points(chosen, km, sector_id in need.sector_ids)


def _rows_of(offer_ids: list[int]) -> list[tuple[Any, ...]]:
    """``LOADED_COLUMNS`` of these offers, in this order."""
    if not offer_ids:
        return []
    found = offer_rows(Offer.objects.filter(AnyOf(F("pk"), offer_ids)).order_by(), loaded=True)
    rows = {row[0]: row for row in found}
    return [rows[pk] for pk in offer_ids if pk in rows]


def _facts_of_rows(rows: list[tuple[Any, ...]]) -> list[OfferFacts]:
    """Facts of rows of ``LOADED_COLUMNS``, those with units left."""
    found = (offer_facts_from_loaded(row) for row in rows)
    return [offer for offer in found if offer.units >= 1]


def ranked_offers(need: Need, limit: int | None = None) -> list[tuple[int, float, Score]]:
    """The best offers for one need, by id, each with its total and why: ranked from the
    process's snapshot of the published offers (``offer_index``) once it is ready, else
    narrowed in SQL; the vectorised scorer (the same constraints and scores as the pure
    one, tested equal) ranks the candidates, and the pure scorer explains the few that
    are shown."""
    limit = limit or settings.ENTRAIDE_MATCHING_SUGGESTIONS
    facts = need_facts(need)
    if facts.units < 1:
        return []
    today, chosen = timezone.localdate(), weights()
    snapshot = (
        offer_index.current(offer_facts_in_bulk, reference_data())
        if settings.ENTRAIDE_MATCHING_OFFER_INDEX
        else None
    )
    if snapshot is not None:
        best = _ranked_from_memory(need, facts, snapshot, limit, chosen, today)
    else:
        reader = _read_nearest(need, facts, RETRIEVAL_LIMIT, top=limit, chosen=chosen)
        read = {offer.id: offer for offer in reader.facts()}
        # The vectorised top of every row read, merged read after read.
        best = [(pk, total, read[pk]) for pk, total in reader.best]
    return [
        (pk, total, score(facts, offer, weights=chosen, today=today)) for pk, total, offer in best
    ]


def _ranked_from_memory(
    need: Need, facts: NeedFacts, snapshot: offer_index.Snapshot, limit: int, chosen: Weights,
    today: Any,
) -> list[tuple[int, float, OfferFacts]]:  # fmt: skip
    """The ``limit`` best offers, ranked from the snapshot but scored on what the database
    holds now. Offers written since it was taken (``written_since``) are left out of its
    ranking. The offers it ranks first among the others are read again; those it ranks
    lower score what it says, so reading further down stops once the ``limit`` best read
    outrank the last offer it ranked. Then the offers written since, as they are now,
    compete with that top: those whose bound reaches it (``_changed_reaching``)."""
    changed = written_since(snapshot.since)
    offer_index.note_changes(snapshot, len(changed),
                             max_age=settings.ENTRAIDE_MATCHING_OFFER_INDEX_SECONDS)  # fmt: skip
    candidates, size = candidate_offers(need, facts), limit
    left_out = np.fromiter(sorted(changed), dtype=np.int64, count=len(changed))
    ranked = top_candidates(snapshot.index, facts, size, chosen, today, excluded=left_out)
    asked = {pk for pk, _total in ranked}
    fresh = _fresh_facts(candidates, asked)
    while True:
        best = top_candidates(OfferIndex.build(list(fresh.values())), facts, limit, chosen, today)
        if len(ranked) < size:
            break  # the snapshot has no other candidate
        last_pk, last_total = ranked[-1]
        worst = (-best[-1][1], best[-1][0]) if len(best) == limit else None
        if worst is not None and worst <= (-last_total, last_pk):
            break
        size *= 4
        ranked = top_candidates(snapshot.index, facts, size, chosen, today, excluded=left_out)
        unread = {pk for pk, _total in ranked} - asked
        asked |= unread
        fresh.update(_fresh_facts(candidates, unread))
    floor = best[-1][1] if len(best) == limit else None
    if floor is None and len(changed) > RETRIEVAL_LIMIT:
        # The snapshot holds fewer than ``limit`` offers not written since (it was taken
        # just after an import, say): nothing bounds the many written since, and the SQL
        # path's reading, best bound first, gives the top of every candidate.
        reader = _read_nearest(need, facts, RETRIEVAL_LIMIT, top=limit, chosen=chosen)
        read = {offer.id: offer for offer in reader.facts()}
        return [(pk, total, read[pk]) for pk, total in reader.best]
    fresh.update(_changed_reaching(facts, candidates, changed, snapshot.since, floor, chosen,
                                   today))  # fmt: skip
    pool = [fresh[pk] for pk, _total in best] + [fresh[pk] for pk in changed if pk in fresh]
    best = top_candidates(OfferIndex.build(pool), facts, limit, chosen, today)
    return [(pk, total, fresh[pk]) for pk, total in best]


def _changed_reaching(
    facts: NeedFacts, candidates: QuerySet[Offer], changed: set[int], since: datetime,
    floor: float | None, chosen: Weights, today: Any,
) -> dict[int, OfferFacts]:  # fmt: skip
    """Those of the offers written since the snapshot (``changed``, since ``since``) that
    may enter the top, as they are now: all of them when they are few or the top is not
    full (``floor`` None); after a burst of writes (an import, a national appeal:
    thousands in the snapshot's minutes), only the candidates whose score bound
    (``prerank``) reaches ``floor``, the last score of the top. The bound is never below
    the score, so none that could enter is left. They are found by the rule of
    ``written_since`` (the ``updated_at`` index), not by their ids: a list of thousands
    of ids costs more to send, and PostgreSQL compares it to each row one by one."""
    if len(changed) <= RETRIEVAL_LIMIT or floor is None:
        return _fresh_facts(candidates, changed)
    districts = [pk for ring in _rings(facts) for pk in ring]
    points = {pk: _district_points(facts, chosen, pk) for pk in districts}
    bound = prerank.bound_of(facts, chosen, today, points)
    matched = sorted({pk for (pk,) in _matches_written_since(since).values_list("offer_id")})
    written = Q(updated_at__gte=since) | Q(pk__in=matched) if matched else Q(updated_at__gte=since)
    reaching = candidates.filter(written, sector_id__in=districts).annotate(
        **{prerank.BOUND: bound}
    )
    reaching = reaching.filter(**{f"{prerank.BOUND}__gte": floor - 1e-6})
    rows = offer_rows(reaching.order_by(), loaded=True)
    return {offer.id: offer for offer in _facts_of_rows(list(rows))}


def written_since(moment: datetime) -> set[int]:
    """Offers saved since ``moment``, and offers whose matches were."""
    offers = Offer.objects.filter(updated_at__gte=moment).order_by().values_list("pk")
    matched = _matches_written_since(moment).values_list("offer_id")
    return {pk for (pk,) in offers.union(matched)}


def _matches_written_since(moment: datetime) -> QuerySet[Match]:
    # A suggestion holds nothing (a batch run writes thousands): only what holds or awaits.
    matches = Match.objects.filter(updated_at__gte=moment).exclude(status=Match.Status.SUGGESTED)
    return matches.order_by()


def _fresh_facts(candidates: QuerySet[Offer], ids: set[int]) -> dict[int, OfferFacts]:
    """Facts of those of these offers that are candidates now, with units left."""
    if not ids:
        return {}
    rows = offer_rows(candidates.filter(AnyOf(F("pk"), sorted(ids))).order_by(), loaded=True)
    return {offer.id: offer for offer in _facts_of_rows(list(rows))}


def suggestions_for_need(need: Need, limit: int | None = None) -> list[Suggestion]:
    """``ranked_offers`` with the offers themselves (their district and category)."""
    ranked = ranked_offers(need, limit)
    offers = Offer.objects.select_related("sector", "category").in_bulk([pk for pk, *_ in ranked])
    return [Suggestion(offers[pk], total, scored) for pk, total, scored in ranked]


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
    "cover": gettext_lazy("available for too little of the wanted period"),
    "distance": gettext_lazy("too far"),
    "languages": gettext_lazy("no language in common, which this help needs"),
    "units": gettext_lazy("nothing left to give"),
}


_COMBINATION_LABELS = {
    **_RULE_LABELS,
    "place": gettext_lazy("not at one address"),
    "alone_enough": gettext_lazy("one of the offers is enough on its own"),
    "combination": gettext_lazy("only one household of two or more is housed by two offers"),
}


def combination_problems(need: Need, offers: list[Offer]) -> list[str]:
    """Why two offers cannot together house the need (empty if they can): each must break
    no rule but the beds, and their beds must add up to the household."""
    if any(offer.status != Offer.Status.PUBLISHED for offer in offers):
        return [_("the offer is not published")]
    if need.status not in Need.ACTIVE:
        return [_("the need is not open")]
    broken = combination_violations(need_facts(need), [offer_facts(offer) for offer in offers])
    return sorted(str(_COMBINATION_LABELS[name]) for name in broken)


def pair_problems(need: Need, offer: Offer) -> list[str]:
    """Why a pair cannot be proposed, in the reader's language (empty if it can)."""
    if offer.status != Offer.Status.PUBLISHED:
        return [_("the offer is not published")]
    if need.status not in Need.ACTIVE:
        return [_("the need is not open")]
    broken = violations(need_facts(need), offer_facts(offer))
    return [str(_RULE_LABELS[name]) for name in broken]


def problems_of_pairs(need: Need, offers: list[Offer]) -> dict[int, list[str]]:
    """``pair_problems`` of one need with many offers (the offers staff searched for on a
    need's page): the need's facts once, the offers' in one query."""
    if need.status not in Need.ACTIVE:
        return {offer.pk: [_("the need is not open")] for offer in offers}
    facts = need_facts(need)
    ids = [offer.pk for offer in offers]
    loaded = offer_rows(Offer.objects.filter(pk__in=ids), loaded=True)
    rows = {row[0]: row for row in loaded}
    found: dict[int, list[str]] = {}
    for offer in offers:
        if offer.status != Offer.Status.PUBLISHED:
            found[offer.pk] = [_("the offer is not published")]
            continue
        side = offer_facts_from_loaded(rows[offer.pk])
        found[offer.pk] = [str(_RULE_LABELS[name]) for name in violations(facts, side)]
    return found


@dataclass(frozen=True)
class PlannedElsewhere:
    """An offer the current plan gives to another need, and what moving it would cost."""

    need: Need
    units: int
    score: float
    next_best: float | None  # that need's best other offer, None if it has none

    @property
    def cost(self) -> float | None:
        return None if self.next_best is None else max(0.0, self.score - self.next_best)


def planned_elsewhere(need: Need, offer_ids: list[int]) -> dict[int, list[PlannedElsewhere]]:
    """For each of these offers, the suggestions of the current plan that give it to
    other needs, with each one's best other offer (what it would lose if moved)."""
    found: dict[int, list[PlannedElsewhere]] = {}
    others = (
        Match.objects.filter(status=Match.Status.SUGGESTED, offer_id__in=offer_ids)
        .exclude(need=need)
        .select_related("need")
        .order_by("offer_id", "-score")
    )
    best_of: dict[
        int, list[tuple[int, float, Score]]
    ] = {}  # each other need ranked once, however many
    for match in others:
        if match.need_id not in best_of:
            best_of[match.need_id] = ranked_offers(match.need, 3)
        alternatives = [total for pk, total, _ in best_of[match.need_id] if pk != match.offer_id]
        found.setdefault(match.offer_id, []).append(
            PlannedElsewhere(match.need, match.units, match.score, max(alternatives, default=None))
        )
    return found


def shortfall(need: Need, *, limit: int = 5000) -> list[str]:
    """What is missing when nothing fits: for each rule, how many published offers of the
    kind would fit but for it alone, and for housing the most beds one offer has free."""
    facts = need_facts(need)
    offers = offer_rows(Offer.objects.published().filter(kind=need.kind), loaded=True)
    sides = _facts_of_rows(list(offers.order_by("pk")[:limit]))
    blocked: dict[str, int] = {}
    for side in sides:
        broken = violations(facts, side)
        if len(broken) == 1:
            blocked[broken[0]] = blocked.get(broken[0], 0) + 1
    lines = [
        ngettext(
            "%(count)d offer would fit but for this: %(rule)s.",
            "%(count)d offers would fit but for this: %(rule)s.",
            count,
        )
        % {"count": count, "rule": _RULE_LABELS[name]}
        for name, count in sorted(blocked.items(), key=lambda item: -item[1])
    ]
    if need.kind == HelpKind.HOUSING and sides:
        most = max(side.beds_per_household for side in sides)
        if most < facts.household_size:
            lines.insert(0, ngettext(
                "No offer has %(size)d beds for one household: the most is %(count)d bed.",
                "No offer has %(size)d beds for one household: the most is %(count)d beds.",
                most,
            ) % {"size": facts.household_size, "count": most})  # fmt: skip
    if not sides:
        lines.append(_("No published offer of this kind at all."))
    return lines
