"""One need's suggestions ranked from the process's snapshot of the published offers
(``matching.offer_index``): the same top as the exhaustive scorer over what the database
holds now, whatever changed since the snapshot was taken."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import Organisation, User
from core.models import Sector
from matching import offer_index, retrieval, services
from matching.models import Match
from needs.models import Need
from offers import services as offer_services
from offers.models import Offer
from tests.factories import OfferFactory
from tests.matching.conftest import api_as
from tests.matching.test_prerank import LANGUAGES, districts, exhaustive_top, random_rooms
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db

__all__ = ["districts"]  # the fixture, shared with test_prerank


@pytest.fixture
def from_memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Suggestions ranked from a snapshot, which each test builds itself: a build the
    code starts in the background does nothing here (its thread's connection would not
    see the test's rows)."""
    monkeypatch.setattr(offer_index, "_build_in_background", no_build)
    offer_index.clear()
    with override_settings(ENTRAIDE_MATCHING_OFFER_INDEX=True):
        yield
    offer_index.clear()


def no_build(_load: object, _reference: object, _generation: int) -> None:
    with offer_index._holder.lock:
        offer_index._holder.building = False


@pytest.fixture
def built_in_background() -> Iterator[None]:
    """Suggestions ranked from snapshots built by the background thread, as in service."""
    offer_index.clear()
    with override_settings(ENTRAIDE_MATCHING_OFFER_INDEX=True):
        yield
    wait_for_the_build()
    offer_index.clear()


def snapshot_now() -> offer_index.Snapshot:
    """A snapshot of the offers as they are, taken as if they had been written long ago:
    only what changes after it is read from the database again."""
    long_ago = timezone.now() - timedelta(days=1)
    Offer.objects.update(updated_at=long_ago)
    Match.objects.update(updated_at=long_ago)
    return offer_index.build(retrieval.offer_facts_in_bulk, retrieval.reference_data())


def ranked_ids(need: Need, limit: int = 5) -> list[int]:
    return [pk for pk, _total, _scored in retrieval.ranked_offers(need, limit)]


def a_need(organisation: Organisation, rng: random.Random, districts: list[Sector]) -> Need:
    need: Need = NeedFactory(organisation=organisation, housing_types=[],
                             languages=rng.sample(LANGUAGES, rng.randint(0, 2)),
                             urgency=rng.choice(["normal", "critical"]))  # fmt: skip
    need.sectors.set(rng.sample(districts, rng.randint(0, 2)))
    return need


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_snapshot_ranks_the_exhaustive_top(
    districts: list[Sector], organisation: Organisation, from_memory: None, seed: int
) -> None:
    random_rooms(districts, 60, seed=seed)
    rng = random.Random(seed)
    needs = [a_need(organisation, rng, districts) for _ in range(4)]
    snapshot = snapshot_now()
    assert snapshot.offers == 60
    for need in needs:
        assert ranked_ids(need) == exhaustive_top(need, 5)


def test_what_changed_since_the_snapshot_is_what_is_suggested(
    districts: list[Sector], organisation: Organisation, staff: User, resident: User,
    from_memory: None,
) -> None:  # fmt: skip
    random_rooms(districts, 40, seed=7)
    need = a_need(organisation, random.Random(7), districts)
    other = a_need(organisation, random.Random(8), districts)
    snapshot_now()
    first, second, *_rest = ranked_ids(need)

    # The best room closes: never suggested again.
    offer_services.offer_close(offer=Offer.objects.get(pk=first), by=None)
    assert first not in ranked_ids(need)
    assert ranked_ids(need) == exhaustive_top(need, 5)

    # The next best is proposed to another household and holds its only room.
    room = Offer.objects.get(pk=second)
    match = services.match_propose(need=other, offer=room, by=staff)
    if retrieval.offer_facts(room).units == 0:
        assert second not in ranked_ids(need)
    assert ranked_ids(need) == exhaustive_top(need, 5)

    # Cancelled, it is free again.
    services.match_cancel(match=match, by=staff)
    assert second in ranked_ids(need)
    assert ranked_ids(need) == exhaustive_top(need, 5)

    # A room published after the snapshot that beats them all is suggested first.
    new = OfferFactory(housing=True, published=True, sector=districts[0], capacity=1,
                       household_types=["single_adult", "couple", "family"],
                       languages=sorted(need.languages),
                       published_at=timezone.now() - timedelta(days=100))  # fmt: skip
    need.sectors.set([districts[0]])
    assert ranked_ids(need)[0] == new.pk
    assert ranked_ids(need) == exhaustive_top(need, 5)


