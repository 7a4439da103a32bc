"""Urgent arrivals: a critical need published after a batch run is planned at once,
staff are alerted, and its page says which offers the plan gave to others and what
moving them would cost; a need nothing fits says what is missing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Organisation, User
from core.models import Sector
from matching.batch import batch_run
from matching.models import Match
from needs import services as need_services
from needs.models import Need
from notifications.models import Notification
from notifications.registry import Channel
from offers.models import Offer
from tests.conftest import client_for
from tests.factories import OfferFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db
S = Match.Status


def a_room(sector: Sector, **changes: object) -> Offer:
    fields = {"capacity": 2, "household_types": ["single_adult", "woman_alone"], **changes}
    offer: Offer = OfferFactory(housing=True, published=True, sector=sector, **fields)
    return offer


def publish(need: Need, by: User, capture) -> Need:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return need_services.need_publish(need=need, by=by)


def test_a_critical_need_published_after_the_batch_is_planned_at_once_and_staff_alerted(
    sector: Sector, organisation: Organisation, association_member: User, staff: User,
    coordinator: User, django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    # The only step-free room went to a normal need in this morning's run.
    step_free = a_room(sector, step_free_access=True)
    a_room(sector)
    normal = NeedFactory(organisation=organisation)
    other = NeedFactory(organisation=organisation)
    batch_run()
    assert set(Match.objects.values_list("need", flat=True)) == {normal.pk, other.pk}
    newcomer = NeedFactory(organisation=organisation, draft=True, critical=True,
                           step_free_access=True, household_type="woman_alone")  # fmt: skip

    publish(newcomer, association_member, django_capture_on_commit_callbacks)

    (planned,) = Match.objects.filter(need=newcomer, status=S.SUGGESTED)
    assert planned.offer == step_free
    assert planned.criteria
    alerted = Notification.objects.filter(type="matching.urgent_need")
    assert {n.recipient_id for n in alerted} == {staff.pk, coordinator.pk}
    # The need that lost the room still has one of the two: nobody else was planned.
    assert Match.objects.filter(status=S.SUGGESTED).count() == 2


def test_a_need_that_is_not_critical_waits_for_the_next_run(
    sector: Sector, organisation: Organisation, association_member: User, staff: User,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    a_room(sector)
    high = NeedFactory(organisation=organisation, draft=True, urgency=Need.Urgency.HIGH)
    publish(high, association_member, django_capture_on_commit_callbacks)
    assert not Match.objects.exists()
    assert not Notification.objects.filter(type="matching.urgent_need").exists()


def test_a_critical_need_nothing_fits_is_still_announced_with_nothing_planned(
    sector: Sector, organisation: Organisation, association_member: User, staff: User,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    newcomer = NeedFactory(organisation=organisation, draft=True, critical=True)
    publish(newcomer, association_member, django_capture_on_commit_callbacks)
    (alert,) = Notification.objects.filter(
        type="matching.urgent_need", recipient=staff, channel=Channel.IN_APP
    )
    assert alert.context["planned"] == 0


def test_the_need_page_marks_offers_planned_for_another_need_and_the_cost_of_moving_them(
    sector: Sector, organisation: Organisation, staff: User, in_english: None,
) -> None:  # fmt: skip
    room = a_room(sector)
    planned_for = NeedFactory(organisation=organisation)
    batch_run()
    newcomer = NeedFactory(organisation=organisation, critical=True)
    User.objects.filter(pk=staff.pk).update(preferred_language="en")
    staff.refresh_from_db()

    page = client_for(staff).get(reverse("matching-staff:need", args=[newcomer.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert room.title in text
    assert f"Planned for need #{planned_for.pk}" in text
    assert "Moving it would leave that need without any offer." in text


def test_the_need_page_shows_its_plan_ready_to_propose(
    sector: Sector, organisation: Organisation, staff: User
) -> None:
    room = a_room(sector)
    need = NeedFactory(organisation=organisation, critical=True)
    batch_run()
    page = client_for(staff).get(reverse("matching-staff:need", args=[need.pk]))
    (planned,) = page.context["plan"]
    assert planned.offer == room
    assert reverse("matching-staff:propose-selected") in page.content.decode()


def test_a_household_larger_than_any_offer_is_told_what_is_missing(
    sector: Sector, organisation: Organisation, staff: User, in_english: None
) -> None:
    a_room(sector, capacity=4, household_types=["family"])
    family = NeedFactory(organisation=organisation, adults=2, children=5, household_type="family")
    User.objects.filter(pk=staff.pk).update(preferred_language="en")
    staff.refresh_from_db()
    page = client_for(staff).get(reverse("matching-staff:need", args=[family.pk]))
    text = page.content.decode()
    assert "No offer has 7 beds for one household: the most is 4 beds." in text
    assert "1 offer would fit but for this: not enough beds." in text
