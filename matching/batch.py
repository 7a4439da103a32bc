"""The city-wide batch run: every open need against every published offer at once.

Facts are read with plain value queries (no model instances: a surge city has half a
million offers), candidates come from the vectorised index (the same constraints and
scores as the pure engine), OR-Tools assigns them, and the result is written as
suggestions for staff to review; suggestions of earlier runs that were not proposed are
replaced.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Organisation
from matching import retrieval
from matching.engine import batch as engine_batch
from matching.engine.facts import Edge, NeedFacts, OfferFacts
from matching.engine.scoring import score, score_unchecked
from matching.engine.vectorised import OfferIndex, top_candidates
from matching.models import BatchRun, Match
from matching.retrieval import criteria_of, offer_facts_in_bulk
from needs.models import Need


def _minor_facts() -> tuple[set[int], dict[int, frozenset[int]]]:
    """Organisations accredited for minors, and the offers each need must never get
    again (a stay there broke down): what the fiche 7 and re-matching rules read."""
    accredited = set(Organisation.objects.accredited_for_minors().values_list("pk", flat=True))
    excluded: dict[int, set[int]] = defaultdict(set)
    for need_id, offer_id in Match.objects.broken_down().values_list("need_id", "offer_id"):
        excluded[need_id].add(offer_id)
    return accredited, {need_id: frozenset(ids) for need_id, ids in excluded.items()}


def need_facts_in_bulk(today: date | None = None) -> Iterator[NeedFacts]:
    """Facts of every open need with units still to find."""
    today = today or timezone.localdate()
    held = retrieval.need_units_held(Match.objects.holding())
    preferred: dict[int, list[int]] = defaultdict(list)
    for need_id, sector_id in Need.sectors.through.objects.values_list("need_id", "sector_id"):
        preferred[need_id].append(sector_id)
    served: dict[int, list[int]] = defaultdict(list)
    through = Need.organisation.field.related_model.sectors.through  # type: ignore[attr-defined]
    for organisation_id, sector_id in through.objects.values_list("organisation_id", "sector_id"):
        served[organisation_id].append(sector_id)
    accredited, excluded = _minor_facts()
    columns = retrieval.NEED_COLUMNS
    rows = Need.objects.active().values_list(*columns).iterator(chunk_size=5000)
    for values in rows:
        row = dict(zip(columns, values, strict=True))
        facts = retrieval.need_facts_of(
            row=row, sector_ids=preferred.get(row["pk"], ()),
            organisation_sector_ids=served.get(row["organisation_id"], ()),
            held=held.get(row["pk"], 0), today=today,
            minors_accredited=row["organisation_id"] in accredited,
            excluded_offer_ids=excluded.get(row["pk"], frozenset()),
        )  # fmt: skip
        if facts.units >= 1:
            yield facts


def live_pairs() -> frozenset[tuple[int, int]]:
    """(need, offer) pairs already proposed, accepted or confirmed: a pair holds one live
    match at a time, so the plan gives those needs' remaining units to other offers."""
    live = Match.objects.filter(status__in=Match.HOLDING).values_list("need_id", "offer_id")
    return frozenset(live)


def assign_city(
    needs: list[NeedFacts],
    offers: list[OfferFacts],
    *,
    today: Any,
    forbidden: frozenset[tuple[int, int]] = frozenset(),
) -> tuple[engine_batch.Assignment, list[Edge]]:
    """The plan (``engine.batch.plan``): each need's best candidates, combinations for
    households no single offer takes, the pairs that prove critical coverage on the full
    graph, then a second round for the needs left short."""
    made = engine_batch.plan(
        OfferIndex.build(offers), needs, offers, k=settings.ENTRAIDE_MATCHING_BATCH_CANDIDATES,
        weights=retrieval.weights(), today=today, rounds=2, forbidden=forbidden,
        time_limit=settings.ENTRAIDE_MATCHING_SOLVER_SECONDS,
    )  # fmt: skip
    return made.assignment, made.edges


def _criteria(
    allocation: engine_batch.Allocation,
    needs: dict[int, NeedFacts],
    offers: dict[int, OfferFacts],
    today: date,
) -> list[dict[str, Any]]:
    """The reasons stored with a suggestion, as the pure scorer gives them."""
    need, offer = needs[allocation.need_id], offers[allocation.offer_id]
    chosen = retrieval.weights()
    if allocation.combination is None:
        return criteria_of(score(need, offer, weights=chosen, today=today))
    beds = sum(offers[i].beds_per_household for i in allocation.combination)
    return criteria_of(score_unchecked(need, offer, weights=chosen, today=today, beds=beds))


