"""A withdrawn offer or need cancels its proposals at once: cancelling a need, closing or
pausing an offer, a staff withdrawal, an expiry. Their units are free right away, the other
side is told in neutral words, and a stay in progress is never ended silently."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from core.models import AuditEntry
from matching import services
from matching.models import Match
from needs import services as need_services
from needs.models import Need
from notifications.models import Notification
from offers import services as offer_services
from offers.models import Offer
from tests.matching.pages import in_english as client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
S = Match.Status


def told(kind: str) -> set[int]:
    return set(Notification.objects.filter(type=kind).values_list("recipient_id", flat=True))


def test_cancelling_a_need_frees_what_its_proposal_held_at_once(
    goods_need: Any, donation: Any, staff: User, association_member: User, resident: User
) -> None:
    blankets = donation(quantity=10)
    wanted = goods_need(quantity=6)
    match = services.match_propose(need=wanted, offer=blankets, by=staff)
    assert services.offer_remaining(blankets) == 4
    need_services.need_cancel(need=wanted, by=association_member)
    assert services.offer_remaining(blankets) == 10  # right after, no task needed
    match.refresh_from_db()
    assert match.status == S.CANCELLED
    assert told("matching.withdrawn") == {resident.pk}


@pytest.mark.parametrize(
    "withdraw",
    [
        lambda offer, owner, staff: offer_services.offer_close(offer=offer, by=owner),
        lambda offer, owner, staff: offer_services.offer_pause(offer=offer, by=owner),
        lambda offer, owner, staff: offer_services.offer_withdraw(
            offer=offer, by=staff, reason="Doute sur l'hébergement"
        ),
        lambda offer, owner, staff: offer_services.offer_update(
            offer=offer, by=owner, data={"title": "Chambre repeinte"}
        ),
    ],
    ids=["closed", "paused", "withdrawn-by-staff", "back-to-review"],
)
def test_withdrawing_an_offer_cancels_its_proposals_and_tells_the_association(
    withdraw: Any, proposed: Match, room: Offer, need: Need, resident: User, staff: User,
    association_member: User, second_member: User,
) -> None:  # fmt: skip
    services.match_accept(match=proposed, by=association_member)
    assert services.need_remaining(need) == 0
    withdraw(room, resident, staff)
    proposed.refresh_from_db()
    assert proposed.status == S.CANCELLED
    assert services.need_remaining(need) == 1
    assert told("matching.withdrawn") == {association_member.pk, second_member.pk}
    entry = AuditEntry.objects.get(action="matching.match.withdrawn")
    assert entry.detail["of"] == "offer"


def test_the_message_says_what_happened_without_naming_or_blaming_anyone(
    proposed: Match, room: Offer, resident: User, association_member: User
) -> None:
    from notifications.rendering import render

    User.objects.filter(pk=association_member.pk).update(preferred_language="en")
    offer_services.offer_close(offer=room, by=resident)
    message = render(Notification.objects.get(type="matching.withdrawn", channel="email",
                                              recipient=association_member))  # fmt: skip
    assert "no longer available" in message.text
    for word in (room.title, resident.display_name, "closed", "refused"):
        assert word not in message.text


def test_an_expired_offer_frees_its_proposals(
    proposed: Match, room: Offer, association_member: User
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    past = timezone.now() - timedelta(days=60)
    Offer.objects.filter(pk=room.pk).update(last_confirmed_at=past - timedelta(days=1),
                                            reminder_sent_at=past)  # fmt: skip
    assert offer_services.offers_expire_unconfirmed() == 1
    proposed.refresh_from_db()
    assert proposed.status == S.CANCELLED


def test_suggestions_of_a_withdrawn_offer_are_dropped(
    need: Need, room: Offer, resident: User
) -> None:
    services.match_suggest(need=need, offer=room, score=10, criteria=[])
    offer_services.offer_pause(offer=room, by=resident)
    assert not Match.objects.exists()


def test_a_stay_in_progress_goes_on_when_the_host_pauses_the_offer(
    confirmed: Match, room: Offer, resident: User
) -> None:
    offer_services.offer_pause(offer=room, by=resident)
    confirmed.refresh_from_db()
    assert confirmed.status == S.CONFIRMED
    assert not Notification.objects.filter(type="matching.staff_alert").exists()


def test_closing_an_offer_during_a_stay_alerts_staff_and_ends_nothing(
    confirmed: Match, room: Offer, resident: User, staff: User, coordinator: User
) -> None:
    offer_services.offer_close(offer=room, by=resident)
    confirmed.refresh_from_db()
    assert confirmed.status == S.CONFIRMED
    alerts = Notification.objects.filter(type="matching.staff_alert", channel="email")
    assert {n.recipient_id for n in alerts} == {staff.pk, coordinator.pk}
    assert {n.context["answer"] for n in alerts} == {"offer_closed"}


def test_closing_a_need_during_a_stay_alerts_staff(
    confirmed: Match, need: Need, association_member: User, staff: User
) -> None:
    need_services.need_close(need=Need.objects.get(pk=need.pk), by=association_member)
    confirmed.refresh_from_db()
    assert confirmed.status == S.CONFIRMED
    assert told("matching.staff_alert") == {staff.pk}


def test_the_proposals_of_a_need_marked_fulfilled_are_cancelled(
    proposed: Match, need: Need, room: Offer, association_member: User
) -> None:
    assert services.offer_remaining(room) == 0
    need_services.need_mark_fulfilled(need=Need.objects.get(pk=need.pk), by=association_member)
    proposed.refresh_from_db()
    assert proposed.status == S.CANCELLED
    assert services.offer_remaining(room) == 1


@pytest.mark.parametrize("role", ["visitor", "resident", "association_member"])
def test_only_staff_withdraw_an_offer(
    role: str, room: Offer, request: pytest.FixtureRequest
) -> None:
    person = None if role == "visitor" else request.getfixturevalue(role)
    response = client_for(person).post(
        reverse("offers-staff:moderate", args=[room.pk, "withdraw"]), {"reason": "Doute"}
    )
    assert response.status_code in (302, 403)
    if role != "visitor":
        assert response.status_code == 403
    room.refresh_from_db()
    assert room.status == Offer.Status.PUBLISHED


def test_staff_withdraw_an_offer_from_its_page_and_the_resident_reads_why(
    proposed: Match, room: Offer, staff: User, resident: User
) -> None:
    response = client_for(staff).post(
        reverse("offers-staff:moderate", args=[room.pk, "withdraw"]),
        {"reason": "Plainte reçue, visite à refaire"},
    )
    assert response.status_code == 302
    room.refresh_from_db()
    assert (room.status, room.moderation_message) == (
        Offer.Status.PENDING, "Plainte reçue, visite à refaire",
    )  # fmt: skip
    assert told("offers.offer_withdrawn") == {resident.pk}
    assert AuditEntry.objects.filter(action="offers.offer.withdrawn").exists()
    proposed.refresh_from_db()
    assert proposed.status == S.CANCELLED


def test_a_withdrawal_needs_a_reason(room: Offer, staff: User) -> None:
    response = client_for(staff).post(
        reverse("offers-staff:moderate", args=[room.pk, "withdraw"]), {"reason": ""}
    )
    assert response.status_code == 400
    room.refresh_from_db()
    assert room.status == Offer.Status.PUBLISHED
