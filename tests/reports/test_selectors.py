from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from matching.models import Match, MatchTransition
from needs.models import Need
from offers.models import OfferTransition
from reports import selectors
from reports.periods import Period
from tests.factories import OfferFactory, SectorFactory
from tests.needs.factories import NeedFactory
from tests.reports.factories import placed_need

pytestmark = [pytest.mark.django_db]


def everything() -> Period:
    return Period(None, timezone.localdate())


def test_counts_are_by_kind_and_state_of_what_was_created_in_the_period() -> None:
    OfferFactory(published=True)
    OfferFactory(published=True, housing=True)
    OfferFactory(pending=True, housing=True)
    old = OfferFactory(pending=True)
    type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=90))
    counts = selectors.state_counts(type(old), Period.last_days(30))
    assert counts == {
        ("donation", "published"): 1,
        ("housing", "published"): 1,
        ("housing", "pending"): 1,
    }
    assert selectors.state_counts(type(old), everything(), "donation") == {
        ("donation", "published"): 1,
        ("donation", "pending"): 1,
    }


def test_urgent_needs_say_how_many_wait_too_long_and_the_median_wait() -> None:
    now = timezone.now()
    for hours in (10, 30, 50, 70):
        NeedFactory(critical=True, opened_at=now - timedelta(hours=hours))
    NeedFactory(urgency=Need.Urgency.HIGH, opened_at=now - timedelta(days=8))
    NeedFactory(critical=True, opened_at=now - timedelta(days=9), status=Need.Status.CLOSED)
    critical, high = selectors.urgent_waiting(now=now)
    assert (critical.count, critical.late) == (4, 2)
    assert critical.median == timedelta(hours=30)  # the 2nd shortest wait of 4
    assert critical.longest == timedelta(hours=70)
    assert (high.count, high.late, high.longest) == (1, 1, timedelta(days=8))


def test_the_funnel_counts_each_stage_reached_and_how_matches_ended() -> None:
    now = timezone.now()
    placed_need(opened=now - timedelta(days=3), waited=timedelta(days=1))
    placed_need(
        opened=now - timedelta(days=3),
        waited=timedelta(days=1),
        status=Match.Status.COMPLETED,
        completed_at=now,
        outcome="broke_down",
    )
    need, offer = NeedFactory(), OfferFactory(published=True)
    Match.objects.create(need=need, offer=offer, status=Match.Status.SUGGESTED)
    Match.objects.create(
        need=need, offer=OfferFactory(published=True), status=Match.Status.DECLINED, proposed_at=now
    )
    counts = selectors.funnel_counts(everything())
    assert counts == {
        "suggested": 4,
        "proposed": 3,
        "accepted": 2,
        "confirmed": 2,
        "completed": 1,
        "declined": 1,
        "expired": 0,
        "cancelled": 0,
        "broken_down": 1,
    }
    stages, endings = selectors.funnel(counts)
    assert [s.rate for s in stages][:2] == [None, 0.75]
    assert {s.code: s.rate for s in endings}["broken_down"] == 0.5


def test_time_to_placement_is_the_nearest_rank_median_and_90th_percentile() -> None:
    now = timezone.now()
    for days in range(1, 11):  # waits of 1 to 10 days
        placed_need(opened=now - timedelta(days=20), waited=timedelta(days=days))
    need = placed_need(
        opened=now - timedelta(days=20),
        waited=timedelta(days=2),
        kind="donation",
        urgency=Need.Urgency.CRITICAL,
    ).need
    # A later confirmation of the same need does not count: the first one does.
    Match.objects.create(
        need=need,
        offer=OfferFactory(published=True),
        status=Match.Status.CONFIRMED,
        confirmed_at=now,
    )
    rows = {(p.kind, p.urgency): p for p in selectors.time_to_placement(everything())}
    housing = rows[("housing", "")]
    assert (housing.count, housing.median, housing.p90) == (
        10,
        timedelta(days=5),
        timedelta(days=9),
    )
    assert rows[("housing", "normal")].count == 10
    assert rows[("housing", "critical")].median is None
    assert rows[("donation", "critical")].median == timedelta(days=2)
    # Only needs first placed within the period.
    assert all(p.count == 0 for p in selectors.time_to_placement(Period.last_days(5)))


def test_beds_offered_and_occupied_now_and_read_back_from_the_logs() -> None:
    now = timezone.now()
    room = OfferFactory(housing=True, published=True, capacity=3)
    OfferFactory(housing=True, pending=True, capacity=5)
    match = placed_need(opened=now - timedelta(days=2), waited=timedelta(days=1))
    match.need.household_size = 2
    match.need.save()
    Match.objects.filter(pk=match.pk).update(offer=room)
    beds = selectors.beds_now()
    assert (beds.offered, beds.occupied, beds.free) == (
        3 + match.offer.capacity,
        2,
        1 + match.offer.capacity,
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    OfferTransition.objects.create(
        subject=room, from_status="pending", to_status="published", at=now - timedelta(days=3)
    )
    MatchTransition.objects.create(
        subject=match,
        from_status="accepted_by_resident",
        to_status="confirmed",
        at=now - timedelta(days=2),
    )
    past = selectors.beds_on(yesterday)
    assert (past.offered, past.occupied) == (3, 2)
    assert selectors.beds_on(yesterday - timedelta(days=5)).offered == 0


def test_districts_count_published_offers_and_open_needs_where_they_are_wanted() -> None:
    north, south = SectorFactory(name="Nord"), SectorFactory(name="Sud")
    OfferFactory(published=True, sector=north)
    OfferFactory(published=True, sector=north, housing=True)
    OfferFactory(pending=True, sector=south)
    both = NeedFactory()
    both.sectors.set([north, south])
    NeedFactory()  # anywhere
    rows = {row.name: row for row in selectors.by_district()}
    assert rows["Nord"].offers == {"donation": 1, "housing": 1}
    assert rows["Sud"].offers == {}
    assert rows["Nord"].needs == rows["Sud"].needs == {"housing": 1}
    assert rows[""].needs == {"housing": 1}