@pytest.mark.parametrize("seed", [11, 12])
def test_after_a_burst_of_writes_only_those_that_may_enter_the_top_are_read(
    districts: list[Sector], organisation: Organisation, from_memory: None,
    monkeypatch: pytest.MonkeyPatch, seed: int,
) -> None:  # fmt: skip
    """More offers written since the snapshot than one read takes: only those whose
    score bound reaches the top's last score are read, and the top is still the
    exhaustive one."""
    random_rooms(districts, 30, seed=seed)
    rng = random.Random(seed)
    needs = [a_need(organisation, rng, districts) for _ in range(3)]
    snapshot_now()
    written = {offer.pk for offer in random_rooms(districts, 40, seed=seed + 100)}
    monkeypatch.setattr(retrieval, "RETRIEVAL_LIMIT", 4)
    read: list[tuple[int, int]] = []  # (rows read, candidates among those written)
    real = retrieval._changed_reaching

    def counted(facts: Any, candidates: Any, *args: Any) -> Any:
        found = real(facts, candidates, *args)
        read.append((len(found), candidates.filter(pk__in=written).count()))
        return found

    monkeypatch.setattr(retrieval, "_changed_reaching", counted)
    for need in needs:
        assert ranked_ids(need) == exhaustive_top(need, 5)
    assert len(read) == len(needs)
    assert any(rows < among for rows, among in read), read  # not every row written


