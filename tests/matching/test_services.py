"""The match lifecycle through its services: propose, answer, confirm, cancel, complete,
expire; what each holds and frees, who hears of it, and what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError
from core.models import AuditEntry
from matching import services
from matching.models import CheckIn, Match, MatchTransition
from needs.models import Need
from needs.services import need_cancel
from notifications.models import Notification
from offers.models import Offer
from tests.conftest import client_for
from tests.matching.conftest import api_as
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db

S = Match.Status


def recipients_of(kind: str) -> set[int]:
    return set(Notification.objects.filter(type=kind).values_list("recipient_id", flat=True))


def transitions(match: Match) -> list[tuple[str, str]]:
    rows = MatchTransition.objects.filter(subject=match).order_by("at", "id")
    return list(rows.values_list("from_status", "to_status"))


# --- Propose -------------------------------------------------------------------------


def test_staff_propose_a_pair_and_every_member_of_both_sides_is_told(
    second_member: User, proposed: Match, resident: User, association_member: User
) -> None:
    assert proposed.status == S.PROPOSED
    assert recipients_of("matching.proposal") == {
        resident.pk,
        association_member.pk,
        second_member.pk,
    }


def test_a_proposal_is_audited_and_logged(proposed: Match, staff: User) -> None:
    entry = AuditEntry.objects.get(action="matching.match.proposed")
    assert entry.actor == staff
    assert entry.target_id == str(proposed.pk)
    assert transitions(proposed) == [("", S.SUGGESTED), (S.SUGGESTED, S.PROPOSED)]


def test_a_proposal_holds_the_units_and_expects_an_answer_in_time(
    proposed: Match, room: Offer, need: Need
) -> None:
    assert services.offer_remaining(room) == 0
    assert services.need_remaining(need) == 0
    assert proposed.units == 1
    expected = timezone.now() + timedelta(days=settings.ENTRAIDE_MATCH_ANSWER_DAYS)
    assert abs(proposed.answer_due - expected) < timedelta(minutes=1)


def test_only_staff_propose(need: Need, room: Offer, resident: User) -> None:
    with pytest.raises(PermissionError):
        services.match_propose(need=need, offer=room, by=resident)
    assert not Match.objects.exists()


def test_proposing_a_suggestion_turns_it_into_the_proposal(
    need: Need, room: Offer, staff: User
) -> None:
    suggestion = services.match_suggest(need=need, offer=room, score=42, criteria=[])
    match = services.match_propose(need=need, offer=room, by=staff)
    assert match.pk == suggestion.pk
    assert Match.objects.get().status == S.PROPOSED


# --- Answers -------------------------------------------------------------------------


def test_the_resident_then_the_association_accept_and_the_match_is_confirmed(
    proposed: Match, resident: User, association_member: User, need: Need
) -> None:
    services.match_accept(match=proposed, by=resident)
    assert Match.objects.get().status == S.ACCEPTED_BY_RESIDENT
    match = services.match_accept(match=proposed, by=association_member)
    assert match.status == S.CONFIRMED
    assert match.confirmed_at is not None
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED
    assert transitions(match)[-2:] == [
        (S.PROPOSED, S.ACCEPTED_BY_RESIDENT),
        (S.ACCEPTED_BY_RESIDENT, S.CONFIRMED),
    ]
    assert recipients_of("matching.confirmed") >= {resident.pk, association_member.pk}


def test_the_association_then_the_resident_accept_and_the_match_is_confirmed(
    proposed: Match, resident: User, association_member: User
) -> None:
    services.match_accept(match=proposed, by=association_member)
    assert Match.objects.get().status == S.ACCEPTED_BY_ASSOCIATION
    assert services.match_accept(match=proposed, by=resident).status == S.CONFIRMED


def test_a_confirmed_housing_match_schedules_four_check_ins(confirmed: Match) -> None:
    start = timezone.localdate(confirmed.confirmed_at)
    assert set(CheckIn.objects.values_list("side", "round", "due_on")) == {
        ("resident", "week", start + timedelta(days=7)),
        ("resident", "month", start + timedelta(days=30)),
        ("association", "week", start + timedelta(days=7)),
        ("association", "month", start + timedelta(days=30)),
    }


def test_a_confirmed_donation_for_part_of_the_quantity_leaves_the_need_partly_matched(
    donation, goods_need, staff: User, resident: User, association_member: User
) -> None:
    need = goods_need(quantity=10)
    match = services.match_propose(need=need, offer=donation(quantity=4), by=staff)
    assert match.units == 4
    services.match_accept(match=match, by=resident)
    services.match_accept(match=match, by=association_member)
    need.refresh_from_db()
    assert need.status == Need.Status.PARTLY_MATCHED
    assert not CheckIn.objects.exists()


def test_the_same_side_cannot_accept_twice(proposed: Match, resident: User) -> None:
    services.match_accept(match=proposed, by=resident)
    with pytest.raises(DomainError):
        services.match_accept(match=proposed, by=resident)
    assert Match.objects.get().status == S.ACCEPTED_BY_RESIDENT


def test_someone_outside_the_match_cannot_answer_it(
    proposed: Match, other_resident: User, other_member: User
) -> None:
    for person in (other_resident, other_member):
        with pytest.raises(PermissionError):
            services.match_accept(match=proposed, by=person)
        with pytest.raises(PermissionError):
            services.match_decline(match=proposed, by=person)
    assert Match.objects.get().status == S.PROPOSED


def test_a_declined_match_frees_the_offer_capacity(
    proposed: Match, association_member: User, room: Offer, need: Need, staff: User
) -> None:
    match = services.match_decline(match=proposed, by=association_member, reason=" Trop loin ")
    assert (match.status, match.declined_by, match.decline_reason) == (
        S.DECLINED,
        "association",
        "Trop loin",
    )
    assert services.offer_remaining(room) == 1
    other_need = NeedFactory(organisation=need.organisation)
    again = services.match_propose(need=other_need, offer=room, by=staff)
    assert again.status == S.PROPOSED


def test_a_declined_pair_can_be_proposed_again(
    proposed: Match, resident: User, room: Offer, need: Need, staff: User
) -> None:
    services.match_decline(match=proposed, by=resident)
    assert services.match_propose(need=need, offer=room, by=staff).pk != proposed.pk


# --- Staff ---------------------------------------------------------------------------


def test_staff_cancel_a_proposal_and_its_units_are_free(
    proposed: Match, staff: User, room: Offer
) -> None:
    match = services.match_cancel(match=proposed, by=staff, reason="Doublon")
    assert match.status == S.CANCELLED
    assert services.offer_remaining(room) == 1
    assert MatchTransition.objects.filter(subject=match, to_status=S.CANCELLED).get().note == (
        "Doublon"
    )
    assert AuditEntry.objects.filter(action="matching.match.cancelled").exists()


def test_cancelling_a_confirmed_match_puts_the_need_back_to_open(
    confirmed: Match, staff: User, need: Need
) -> None:
    services.match_cancel(match=confirmed, by=staff)
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_only_staff_cancel(proposed: Match, resident: User) -> None:
    with pytest.raises(PermissionError):
        services.match_cancel(match=proposed, by=resident)
    assert Match.objects.get().status == S.PROPOSED


def test_a_confirmed_match_is_completed(confirmed: Match, resident: User) -> None:
    match = services.match_complete(match=confirmed, by=resident)
    assert match.status == S.COMPLETED
    assert match.completed_at is not None


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ("proposed", "complete"),
        ("declined", "accept"),
        ("declined", "cancel"),
        ("completed", "cancel"),
        ("confirmed", "decline"),
    ],
)
def test_a_refused_transition_raises_and_changes_nothing(
    setup: str,
    action: str,
    proposed: Match,
    resident: User,
    association_member: User,
    staff: User,
) -> None:
    if setup == "declined":
        services.match_decline(match=proposed, by=resident)
    if setup in ("confirmed", "completed"):
        services.match_accept(match=proposed, by=resident)
        services.match_accept(match=proposed, by=association_member)
    if setup == "completed":
        services.match_complete(match=proposed, by=staff)
    before = (Match.objects.get().status, MatchTransition.objects.count())
    calls = {
        "complete": lambda: services.match_complete(match=proposed, by=staff),
        "accept": lambda: services.match_accept(match=proposed, by=association_member),
        "cancel": lambda: services.match_cancel(match=proposed, by=staff),
        "decline": lambda: services.match_decline(match=proposed, by=association_member),
    }
    with pytest.raises(DomainError):
        calls[action]()
    assert (Match.objects.get().status, MatchTransition.objects.count()) == before


# --- Expiry --------------------------------------------------------------------------


def test_unanswered_proposals_expire_after_the_answer_delay_and_free_their_units(
    proposed: Match, room: Offer, resident: User
) -> None:
    days = settings.ENTRAIDE_MATCH_ANSWER_DAYS
    assert services.matches_expire_unanswered(now=timezone.now() + timedelta(days=days - 1)) == 0
    assert services.matches_expire_unanswered(now=timezone.now() + timedelta(days=days + 1)) == 1
    assert Match.objects.get().status == S.EXPIRED
    assert services.offer_remaining(room) == 1
    assert resident.pk in recipients_of("matching.expired")


def test_a_half_accepted_proposal_expires_too(proposed: Match, resident: User) -> None:
    services.match_accept(match=proposed, by=resident)
    later = timezone.now() + timedelta(days=settings.ENTRAIDE_MATCH_ANSWER_DAYS + 1)
    assert services.matches_expire_unanswered(now=later) == 1
    assert Match.objects.get().status == S.EXPIRED


def test_confirmed_matches_never_expire(confirmed: Match) -> None:
    later = timezone.now() + timedelta(days=365)
    assert services.matches_expire_unanswered(now=later) == 0
    assert Match.objects.get().status == S.CONFIRMED


# --- Hard constraints ----------------------------------------------------------------


def assert_refused(need: Need, offer: Offer, staff: User) -> None:
    with pytest.raises(DomainError):
        services.match_propose(need=need, offer=offer, by=staff)
    assert not Match.objects.filter(status__in=Match.HOLDING).exists()


def test_a_family_of_five_is_never_proposed_a_room_for_two(
    room: Offer, organisation, staff: User
) -> None:
    family = NeedFactory(organisation=organisation, adults=2, children=3, household_type="family")
    room.household_types = ["family"]
    room.save()
    assert_refused(family, room, staff)


def test_a_women_only_room_is_never_proposed_to_a_single_adult(
    room: Offer, need: Need, staff: User
) -> None:
    room.household_types = ["woman_alone"]
    room.save()
    assert_refused(need, room, staff)


def test_disjoint_dates_are_refused(room: Offer, need: Need, staff: User) -> None:
    today = timezone.localdate()
    room.available_until = today + timedelta(days=10)
    room.save()
    need.wanted_from = today + timedelta(days=30)
    need.save()
    assert_refused(need, room, staff)


def test_an_unpublished_offer_is_refused(room: Offer, need: Need, staff: User) -> None:
    Offer.objects.filter(pk=room.pk).update(status=Offer.Status.PENDING)
    assert_refused(need, room, staff)


def test_a_draft_need_is_refused(room: Offer, organisation, staff: User) -> None:
    assert_refused(NeedFactory(organisation=organisation, draft=True), room, staff)


def test_the_refusal_says_why_in_english(room: Offer, need: Need, staff: User, in_english) -> None:
    room.household_types = ["woman_alone"]
    room.save()
    with pytest.raises(DomainError, match="this household is not one the host welcomes"):
        services.match_propose(need=need, offer=room, by=staff)


# --- Capacity ------------------------------------------------------------------------


def test_a_room_for_one_household_cannot_get_a_second_live_proposal(
    proposed: Match, room: Offer, organisation, staff: User
) -> None:
    with pytest.raises(DomainError):
        services.match_propose(need=NeedFactory(organisation=organisation), offer=room, by=staff)
    assert Match.objects.filter(offer=room).count() == 1


def test_a_room_for_two_households_takes_two_proposals(
    room: Offer, organisation, staff: User
) -> None:
    room.households_at_once = 2
    room.capacity = 4
    room.save()
    for _ in range(2):
        services.match_propose(need=NeedFactory(organisation=organisation), offer=room, by=staff)
    with pytest.raises(DomainError):
        services.match_propose(need=NeedFactory(organisation=organisation), offer=room, by=staff)


def test_a_donation_of_ten_serves_needs_of_four_and_six_but_not_a_third(
    donation, goods_need, staff: User
) -> None:
    offer = donation(quantity=10)
    first = services.match_propose(need=goods_need(quantity=4), offer=offer, by=staff)
    second = services.match_propose(need=goods_need(quantity=6), offer=offer, by=staff)
    assert (first.units, second.units) == (4, 6)
    with pytest.raises(DomainError):
        services.match_propose(need=goods_need(quantity=2), offer=offer, by=staff)
    assert services.offer_remaining(offer) == 0


def test_more_units_than_are_left_are_refused(donation, goods_need, staff: User) -> None:
    with pytest.raises(DomainError):
        services.match_propose(
            need=goods_need(quantity=6), offer=donation(quantity=10), by=staff, units=7
        )


def test_proposing_the_rest_of_a_pair_already_proposed_is_a_domain_error(
    donation, goods_need, staff: User
) -> None:
    offer, need = donation(quantity=10), goods_need(quantity=6)
    services.match_propose(need=need, offer=offer, by=staff, units=2)
    with pytest.raises(DomainError):
        services.match_propose(need=need, offer=offer, by=staff)


def test_a_proposal_cannot_be_confirmed_once_its_need_is_cancelled(
    proposed: Match, need: Need, resident: User, association_member: User
) -> None:
    need_cancel(need=need, by=association_member)
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.CANCELLED  # at once (tests/matching/test_withdrawal.py)
    for side in (resident, association_member):
        with pytest.raises(DomainError) as refusal:
            services.match_accept(match=proposed, by=side)
        assert refusal.value.code == "answered"


def test_a_proposal_cannot_be_confirmed_once_its_offer_is_closed(
    proposed: Match, room: Offer, resident: User, association_member: User
) -> None:
    services.match_accept(match=proposed, by=association_member)
    Offer.objects.filter(pk=room.pk).update(status=Offer.Status.CLOSED)
    with pytest.raises(DomainError):
        services.match_accept(match=proposed, by=resident)


# --- Refusals on the pages and in the API --------------------------------------------


def test_a_refused_proposal_is_a_message_on_the_staff_page(
    room: Offer, organisation, staff: User, in_english: None
) -> None:
    family = NeedFactory(organisation=organisation, adults=2, children=3)
    response = client_for(staff).post(
        reverse("matching-staff:propose"),
        {"need": family.pk, "offer": room.pk},
        HTTP_REFERER=f"http://testserver{reverse('matching-staff:need', args=[family.pk])}",
    )
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert not Match.objects.exists()


def test_a_refused_proposal_is_a_422_with_its_reason_in_the_api(
    room: Offer, organisation, staff: User
) -> None:
    draft = NeedFactory(organisation=organisation, draft=True)
    response = api_as(staff).post("/api/v1/matches/", {"need": draft.pk, "offer": room.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == "This pair cannot be proposed: the need is not open."


def test_answering_twice_is_a_409_in_the_api(proposed: Match, resident: User) -> None:
    api = api_as(resident)
    assert api.post(f"/api/v1/matches/{proposed.pk}/accept/").status_code == 200
    assert api.post(f"/api/v1/matches/{proposed.pk}/accept/").status_code == 409


def test_a_resident_declines_from_the_proposal_page_with_a_reason(
    proposed: Match, resident: User
) -> None:
    client_for(resident).post(
        reverse("matching:answer", args=[proposed.pk, "decline"]), {"reason": "Away that month"}
    )
    match = Match.objects.get()
    assert (match.status, match.declined_by, match.decline_reason) == (
        S.DECLINED,
        "resident",
        "Away that month",
    )
