"""Associations follow their needs: the need's page lists its proposals and matches with
their states, answer dates and history; every proposal and match page (page and API)
shows the need's number and, to the association only, its internal reference; "My
proposals" can be narrowed to one need."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Organisation, User
from core.models import Sector
from matching import services
from matching.models import Match
from needs.models import Need
from offers.models import Offer
from tests.factories import OfferFactory
from tests.matching.conftest import api_as
from tests.matching.pages import in_english as client_for
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def need_page(user: User | None, need: Need) -> Any:
    return client_for(user).get(reverse("needs:detail", args=[need.pk]))


# --- The need's page -------------------------------------------------------------------


def test_the_need_page_lists_its_proposals_with_their_state_and_answer_dates(
    proposed: Match, need: Need, resident: User, association_member: User
) -> None:
    services.match_accept(match=proposed, by=resident)
    page = need_page(association_member, need).content.decode()
    assert "Proposals and matches" in page
    assert "Chambre lumineuse" in page
    assert "Accepted by the resident" in page
    assert "Answer expected by" in page
    assert "has not answered yet" in page  # the association itself
    assert reverse("matching:proposal", args=[proposed.pk]) in page
    assert "History of" in page and "Proposed" in page  # noqa: PT018


def test_the_need_page_keeps_the_history_of_a_stay_that_broke_down(
    confirmed: Match, need: Need, resident: User, association_member: User
) -> None:
    services.match_complete(match=confirmed, by=resident, outcome="broke_down")
    page = need_page(association_member, need).content.decode()
    assert "It broke down" in page
    assert "The stay broke down: place the household again" in page
    assert "The city team looks for another offer first." in page


def test_a_need_without_proposal_says_so(need: Need, association_member: User) -> None:
    page = need_page(association_member, need).content.decode()
    assert "No proposal yet" in page


def test_another_association_never_sees_the_need_nor_its_matches(
    proposed: Match, need: Need, other_member: User
) -> None:
    assert need_page(other_member, need).status_code == 404


def test_staff_follow_the_matches_to_their_staff_pages(
    proposed: Match, need: Need, staff: User
) -> None:
    page = need_page(staff, need).content.decode()
    assert reverse("matching-staff:match", args=[proposed.pk]) in page


def test_the_need_page_costs_the_same_queries_for_one_or_many_matches(
    need: Need, room: Offer, staff: User, sector: Sector, association_member: User,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    services.match_propose(need=need, offer=room, by=staff)
    client = client_for(association_member)
    client.get(reverse("needs:detail", args=[need.pk]))
    with django_assert_max_num_queries(14) as one:
        client.get(reverse("needs:detail", args=[need.pk]))
    pinned = len(one.captured_queries)  # now: the next request empties the query log
    for match in Match.objects.all():
        services.match_decline(match=match, by=association_member)
    for _ in range(6):
        offer = OfferFactory(housing=True, published=True, sector=sector, capacity=2)
        match = services.match_propose(need=need, offer=offer, by=staff)
        services.match_decline(match=match, by=association_member)
    client.get(reverse("needs:detail", args=[need.pk]))  # the new messages' badge, counted once
    with django_assert_max_num_queries(pinned):
        client.get(reverse("needs:detail", args=[need.pk]))


# --- Proposal pages and API ----------------------------------------------------------


def test_both_sides_read_the_need_number_and_only_the_association_its_reference(
    proposed: Match, need: Need, resident: User, association_member: User
) -> None:
    url = reverse("matching:proposal", args=[proposed.pk])
    host_page = client_for(resident).get(url).content.decode()
    member_page = client_for(association_member).get(url).content.decode()
    assert f"The need #{need.pk}" in host_page
    assert f"Your need #{need.pk}" in member_page
    assert need.internal_reference not in host_page
    assert need.internal_reference in member_page


@pytest.mark.parametrize(
    ("who", "sees"), [("resident", False), ("association_member", True), ("staff", False)]
)
def test_the_api_gives_the_internal_reference_to_the_association_only(
    who: str, sees: bool, proposed: Match, need: Need, request: pytest.FixtureRequest
) -> None:
    api = api_as(request.getfixturevalue(who))
    row = api.get(f"/api/v1/matches/{proposed.pk}/").json()
    assert row["need"] == need.pk
    assert row["need_internal_reference"] == (need.internal_reference if sees else None)
    [listed] = api.get("/api/v1/matches/").json()["results"]
    assert listed["need_internal_reference"] == row["need_internal_reference"]


def test_staff_read_the_reference_of_a_need_they_met_at_a_counter(room: Offer, staff: User) -> None:
    counter = NeedFactory(counter=True, internal_reference="GUICHET-4")
    match = services.match_propose(need=counter, offer=room, by=staff)
    row = api_as(staff).get(f"/api/v1/matches/{match.pk}/").json()
    assert row["need_internal_reference"] == "GUICHET-4"


def test_the_api_records_the_end_of_a_match(confirmed: Match, association_member: User) -> None:
    response = api_as(association_member).post(
        f"/api/v1/matches/{confirmed.pk}/complete/",
        {"outcome": "ended_early", "still_needed": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["outcome"], body["ended_by"]) == (
        "completed", "ended_early", "association",
    )  # fmt: skip


# --- "My proposals", by need -------------------------------------------------------------


@pytest.fixture
def two_needs(
    proposed: Match, organisation: Organisation, sector: Sector, staff: User
) -> tuple[Match, Match]:
    other_need = NeedFactory(organisation=organisation, internal_reference="DOSSIER-77")
    other_room = OfferFactory(
        housing=True, published=True, sector=sector, capacity=2, title="Studio du parc"
    )
    return proposed, services.match_propose(need=other_need, offer=other_room, by=staff)


def test_my_proposals_can_be_narrowed_to_one_need(
    two_needs: tuple[Match, Match], association_member: User
) -> None:
    _first, second = two_needs
    client = client_for(association_member)
    everything = client.get(reverse("matching:mine")).content.decode()
    assert "Chambre lumineuse" in everything and "Studio du parc" in everything  # noqa: PT018
    assert f"Need #{second.need_id} · DOSSIER-77" in everything  # the choice names the file
    narrowed = client.get(reverse("matching:mine"), {"besoin": second.need_id}).content.decode()
    assert "Studio du parc" in narrowed
    assert "Chambre lumineuse" not in narrowed


def test_narrowing_to_someone_elses_need_shows_everything_of_mine(
    two_needs: tuple[Match, Match], association_member: User, other_member: User
) -> None:
    foreign = NeedFactory(organisation=other_member.memberships.get().organisation)
    page = client_for(association_member).get(reverse("matching:mine"), {"besoin": foreign.pk})
    assert "Chambre lumineuse" in page.content.decode()


@pytest.mark.parametrize("odd", ["²", "99999999999999999999999", "-1", "x"])
def test_an_odd_need_number_shows_everything_of_mine(
    two_needs: tuple[Match, Match], association_member: User, odd: str
) -> None:
    page = client_for(association_member).get(reverse("matching:mine"), {"besoin": odd})
    assert page.status_code == 200
    assert "Chambre lumineuse" in page.content.decode()


def test_the_host_reads_need_numbers_but_no_reference(
    two_needs: tuple[Match, Match], resident: User, need: Need
) -> None:
    page = client_for(resident).get(reverse("matching:mine")).content.decode()
    assert f"need #{need.pk}" in page
    assert need.internal_reference not in page


# --- People to call ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("resident", 403), ("association_member", 403), ("staff", 200), ("coordinator", 200)],
)
def test_the_list_of_people_to_call_is_for_staff(
    role: str, expected: int, request: pytest.FixtureRequest
) -> None:
    response = client_for(request.getfixturevalue(role)).get(reverse("matching-staff:to-call"))
    assert response.status_code == expected


def test_the_list_of_people_to_call_holds_the_answers_to_collect(room: Offer, staff: User) -> None:
    match = services.match_propose(need=NeedFactory(counter=True), offer=room, by=staff)
    page = client_for(staff).get(reverse("matching-staff:to-call")).content.decode()
    assert reverse("matching-staff:match", args=[match.pk]) in page


def test_the_list_of_people_to_call_costs_the_same_for_one_or_many(
    sector: Sector, staff: User, django_assert_max_num_queries: Any
) -> None:
    def counter_proposal() -> None:
        room = OfferFactory(by_phone=True, housing=True, sector=sector, capacity=2,
                            household_types=["single_adult"])  # fmt: skip
        Offer.objects.filter(pk=room.pk).update(status=Offer.Status.PUBLISHED)
        room.refresh_from_db()
        services.match_propose(need=NeedFactory(counter=True), offer=room, by=staff)

    counter_proposal()
    client = client_for(staff)
    client.get(reverse("matching-staff:to-call"))
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("matching-staff:to-call"))
    for _ in range(5):
        counter_proposal()
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(reverse("matching-staff:to-call")).status_code == 200