def test_a_snapshot_taken_before_every_offer_was_written_reads_them_as_the_sql_path(
    districts: list[Sector], organisation: Organisation, from_memory: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Just after an import nothing bounds the offers written since: the SQL path's
    reading, best bound first, gives the top."""
    snapshot_now()  # of no offer
    random_rooms(districts, 40, seed=21)
    monkeypatch.setattr(retrieval, "RETRIEVAL_LIMIT", 4)
    readings: list[int] = []
    real = retrieval._read_nearest

    def counted(*args: Any, **kwargs: Any) -> Any:
        readings.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(retrieval, "_read_nearest", counted)
    rng = random.Random(21)
    for need in [a_need(organisation, rng, districts) for _ in range(3)]:
        assert ranked_ids(need) == exhaustive_top(need, 5)
    assert len(readings) == 3


def test_offers_changed_behind_the_snapshot_s_back_are_still_read_as_they_are(
    districts: list[Sector], organisation: Organisation, from_memory: None
) -> None:
    """Rows changed without their time of change moving (a bulk update): the offers the
    snapshot ranks first are read again, and reading goes further down when they no
    longer fit."""
    random_rooms(districts, 40, seed=11)
    need = a_need(organisation, random.Random(11), districts)
    snapshot_now()
    top = ranked_ids(need, 8)
    long_ago = timezone.now() - timedelta(days=1)
    Offer.objects.filter(pk__in=top[:6]).update(status=Offer.Status.PAUSED, updated_at=long_ago)

    found = ranked_ids(need)

    assert not set(found) & set(top[:6])
    assert found == exhaustive_top(need, 5)


def test_a_need_no_offer_fits_gets_none_from_the_snapshot(
    districts: list[Sector], organisation: Organisation, from_memory: None
) -> None:
    random_rooms(districts, 10, seed=5)
    need = a_need(organisation, random.Random(5), districts)
    need.household_size = 9
    need.save()
    snapshot_now()
    assert ranked_ids(need) == [] == exhaustive_top(need, 5)


def test_rooms_that_tie_at_the_snapshot_s_last_place_come_smallest_id_first(
    districts: list[Sector], organisation: Organisation, from_memory: None
) -> None:
    same = {"housing": True, "published": True, "sector": districts[0], "capacity": 2,
            "household_types": ["single_adult", "couple", "family"], "languages": [],
            "published_at": timezone.now() - timedelta(days=10)}  # fmt: skip
    first, second, third, fourth = (OfferFactory(**same) for _ in range(4))
    need = a_need(organisation, random.Random(1), districts)
    need.sectors.set([districts[0]])
    snapshot_now()
    assert ranked_ids(need, 2) == [first.pk, second.pk]
    offer_services.offer_close(offer=first, by=None)
    fourth.save()  # written since, the same facts: it ties with the third, a larger id

    assert ranked_ids(need, 2) == [second.pk, third.pk] == exhaustive_top(need, 2)


def test_a_room_freed_after_the_snapshot_is_suggested_though_the_snapshot_never_had_it(
    districts: list[Sector], organisation: Organisation, staff: User, from_memory: None
) -> None:
    random_rooms(districts, 20, seed=3)
    need = a_need(organisation, random.Random(3), districts)
    need.sectors.set([districts[0]])
    other = a_need(organisation, random.Random(4), districts)
    best = OfferFactory(housing=True, published=True, sector=districts[0], capacity=1,
                        household_types=["single_adult", "couple", "family"],
                        languages=sorted(need.languages),
                        published_at=timezone.now() - timedelta(days=100))  # fmt: skip
    match = services.match_propose(need=other, offer=best, by=staff)
    snapshot_now()  # the room is held: not in the snapshot
    assert best.pk not in ranked_ids(need)
    services.match_cancel(match=match, by=staff)  # only the match is written

    found = ranked_ids(need)

    assert found[0] == best.pk
    assert found == exhaustive_top(need, 5)


def test_a_district_moved_by_another_process_is_not_ranked_where_it_was(
    districts: list[Sector], organisation: Organisation, from_memory: None
) -> None:
    random_rooms(districts, 40, seed=7)
    need = a_need(organisation, random.Random(7), districts)
    need.sectors.set([districts[0]])
    need.max_distance_km = 1
    need.save()
    snapshot_now()
    far = districts[4]
    # Saved elsewhere: no signal here, only this process's minute of cache running out.
    Sector.objects.filter(pk=far.pk).update(
        centroid_latitude=districts[0].centroid_latitude,
        centroid_longitude=districts[0].centroid_longitude,
    )
    retrieval._cache.clear()

    found = ranked_ids(need)

    assert set(found) & set(Offer.objects.filter(sector=far).values_list("pk", flat=True))
    assert found == exhaustive_top(need, 5)


def test_a_district_saved_drops_the_snapshot(districts: list[Sector], from_memory: None) -> None:
    random_rooms(districts, 3, seed=1)
    snapshot_now()
    assert offer_index.ready() is not None
    districts[0].name = "Renamed"
    districts[0].save()
    assert offer_index.ready() is None


def test_the_suggestions_api_from_the_snapshot_costs_the_pinned_queries(
    django_assert_num_queries, need: Need, sector: Sector, staff: User, from_memory: None
) -> None:  # fmt: skip
    for _ in range(8):
        OfferFactory(housing=True, published=True, sector=sector, capacity=2,
                     household_types=["single_adult", "couple"])  # fmt: skip
    snapshot_now()
    client = api_as(staff)
    url = f"/api/v1/matching/suggestions/?need={need.pk}"
    client.get(url)  # districts and categories are read once per process
    with django_assert_num_queries(PINNED_QUERIES_FROM_MEMORY):
        response = client.get(url)
    assert len(response.json()) == 8


# The need; its districts; its matches; what was written since the snapshot; the rows of
# the offers ranked first and of those written since.
PINNED_QUERIES_FROM_MEMORY = 5


def wait_for_the_build() -> None:
    for thread in threading.enumerate():
        if thread.name == "entraide-offer-index":
            thread.join(timeout=60)


def test_a_snapshot_younger_than_the_margin_is_not_built_again_for_its_changes(
    built_in_background: None,
) -> None:
    """After an import, every write of the margin's minutes is read again by any new
    snapshot: building one would not leave them out, only cost a build."""
    builds: list[int] = []

    def load() -> list[object]:
        builds.append(1)
        return []

    offer_index.current(load)
    wait_for_the_build()
    young = offer_index.ready()
    assert young is not None
    offer_index.note_changes(young, offer_index.CHANGES_LIMIT * 10, max_age=900)
    offer_index.current(load)
    wait_for_the_build()
    assert offer_index.ready() is young
    assert len(builds) == 1


def test_a_snapshot_being_replaced_is_not_built_again_for_the_old_one_s_changes(
    built_in_background: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(offer_index, "MARGIN", timedelta(0))  # old enough at once
    held = threading.Event()
    builds: list[int] = []

    def load() -> list[object]:
        builds.append(1)
        held.wait(timeout=60)
        return []

    held.set()
    offer_index.current(load)  # the first build
    wait_for_the_build()
    old = offer_index.ready()
    assert old is not None
    held.clear()
    offer_index.note_changes(old, offer_index.CHANGES_LIMIT + 1, max_age=900)
    offer_index.current(load)  # the second build starts, and is held
    offer_index.note_changes(old, offer_index.CHANGES_LIMIT + 1, max_age=900)  # still on old
    held.set()
    wait_for_the_build()
    assert offer_index.ready() is not old
    offer_index.current(load)  # nothing behind the new one: no third build
    wait_for_the_build()
    offer_index.clear()
    assert len(builds) == 2


@pytest.mark.django_db(transaction=True)
def test_the_snapshot_is_built_in_the_background_and_again_once_behind(
    districts: list[Sector], organisation: Organisation, built_in_background: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    random_rooms(districts, 12, seed=3)
    need = a_need(organisation, random.Random(3), districts)
    expected = exhaustive_top(need, 5)

    assert ranked_ids(need) == expected  # read in SQL while the first snapshot is built
    wait_for_the_build()
    first = offer_index.ready()
    assert first is not None
    assert first.offers == 12
    assert ranked_ids(need) == expected  # from the snapshot

    monkeypatch.setattr(offer_index, "CHANGES_LIMIT", 2)
    monkeypatch.setattr(offer_index, "MARGIN", timedelta(0))  # old enough at once
    random_rooms(districts, 3, seed=4)
    assert ranked_ids(need) == exhaustive_top(need, 5)  # 3 written since: behind
    ranked_ids(need)  # starts the next build
    wait_for_the_build()
    second = offer_index.ready()
    assert second is not None
    assert second is not first
    assert second.offers == 15
