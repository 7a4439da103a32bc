"""The end of a match: either side or staff record that the stay or the help is over;
what the match held is freed (a room once its host says it is free again), and the need
moves on (fulfilled, or open again at the top of the staff queue). A check-in "It has
ended" or "It is difficult" does the same from a one-click link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError
from core.models import AuditEntry, Sector
from matching import follow_up, links, retrieval, services
from matching.models import CheckIn, Match
from needs.models import Need
from needs.selectors import staff_queue
from notifications.models import Notification
from offers.models import Offer
from tests.factories import OfferFactory
from tests.matching.pages import in_english as client_for
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
S = Match.Status


def room_link(match: Match) -> str:
    return reverse("matching:room", args=[links.room_token(match)])


def status_of(instance: Any) -> str:
    instance.refresh_from_db()
    return str(instance.status)


# --- Who ends a match, and when ------------------------------------------------------


@pytest.mark.parametrize("who", ["resident", "association_member", "staff"])
def test_either_side_or_staff_record_the_end_of_a_confirmed_match(
    who: str, confirmed: Match, request: pytest.FixtureRequest
) -> None:
    person: User = request.getfixturevalue(who)
    yesterday = timezone.localdate() - timedelta(days=1)
    Match.objects.filter(pk=confirmed.pk).update(confirmed_at=timezone.now() - timedelta(days=9))
    match = services.match_complete(
        match=confirmed, by=person, ended_on=yesterday, outcome="went_well"
    )
    assert (match.status, match.ended_on, match.outcome) == (S.COMPLETED, yesterday, "went_well")
    assert match.ended_by == {"resident": "resident", "association_member": "association"}.get(
        who, "staff"
    )
    assert match.completed_at is not None
    assert AuditEntry.objects.filter(action="matching.match.completed").count() == 1


@pytest.mark.parametrize("who", ["other_resident", "other_member"])
def test_nobody_else_ends_a_match(
    who: str, confirmed: Match, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(PermissionError):
        services.match_complete(match=confirmed, by=request.getfixturevalue(who))
    assert status_of(confirmed) == S.CONFIRMED


def test_only_a_confirmed_match_ends(proposed: Match, resident: User) -> None:
    with pytest.raises(DomainError, match="Only a confirmed match"):
        services.match_complete(match=proposed, by=resident)


def test_a_match_does_not_end_in_the_future_nor_before_it_started(
    confirmed: Match, resident: User
) -> None:
    today = timezone.localdate()
    with pytest.raises(DomainError, match="future"):
        services.match_complete(match=confirmed, by=resident, ended_on=today + timedelta(days=1))
    with pytest.raises(DomainError, match="before"):
        services.match_complete(match=confirmed, by=resident, ended_on=today - timedelta(days=3))
    assert status_of(confirmed) == S.CONFIRMED


def test_both_sides_hear_that_the_match_ended(
    confirmed: Match, resident: User, association_member: User, second_member: User
) -> None:
    services.match_complete(match=confirmed, by=association_member)
    told = set(
        Notification.objects.filter(type="matching.completed").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {resident.pk, association_member.pk, second_member.pk}


# --- The room ------------------------------------------------------------------------


def test_a_stay_over_frees_the_room_and_pauses_it_until_the_host_answers(
    confirmed: Match, room: Offer, resident: User
) -> None:
    assert services.offer_remaining(room) == 0
    match = services.match_complete(match=confirmed, by=resident)
    assert services.offer_remaining(room) == 1
    assert status_of(room) == Offer.Status.PAUSED
    question = Notification.objects.get(type="matching.room_question", channel="email")
    assert question.recipient == resident
    token = question.context["url"].removeprefix("/mises-en-relation/logement-libre/").strip("/")
    assert links.read_room_token(token) == match


def test_opening_the_room_link_changes_nothing(
    confirmed: Match, room: Offer, resident: User
) -> None:
    match = services.match_complete(match=confirmed, by=resident)
    page = client_for(None).get(room_link(match))
    assert page.status_code == 200
    assert "Is your room available again?" in page.content.decode()
    assert status_of(room) == Offer.Status.PAUSED


@pytest.mark.parametrize(
    ("answer", "status"),
    [("available", Offer.Status.PUBLISHED), ("paused", Offer.Status.PAUSED),
     ("closed", Offer.Status.CLOSED)],
)  # fmt: skip
def test_the_host_says_in_one_click_whether_the_room_is_available_again(
    answer: str, status: str, confirmed: Match, room: Offer, resident: User
) -> None:
    match = services.match_complete(match=confirmed, by=resident)
    response = client_for(None).post(room_link(match), {"answer": answer})
    assert response.status_code == 200
    assert status_of(room) == status


def test_a_room_published_again_is_suggested_to_the_next_need(
    confirmed: Match, room: Offer, resident: User, organisation: Any
) -> None:
    next_need = NeedFactory(organisation=organisation)
    assert room not in [s.subject for s in retrieval.suggestions_for_need(next_need)]
    match = services.match_complete(match=confirmed, by=resident)
    services.match_room_answer(match=match, by=resident, answer="available")
    assert room in [s.subject for s in retrieval.suggestions_for_need(next_need)]


def test_a_forged_or_unknown_room_link_is_refused(confirmed: Match) -> None:
    assert client_for(None).get(room_link(confirmed)).status_code == 410  # not completed
    assert client_for(None).get("/mises-en-relation/logement-libre/forged/").status_code == 410


def test_a_room_with_another_household_still_in_it_stays_published(
    need: Need, resident: User, sector: Sector, staff: User, association_member: User,
    organisation: Any,
) -> None:  # fmt: skip
    house = OfferFactory(
        housing=True, published=True, owner=resident, sector=sector, capacity=4,
        households_at_once=2, household_types=["single_adult"],
    )  # fmt: skip
    first = services.match_propose(need=need, offer=house, by=staff)
    other = services.match_propose(
        need=NeedFactory(organisation=organisation), offer=house, by=staff
    )
    for match in (first, other):
        services.match_accept(match=match, by=resident)
        services.match_accept(match=match, by=association_member)
    services.match_complete(match=first, by=resident)
    assert status_of(house) == Offer.Status.PUBLISHED
    assert services.offer_remaining(house) == 1


def test_staff_record_the_answer_of_a_host_without_an_account(
    need: Need, sector: Sector, staff: User, association_member: User
) -> None:
    by_phone = OfferFactory(
        by_phone=True, housing=True, sector=sector, capacity=2, household_types=["single_adult"]
    )
    Offer.objects.filter(pk=by_phone.pk).update(status=Offer.Status.PUBLISHED)
    match = services.match_propose(need=need, offer=by_phone, by=staff)
    services.match_accept(match=match, by=staff, side="resident", consent=True)
    services.match_accept(match=match, by=association_member)
    services.match_complete(match=match, by=staff)
    assert not Notification.objects.filter(type="matching.room_question").exists()
    page = client_for(staff).get(reverse("matching-staff:match", args=[match.pk])).content.decode()
    assert "Is the room available again?" in page
    client_for(staff).post(reverse("matching-staff:room", args=[match.pk]), {"answer": "available"})
    assert status_of(by_phone) == Offer.Status.PUBLISHED
    assert AuditEntry.objects.filter(action="matching.room.answered_for_host").exists()


# --- The need ------------------------------------------------------------------------


def test_a_stay_that_went_well_fulfils_the_need(
    confirmed: Match, need: Need, resident: User
) -> None:
    services.match_complete(match=confirmed, by=resident, outcome="went_well")
    assert status_of(need) == Need.Status.FULFILLED


@pytest.mark.parametrize(
    ("outcome", "reason"), [("ended_early", "ended_early"), ("broke_down", "broke_down")]
)
def test_a_stay_that_broke_down_reopens_the_need_at_the_top_of_the_queue(
    outcome: str, reason: str, confirmed: Match, need: Need, resident: User, organisation: Any
) -> None:
    critical = NeedFactory(organisation=organisation, critical=True)
    services.match_complete(match=confirmed, by=resident, outcome=outcome)
    need.refresh_from_db()
    assert (need.status, need.attention_reason) == (Need.Status.OPEN, reason)
    assert list(staff_queue()[:2]) == [need, critical]
    assert need.transitions.filter(from_status="matched", to_status="open").exists()


def test_the_association_says_the_household_still_needs_help(
    confirmed: Match, need: Need, association_member: User
) -> None:
    services.match_complete(match=confirmed, by=association_member, outcome="went_well",
                            still_needed=True)  # fmt: skip
    need.refresh_from_db()
    assert (need.status, need.attention_reason) == (Need.Status.OPEN, "still_needed")


def test_the_host_cannot_say_whether_the_household_still_needs_help(
    confirmed: Match, need: Need, resident: User
) -> None:
    client = client_for(resident)
    url = f"/api/v1/matches/{confirmed.pk}/complete/"
    answer = client.post(url, {"still_needed": True}, content_type="application/json")
    assert answer.status_code == 422
    assert status_of(confirmed) == S.CONFIRMED
    need.refresh_from_db()
    assert need.attention_reason == ""


def test_a_need_fulfilled_by_a_stay_can_be_opened_again_by_its_association(
    confirmed: Match, need: Need, resident: User, association_member: User
) -> None:
    from needs.services import need_reopen

    services.match_complete(match=confirmed, by=resident)
    need_reopen(need=Need.objects.get(pk=need.pk), by=association_member)
    assert status_of(need) == Need.Status.OPEN


def test_a_new_confirmed_match_takes_the_household_off_the_top_of_the_queue(
    confirmed: Match, need: Need, resident: User, staff: User, association_member: User,
    sector: Sector,
) -> None:  # fmt: skip
    services.match_complete(match=confirmed, by=resident, outcome="broke_down")
    other = OfferFactory(housing=True, published=True, sector=sector, capacity=2)
    again = services.match_propose(need=need, offer=other, by=staff)
    services.match_accept(match=again, by=other.owner)
    services.match_accept(match=again, by=association_member)
    need.refresh_from_db()
    assert (need.status, need.attention_reason, need.attention_since) == ("matched", "", None)


# --- Goods and skills ----------------------------------------------------------------


def test_goods_handed_over_stay_given(
    donation: Any, goods_need: Any, staff: User, resident: User, association_member: User
) -> None:
    blankets, wanted = donation(quantity=5), goods_need(quantity=3)
    match = services.match_propose(need=wanted, offer=blankets, by=staff)
    services.match_accept(match=match, by=resident)
    services.match_accept(match=match, by=association_member)
    services.match_complete(match=match, by=association_member)
    assert services.offer_remaining(blankets) == 2
    assert services.need_remaining(wanted) == 0
    assert status_of(wanted) == Need.Status.FULFILLED
    assert status_of(blankets) == Offer.Status.PUBLISHED


def test_a_volunteers_time_is_free_again_when_the_help_is_over(
    resident: User, sector: Sector, organisation: Any, staff: User, association_member: User
) -> None:
    lessons = OfferFactory(skill=True, published=True, owner=resident, sector=sector, capacity=1)
    wanted = NeedFactory(organisation=organisation, skill=True, category=lessons.category)
    match = services.match_propose(need=wanted, offer=lessons, by=staff)
    services.match_accept(match=match, by=resident)
    services.match_accept(match=match, by=association_member)
    assert services.offer_remaining(lessons) == 0
    services.match_complete(match=match, by=resident)
    assert services.offer_remaining(lessons) == 1
    assert status_of(lessons) == Offer.Status.PUBLISHED


# --- From a check-in -----------------------------------------------------------------


def check_in_link(match: Match, side: str = "resident") -> str:
    check = CheckIn.objects.get(match=match, side=side, round="week")
    return reverse("matching:check-in", args=[follow_up.token(check)])


def test_a_check_in_saying_it_has_ended_completes_the_match(
    confirmed: Match, need: Need, room: Offer, resident: User
) -> None:
    client_for(None).post(check_in_link(confirmed), {"answer": "ended"})
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.ended_by, confirmed.outcome) == (
        S.COMPLETED,
        "resident",
        "",
    )
    assert confirmed.ended_on == timezone.localdate()
    assert status_of(need) == Need.Status.FULFILLED
    assert status_of(room) == Offer.Status.PAUSED
    assert Notification.objects.filter(type="matching.room_question", recipient=resident).exists()


def test_a_difficult_check_in_reopens_the_need_away_from_this_offer(
    confirmed: Match, need: Need, room: Offer, resident: User, sector: Sector
) -> None:
    elsewhere = OfferFactory(housing=True, published=True, sector=sector, capacity=2,
                             title="Studio ailleurs")  # fmt: skip
    client_for(None).post(check_in_link(confirmed, "association"), {"answer": "difficult"})
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.outcome, confirmed.ended_by) == (
        S.COMPLETED, "broke_down", "association",
    )  # fmt: skip
    need.refresh_from_db()
    assert (need.status, need.attention_reason) == (Need.Status.OPEN, "difficult")
    services.match_room_answer(match=confirmed, by=resident, answer="available")
    assert status_of(room) == Offer.Status.PUBLISHED
    suggested = [s.subject for s in retrieval.suggestions_for_need(need)]
    assert elsewhere in suggested
    assert room not in suggested
    assert retrieval.pair_problems(need, room) == [
        "this household's stay with this offer broke down before"
    ]


def test_the_second_side_ending_an_ended_stay_changes_nothing_more(
    confirmed: Match, need: Need, resident: User
) -> None:
    client_for(None).post(check_in_link(confirmed), {"answer": "ended"})
    client_for(None).post(check_in_link(confirmed, "association"), {"answer": "difficult"})
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.outcome) == (S.COMPLETED, "")
    assert status_of(need) == Need.Status.FULFILLED
    assert CheckIn.objects.filter(match=confirmed).exclude(answer="").count() == 2


# --- Pages ---------------------------------------------------------------------------


def test_the_host_ends_the_stay_from_the_match_page_and_lands_on_the_room_question(
    confirmed: Match, resident: User, room: Offer
) -> None:
    client = client_for(resident)
    page = client.get(reverse("matching:proposal", args=[confirmed.pk])).content.decode()
    assert "Has the stay ended?" in page
    assert "Does the household still need this help?" not in page  # the host cannot know
    response = client.post(
        reverse("matching:complete", args=[confirmed.pk]),
        {"ended_on": timezone.localdate().isoformat(), "outcome": "went_well"},
    )
    assert response.status_code == 302
    token = response["Location"].removeprefix("/mises-en-relation/logement-libre/").strip("/")
    assert links.read_room_token(token) == confirmed


def test_the_association_is_asked_whether_the_household_still_needs_help(
    confirmed: Match, association_member: User, need: Need
) -> None:
    client = client_for(association_member)
    page = client.get(reverse("matching:proposal", args=[confirmed.pk])).content.decode()
    assert "Does the household still need this help?" in page
    client.post(
        reverse("matching:complete", args=[confirmed.pk]),
        {"ended_on": timezone.localdate().isoformat(), "outcome": "", "still_needed": "yes"},
    )
    need.refresh_from_db()
    assert (need.status, need.attention_reason) == ("open", "still_needed")


def test_a_wrong_end_date_is_shown_on_the_form(confirmed: Match, resident: User) -> None:
    response = client_for(resident).post(
        reverse("matching:complete", args=[confirmed.pk]), {"ended_on": "not a date"}
    )
    assert response.status_code == 200
    assert "Has the stay ended?" in response.content.decode()
    assert status_of(confirmed) == S.CONFIRMED


def test_staff_end_a_match_from_its_staff_page(confirmed: Match, staff: User, need: Need) -> None:
    response = client_for(staff).post(
        reverse("matching-staff:complete", args=[confirmed.pk]),
        {"ended_on": timezone.localdate().isoformat(), "outcome": "ended_early"},
    )
    assert response.status_code == 302
    assert status_of(confirmed) == S.COMPLETED
    need.refresh_from_db()
    assert need.attention_reason == "ended_early"
