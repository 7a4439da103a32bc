"""The score bound that SQL ranks a need's candidates by (``matching.prerank``), and the
retrieval that reads them best bound first: never a top suggestion lost."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import Organisation
from core.models import Sector
from matching import prerank, retrieval
from matching.engine.constraints import violations
from matching.engine.scoring import score, score_bound
from offers.models import Offer
from tests.factories import OfferFactory, SectorFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ["ar", "uk", "fr", "ti", "ps"]


@pytest.fixture
def districts(db: None) -> list[Sector]:
    """Five districts a few kilometres apart (Grenoble and around)."""
    return [
        SectorFactory(code=f"d{n}", name=f"District {n}",
                      centroid_latitude=f"{45.17 + 0.013 * n:.4f}",
                      centroid_longitude=f"{5.71 + 0.011 * n:.4f}")
        for n in range(5)
    ]  # fmt: skip


def random_rooms(districts: list[Sector], count: int, seed: int) -> list[Offer]:
    """Rooms that differ in every column the score reads: district, beds, households,
    dates, publication, languages; some share a score exactly (ties)."""
    rng = random.Random(seed)
    today, now = timezone.localdate(), timezone.now()
    rooms = []
    for n in range(count):
        start = today + timedelta(days=rng.choice([-5, 0, 3, 20])) if rng.random() < 0.5 else None
        end = (
            (start or today) + timedelta(days=rng.choice([10, 40, 200]))
            if rng.random() < 0.5
            else None
        )
        capacity = rng.choice([1, 2, 3, 4])
        published = now - timedelta(days=rng.choice([0, 1, 10, 59, 61, 100]),
                                    hours=rng.choice([0, 5, 23]))  # fmt: skip
        rooms.append(OfferFactory(
            housing=True, published=True, sector=rng.choice(districts), capacity=capacity,
            households_at_once=2 if capacity == 4 and n % 3 == 0 else 1,
            household_types=["single_adult", "couple", "family"],
            available_from=start, available_until=end, published_at=published,
            languages=rng.sample(LANGUAGES, rng.randint(0, 2)),
            street_address=f"{n} rue des Tests",
        ))  # fmt: skip
    return rooms


def exhaustive_top(need: object, limit: int) -> list[int]:
    """The top ``limit`` by the pure scorer over every published offer, ties by id."""
    facts = retrieval.need_facts(need)  # type: ignore[arg-type]
    today, chosen = timezone.localdate(), retrieval.weights()
    scored = []
    for offer in Offer.objects.published():
        side = retrieval.offer_facts(offer)
        if side.units >= 1 and not violations(facts, side):
            scored.append((-score(facts, side, weights=chosen, today=today).total, offer.pk))
    return [pk for _score, pk in sorted(scored)[:limit]]


def test_the_bound_sql_computes_is_the_engine_s_and_never_below_the_score(
    districts: list[Sector], organisation: Organisation
) -> None:
    rooms = random_rooms(districts, 40, seed=7)
    need = NeedFactory(organisation=organisation, languages=["ar", "ti"], adults=2,
                       household_type="couple", housing_types=[],
                       wanted_from=timezone.localdate() + timedelta(days=2),
                       wanted_until=timezone.localdate() + timedelta(days=60))  # fmt: skip
    need.sectors.set(districts[:1])
    facts, chosen, today = retrieval.need_facts(need), retrieval.weights(), timezone.localdate()
    reader = retrieval._Reader(facts, 10, chosen, today, Offer.objects.none())
    points = {sector.pk: reader.distance_points(sector.pk) for sector in districts}
    bounds = dict(
        Offer.objects.filter(pk__in=[room.pk for room in rooms])
        .annotate(bound=prerank.bound_of(facts, chosen, today, points))
        .values_list("pk", "bound")
    )
    compared = 0
    for room in rooms:
        side = retrieval.offer_facts(room)
        engine_bound = score_bound(facts, side, weights=chosen, today=today)
        if connection.vendor == "postgresql":
            assert bounds[room.pk] == pytest.approx(engine_bound, abs=1e-9)
        else:  # no JSON containment: the languages at their best for every offer
            assert bounds[room.pk] >= engine_bound - 1e-9
        if not violations(facts, side):
            assert score(facts, side, weights=chosen, today=today).total <= bounds[room.pk] + 1e-9
            compared += 1
    assert compared >= 10


def test_whole_days_between_two_dates_on_either_database(districts: list[Sector]) -> None:
    today = timezone.localdate()
    room = OfferFactory(housing=True, published=True, sector=districts[0],
                        available_from=today - timedelta(days=3),
                        available_until=today + timedelta(days=40))  # fmt: skip
    days = (
        Offer.objects.filter(pk=room.pk)
        .annotate(days=prerank.DaysBetween(F("available_until"), F("available_from")))
        .values_list("days", flat=True)
        .get()
    )
    assert days == 43


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reading_best_bound_first_a_few_rows_at_a_time_loses_no_top_suggestion(
    districts: list[Sector], organisation: Organisation, monkeypatch: pytest.MonkeyPatch,
    seed: int,
) -> None:  # fmt: skip
    random_rooms(districts, 60, seed=seed)
    rng = random.Random(seed)
    for n in range(4):
        need = NeedFactory(organisation=organisation, housing_types=[],
                           languages=rng.sample(LANGUAGES, rng.randint(0, 2)),
                           urgency=rng.choice(["normal", "critical"]))  # fmt: skip
        need.sectors.set(rng.sample(districts, n % 3))
        expected = exhaustive_top(need, 5)
        monkeypatch.setattr(retrieval, "RETRIEVAL_LIMIT", 4)  # many reads, many rings
        found = [s.subject.pk for s in retrieval.suggestions_for_need(need, 5)]
        monkeypatch.undo()
        assert found == expected


def test_rooms_that_tie_are_suggested_smallest_id_first_however_few_rows_a_read(
    districts: list[Sector], organisation: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same room five times in each district, the first ones in the district read
    last: with no district to measure from, all score the same, and the top five are the
    five smallest ids, which only the last ring holds."""
    published = timezone.now() - timedelta(days=3)
    for district in reversed(districts):
        for _ in range(5):
            OfferFactory(housing=True, published=True, sector=district, capacity=2,
                         household_types=["single_adult"], languages=["fr"],
                         published_at=published)  # fmt: skip
    organisation.sectors.clear()
    need = NeedFactory(organisation=organisation, housing_types=[], languages=["fr"])
    need.sectors.clear()
    expected = exhaustive_top(need, 5)
    assert {Offer.objects.get(pk=pk).sector for pk in expected} == {districts[-1]}
    monkeypatch.setattr(retrieval, "RETRIEVAL_LIMIT", 3)
    assert [pk for pk, _total, _scored in retrieval.ranked_offers(need, 5)] == expected
