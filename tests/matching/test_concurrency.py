"""Two staff members propose the last bed at the same moment: one is served, the other
is refused. Needs PostgreSQL (row locks); skipped on SQLite locally, required in CI."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from accounts.models import User
from matching import services
from matching.models import Match
from needs.models import Need
from offers.models import Offer
from tests.factories import UserFactory
from tests.needs.factories import NeedFactory
from tests.services import unavailable

# Row locks need PostgreSQL (hence "services"), but the tasks the proposals queue need not
# travel: run them here, or a worker left by another test would take them and hold row locks
# on the notifications while the test's database is emptied.
pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("eager_tasks"),
]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        unavailable("row locks need PostgreSQL (DATABASE_URL)")


@pytest.fixture(autouse=True)
def _slow_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen the gap between counting what is left and holding it, so that a missing lock
    lets both proposals through every time rather than now and then."""
    count = services.offer_remaining

    def slowly(offer: Offer) -> int:
        left = count(offer)
        time.sleep(0.2)
        return left

    monkeypatch.setattr(services, "offer_remaining", slowly)


def propose_together(pairs: list[tuple[Need, Offer, User]]) -> list[object]:
    """Run one ``match_propose`` per pair, each in its own thread and connection, all
    released at once; return what each returned or raised."""
    barrier = threading.Barrier(len(pairs))
    results: list[object] = [None] * len(pairs)

    def run(index: int, need: Need, offer: Offer, by: User) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = services.match_propose(need=need, offer=offer, by=by)
        except Exception as error:  # reported to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, *pair)) for index, pair in enumerate(pairs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_staff_proposing_the_last_bed_at_once_cannot_both_succeed(
    room: Offer, organisation, staff: User
) -> None:
    colleague = UserFactory(email="colleague@example.org", staff=True)
    first, second = NeedFactory(organisation=organisation), NeedFactory(organisation=organisation)

    results = propose_together([(first, room, staff), (second, room, colleague)])

    assert sorted(type(result).__name__ for result in results) == ["DomainError", "Match"]
    assert Match.objects.live().filter(offer=room).count() == 1


def test_two_staff_proposing_the_last_units_of_a_donation_at_once_cannot_both_succeed(
    donation, goods_need, staff: User
) -> None:
    colleague = UserFactory(email="colleague@example.org", staff=True)
    offer = donation(quantity=6)

    results = propose_together(
        [(goods_need(quantity=6), offer, staff), (goods_need(quantity=6), offer, colleague)]
    )

    assert sorted(type(result).__name__ for result in results) == ["DomainError", "Match"]
    assert services.held(offer=offer) == 6
