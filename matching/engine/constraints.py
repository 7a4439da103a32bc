"""The hard constraints of matching: the single place where each one is written.

``violations(need, offer)`` names every rule a pair breaks; an empty tuple means the pair
is compatible. Each rule is one small predicate (True = satisfied) in ``RULES``; the
vectorised path (``vectorised.py``) applies the same rules as NumPy masks, one mask
function per family of rules, and a test checks that both agree on random instances.
Retrieval's SQL narrows with the same readings (``matching/retrieval.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from matching.engine.facts import HOUSING, MINOR, NeedFacts, OfferFacts
from matching.engine.geo import haversine_km

Rule = Callable[[NeedFacts, OfferFacts], bool]


def same_kind(need: NeedFacts, offer: OfferFacts) -> bool:
    return need.kind == offer.kind


def category_fits(need: NeedFacts, offer: OfferFacts) -> bool:
    # A "clothing" need accepts a "children's clothing" offer: the need's category is the
    # offer's or one of its ancestors. No category on the need: anything of that kind.
    if need.kind == HOUSING or need.category_id is None:
        return True
    return need.category_id in offer.category_ids


def enough_beds(need: NeedFacts, offer: OfferFacts) -> bool:
    return need.kind != HOUSING or offer.beds_per_household >= need.household_size


def household_type_welcome(need: NeedFacts, offer: OfferFacts) -> bool:
    # A women-only room ({"woman_alone"}) never goes to a "single_adult"; a need without
    # a household type fits no housing offer, since nobody can say it is welcome.
    return need.kind != HOUSING or need.household_type in offer.household_types


def minors_through_accredited(need: NeedFacts, offer: OfferFacts) -> bool:
    """Fiche 7: an unaccompanied minor is placed only through an organisation accredited
    for the care of minors, and only with a host who accepted minors (``household_type``
    checks the host's side; this rule checks the organisation's, for every kind)."""
    return need.household_type != MINOR or (
        need.minors_accredited and (need.kind != HOUSING or MINOR in offer.household_types)
    )


def not_broken_down_before(need: NeedFacts, offer: OfferFacts) -> bool:
    # A household whose stay there broke down or ended early is never sent back.
    return offer.id not in need.excluded_offer_ids


def housing_type_wanted(need: NeedFacts, offer: OfferFacts) -> bool:
    if need.kind != HOUSING or not need.housing_types:
        return True
    return offer.housing_type in need.housing_types


def step_free_if_needed(need: NeedFacts, offer: OfferFacts) -> bool:
    return need.kind != HOUSING or not need.step_free or offer.step_free


def no_pets_if_needed(need: NeedFacts, offer: OfferFacts) -> bool:
    return not (need.no_pets and offer.pets)


def dates_overlap(need: NeedFacts, offer: OfferFacts) -> bool:
    # ``wanted_from`` is never before today (facts.need_period), so an offer whose end
    # date has passed fails here even before the daily task expires it.
    if offer.available_until and offer.available_until < need.wanted_from:
        return False
    return not (
        need.wanted_until and offer.available_from and need.wanted_until < offer.available_from
    )


def stay_length_fits(need: NeedFacts, offer: OfferFacts) -> bool:
    """The remaining wanted stay (known only when the need gives an end date) fits the
    host's shortest and longest stay."""
    if need.wanted_until is None:
        return True
    nights = (need.wanted_until - need.wanted_from).days
    too_short = offer.min_stay_nights is not None and nights < offer.min_stay_nights
    too_long = offer.max_stay_nights is not None and nights > offer.max_stay_nights
    return not (too_short or too_long)


def covered_nights(need: NeedFacts, offer: OfferFacts) -> float:
    """Nights of the remaining wanted period the offer is available for (inf when both
    are open-ended)."""
    first = max(need.wanted_from, offer.available_from or need.wanted_from)
    ends = [day for day in (need.wanted_until, offer.available_until) if day is not None]
    if not ends:
        return math.inf
    return max(0, (min(ends) - first).days)


def covers_enough(need: NeedFacts, offer: OfferFacts) -> bool:
    # Housing only: a dwelling free for three days is no answer to six months of need.
    return need.min_cover_nights <= 0 or covered_nights(need, offer) >= need.min_cover_nights


def nearest_km(need: NeedFacts, offer: OfferFacts) -> float | None:
    """Distance to the nearest of the need's districts; None when it has none."""
    if not need.places:
        return None
    return min(haversine_km(lat, lon, offer.latitude, offer.longitude) for lat, lon in need.places)


def within_distance(need: NeedFacts, offer: OfferFacts) -> bool:
    # A limit without a place to measure from is refused when the need is written; should
    # one reach the engine all the same, it matches nothing rather than everything.
    if need.max_distance_km is None:
        return True
    km = nearest_km(need, offer)
    return km is not None and km <= need.max_distance_km


def shares_a_language(need: NeedFacts, offer: OfferFacts) -> bool:
    # Interpreting or sponsorship without a language in common helps nobody.
    return not offer.language_required or bool(need.languages & offer.languages)


def has_units(need: NeedFacts, offer: OfferFacts) -> bool:
    return need.units >= 1 and offer.units >= 1


RULES: tuple[tuple[str, Rule], ...] = (
    ("kind", same_kind),
    ("category", category_fits),
    ("beds", enough_beds),
    ("household_type", household_type_welcome),
    ("minors", minors_through_accredited),
    ("broken_down", not_broken_down_before),
    ("housing_type", housing_type_wanted),
    ("step_free", step_free_if_needed),
    ("pets", no_pets_if_needed),
    ("dates", dates_overlap),
    ("stay_length", stay_length_fits),
    ("cover", covers_enough),
    ("distance", within_distance),
    ("languages", shares_a_language),
    ("units", has_units),
)


def violations(need: NeedFacts, offer: OfferFacts) -> tuple[str, ...]:
    """The names of the rules the pair breaks, in ``RULES`` order; empty if compatible."""
    return tuple(name for name, rule in RULES if not rule(need, offer))


def compatible(need: NeedFacts, offer: OfferFacts) -> bool:
    return all(rule(need, offer) for _name, rule in RULES)


def combinable(need: NeedFacts) -> bool:
    """Only one household of two or more, looking for housing, is housed by a combination."""
    return need.kind == HOUSING and need.units == 1 and need.household_size >= 2


def combination_violations(need: NeedFacts, offers: Sequence[OfferFacts]) -> tuple[str, ...]:
    """The rules that offers taken together for one household break; empty when together,
    and only together, they house it: each breaks no rule but the beds and is too small
    alone (``alone_enough``), their beds add up to the household, and they stand at one
    address (``place``). ``combination`` when the need is not one a combination houses."""
    broken = set() if combinable(need) else {"combination"}
    for offer in offers:
        rules = violations(need, offer)
        broken.update(name for name in rules if name != "beds")
        if "beds" not in rules:
            broken.add("alone_enough")
    if sum(offer.beds_per_household for offer in offers) < need.household_size:
        broken.add("beds")
    places = {offer.place_key for offer in offers}
    if len(places) != 1 or not offers[0].place_key:
        broken.add("place")
    return tuple(sorted(broken))
