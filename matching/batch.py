"""The city-wide batch run: every open need against every published offer at once.

Facts are read with plain value queries (no model instances: a surge city has half a
million offers), candidates come from the vectorised index (the same constraints and
scores as the pure engine), OR-Tools assigns them, and the result is written as
suggestions for staff to review; suggestions of earlier runs that were not proposed are
replaced.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import Organisation
from matching import retrieval
from matching.engine import batch as engine_batch
from matching.engine.facts import Edge, NeedFacts, OfferFacts
from matching.engine.vectorised import OfferIndex
from matching.models import BatchRun, Match
from needs.models import Need
from offers.models import Offer

_NEED_COLUMNS = (
    "pk", "kind", "category_id", "housing_types", "household_size", "household_type",
    "quantity", "step_free_access", "languages", "wanted_from", "wanted_until",
    "max_distance_km", "urgency", "opened_at", "created_at", "organisation_id",
)  # fmt: skip


def _totals(field: str, statuses: tuple[str, ...], aggregate: Any) -> dict[int, int]:
    matches = Match.objects.filter(status__in=statuses)
    if statuses == Match.HOLDING:
        matches = Match.objects.holding()  # goods handed over stay taken
    rows = matches.values(field).annotate(total=aggregate)
    return {row[field]: row["total"] for row in rows}


def _minor_facts() -> tuple[set[int], dict[int, frozenset[int]]]:
    """Organisations accredited for minors, and the offers each need must never get
    again (a stay there broke down): what the fiche 7 and re-matching rules read."""
    accredited = set(Organisation.objects.accredited_for_minors().values_list("pk", flat=True))
    excluded: dict[int, set[int]] = defaultdict(set)
    for need_id, offer_id in Match.objects.broken_down().values_list("need_id", "offer_id"):
        excluded[need_id].add(offer_id)
    return accredited, {need_id: frozenset(ids) for need_id, ids in excluded.items()}


def offer_facts_in_bulk() -> Iterator[OfferFacts]:
    """Facts of every published offer with units left, read column by column."""
    held = _totals("offer_id", Match.HOLDING, Sum("units"))
    pending = _totals("offer_id", Match.AWAITING_ANSWER, Count("pk"))
    rows = Offer.objects.published().values_list(*retrieval.OFFER_COLUMNS)
    for row in rows.iterator(chunk_size=5000):
        pk = row[0]
        facts = retrieval.offer_facts_from_row(
            row, held=held.get(pk, 0), pending=pending.get(pk, 0)
        )
        if facts.units >= 1:
            yield facts


def need_facts_in_bulk() -> Iterator[NeedFacts]:
    """Facts of every open need with units still to find."""
    held = _totals("need_id", Match.HOLDING, Sum("units"))
    preferred: dict[int, list[int]] = defaultdict(list)
    for need_id, sector_id in Need.sectors.through.objects.values_list("need_id", "sector_id"):
        preferred[need_id].append(sector_id)
    served: dict[int, list[int]] = defaultdict(list)
    through = Need.organisation.field.related_model.sectors.through  # type: ignore[attr-defined]
    for organisation_id, sector_id in through.objects.values_list("organisation_id", "sector_id"):
        served[organisation_id].append(sector_id)
    accredited, excluded = _minor_facts()
    for row in Need.objects.active().values_list(*_NEED_COLUMNS).iterator(chunk_size=5000):
        (pk, kind, category, housing_types, size, household_type, quantity, step_free,
         languages, start, end, max_km, urgency, opened, created, organisation) = row  # fmt: skip
        units = retrieval.need_units_of(kind, quantity) - held.get(pk, 0)
        if units < 1:
            continue
        sectors = frozenset(preferred.get(pk, ()))
        latitude, longitude = retrieval._centroid(sectors or served.get(organisation, ()))
        yield NeedFacts(
            id=pk, kind=kind, category_id=category, housing_types=frozenset(housing_types),
            household_size=size, household_type=household_type, units=units,
            step_free=step_free, no_pets=False, languages=frozenset(languages),
            wanted_from=start, wanted_until=end, sector_ids=sectors, latitude=latitude,
            longitude=longitude, max_distance_km=max_km, urgency=urgency,
            opened_at=opened or created, minors_accredited=organisation in accredited,
            excluded_offer_ids=excluded.get(pk, frozenset()),
        )  # fmt: skip


def assign_city(
    needs: list[NeedFacts], offers: list[OfferFacts], *, today: Any
) -> tuple[engine_batch.Assignment, list[Edge]]:
    """Each need's best candidates, then a second round for the needs left short among
    the offers not used up (the best offers top everyone's list: engine.batch)."""
    return engine_batch.assign_in_rounds(
        OfferIndex.build(offers), needs, offers, k=settings.ENTRAIDE_MATCHING_BATCH_CANDIDATES,
        weights=retrieval.weights(), today=today, rounds=2,
    )  # fmt: skip


def batch_run(*, started_by_id: int | None = None, now: datetime | None = None) -> BatchRun:
    """Run the assignment and store its result as suggestions (nothing is proposed)."""
    started = time.perf_counter()
    today = timezone.localdate(now or timezone.now())
    needs, offers = list(need_facts_in_bulk()), list(offer_facts_in_bulk())
    assignment, _edges = assign_city(needs, offers, today=today)
    with transaction.atomic():
        run = BatchRun.objects.create(
            started_by_id=started_by_id, needs_considered=len(needs),
            offers_considered=len(offers), suggestions=len(assignment.allocations),
            critical_covered=assignment.critical_needs_covered,
            total_score=assignment.total_score,
        )  # fmt: skip
        Match.objects.filter(status=Match.Status.SUGGESTED).delete()
        # A pair already proposed holds its own units; the run's share for it stays unsaid.
        live = set(
            Match.objects.filter(status__in=Match.HOLDING).values_list("need_id", "offer_id")
        )
        Match.objects.bulk_create(
            Match(need_id=a.need_id, offer_id=a.offer_id, units=a.units, score=a.score,
                  batch=run, status=Match.Status.SUGGESTED)
            for a in assignment.allocations
            if (a.need_id, a.offer_id) not in live
        )  # fmt: skip
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - started
        run.save(update_fields=["finished_at", "seconds"])
    return run