def batch_run(*, started_by_id: int | None = None, now: datetime | None = None) -> BatchRun:
    """Run the assignment and store its result as suggestions (nothing is proposed): each
    with its units and its reasons, exactly what was planned."""
    started = time.perf_counter()
    today = timezone.localdate(now or timezone.now())
    needs, offers = list(need_facts_in_bulk(today)), list(offer_facts_in_bulk())
    forbidden = live_pairs()
    assignment, _edges = assign_city(needs, offers, today=today, forbidden=forbidden)
    need_by_id, offer_by_id = {n.id: n for n in needs}, {o.id: o for o in offers}
    with transaction.atomic():
        run = BatchRun.objects.create(
            started_by_id=started_by_id, needs_considered=len(needs),
            offers_considered=len(offers), suggestions=len(assignment.allocations),
            critical_covered=assignment.critical_needs_covered,
            critical_units=assignment.critical_units, high_covered=assignment.high_needs_covered,
            total_score=assignment.total_score, proven=assignment.certified,
        )  # fmt: skip
        Match.objects.filter(status=Match.Status.SUGGESTED).delete()
        combination_keys: dict[tuple[int, tuple[int, int]], uuid.UUID] = {}
        rows = []
        for a in assignment.allocations:
            if (a.need_id, a.offer_id) in forbidden:  # the plan never makes one: say so
                raise RuntimeError(f"The plan reused a pair already proposed: {a}.")
            key = None
            if a.combination is not None:
                key = combination_keys.setdefault((a.need_id, a.combination), uuid.uuid4())
            rows.append(Match(
                need_id=a.need_id, offer_id=a.offer_id, units=a.units, score=a.score,
                criteria=_criteria(a, need_by_id, offer_by_id, today), combination=key,
                batch=run, status=Match.Status.SUGGESTED,
            ))  # fmt: skip
        Match.objects.bulk_create(rows, batch_size=2000)
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - started
        run.save(update_fields=["finished_at", "seconds"])
    return run


# --- Urgent arrivals ---------------------------------------------------------------------


def replan_urgent_need(*, need_id: int) -> list[Match]:
    """Plan one newly published critical need at once against what is not yet proposed,
    without waiting for tomorrow's run: the need, and the needs whose current suggestions
    take its best offers, are planned again together (critical first, so a room the
    newcomer alone can use moves to her, and whoever had it gets another if there is
    one). Their earlier suggestions are replaced; everyone else's stay as they are."""
    need = Need.objects.filter(pk=need_id).first()
    if need is None or need.status not in Need.ACTIVE:
        return []
    today, chosen = timezone.localdate(), retrieval.weights()
    k = settings.ENTRAIDE_MATCHING_BATCH_CANDIDATES
    facts = retrieval.need_facts(need)
    if facts.units < 1:
        return []
    offers = {o.id: o for o in _candidates_of(need, facts, k, chosen)}
    rivals = list(
        Need.objects.active()
        .filter(matches__status=Match.Status.SUGGESTED, matches__offer_id__in=list(offers))
        .exclude(pk=need.pk)
        .distinct()
        .prefetch_related("sectors")
        .select_related("organisation")
    )
    needs = [facts] + [retrieval.need_facts(rival) for rival in rivals]
    for rival, rival_facts in zip(rivals, needs[1:], strict=True):
        offers.update((o.id, o) for o in _candidates_of(rival, rival_facts, k, chosen))
    planned = {n.id for n in needs}
    elsewhere = _suggested_elsewhere(list(offers), planned)
    left = [replace(o, units=o.units - elsewhere.get(o.id, 0)) for o in offers.values()]
    left = [o for o in left if o.units >= 1]
    forbidden = frozenset(
        Match.objects.filter(status__in=Match.HOLDING, need_id__in=planned).values_list(
            "need_id", "offer_id"
        )
    )
    made = engine_batch.plan(OfferIndex.build(left), needs, left, k=k, weights=chosen,
                             today=today, forbidden=forbidden,
                             time_limit=settings.ENTRAIDE_MATCHING_SOLVER_SECONDS)  # fmt: skip
    return _store_replan(made.assignment, needs, left, planned, today)


def _candidates_of(need: Need, facts: NeedFacts, k: int, chosen: Any) -> list[OfferFacts]:
    found = retrieval.nearest_candidates(need, facts, retrieval.RETRIEVAL_LIMIT, top=k,
                                         chosen=chosen)  # fmt: skip
    best = top_candidates(OfferIndex.build(found), facts, k, chosen, timezone.localdate())
    keep = {offer_id for offer_id, _score in best}
    return [o for o in found if o.id in keep]


def _suggested_elsewhere(offer_ids: list[int], planned: set[int]) -> dict[int, int]:
    """Units of these offers that suggestions for other needs take already."""
    rows = (
        Match.objects.filter(status=Match.Status.SUGGESTED, offer_id__in=offer_ids)
        .exclude(need_id__in=planned)
        .values("offer_id")
        .annotate(total=Sum("units"))
    )
    return {row["offer_id"]: row["total"] for row in rows}


@transaction.atomic
def _store_replan(
    assignment: engine_batch.Assignment,
    needs: list[NeedFacts],
    offers: list[OfferFacts],
    planned: set[int],
    today: date,
) -> list[Match]:
    Match.objects.filter(status=Match.Status.SUGGESTED, need_id__in=planned).delete()
    need_by_id, offer_by_id = {n.id: n for n in needs}, {o.id: o for o in offers}
    keys: dict[tuple[int, tuple[int, int]], uuid.UUID] = {}
    rows = []
    for a in assignment.allocations:
        key = None
        if a.combination is not None:
            key = keys.setdefault((a.need_id, a.combination), uuid.uuid4())
        rows.append(Match(
            need_id=a.need_id, offer_id=a.offer_id, units=a.units, score=a.score,
            criteria=_criteria(a, need_by_id, offer_by_id, today), combination=key,
            status=Match.Status.SUGGESTED,
        ))  # fmt: skip
    created = Match.objects.bulk_create(rows)
    return [m for m in created if m.need_id == needs[0].id]
