"""Staff answer for a side that has no account (a caller of the phone line, a person met at
a counter), with that person's consent recorded: a counter need paired with an offer taken
by phone can be confirmed, which ``side_of`` alone never allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import User
from core.errors import DomainError
from core.models import AuditEntry, Sector
from matching import services
from matching.models import CheckIn, Match
from needs.models import Need
from offers.models import Offer
from tests.factories import OfferFactory
from tests.matching.conftest import api_as
from tests.matching.pages import in_english as client_for
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
S = Match.Status


@pytest.fixture
def phone_room(sector: Sector) -> Offer:
    offer: Offer = OfferFactory(
        by_phone=True, housing=True, sector=sector, capacity=2, household_types=["single_adult"]
    )
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.PUBLISHED)
    offer.refresh_from_db()
    return offer


@pytest.fixture
def counter_need(db: None) -> Need:
    need: Need = NeedFactory(counter=True)
    return need


@pytest.fixture
def no_accounts(counter_need: Need, phone_room: Offer, staff: User) -> Match:
    return services.match_propose(need=counter_need, offer=phone_room, by=staff)


def test_staff_answer_for_both_sides_without_accounts_and_the_pair_is_confirmed(
    no_accounts: Match, staff: User, counter_need: Need
) -> None:
    assert services.sides_of(staff, no_accounts) == ("association", "resident")
    services.match_accept(match=no_accounts, by=staff, side="resident", consent=True)
    match = services.match_accept(match=no_accounts, by=staff, side="association", consent=True)
    assert match.status == S.CONFIRMED
    assert match.resident_consent_at is not None
    assert match.association_consent_at is not None
    counter_need.refresh_from_db()
    assert counter_need.status == Need.Status.MATCHED
    entries = AuditEntry.objects.filter(action="matching.match.accepted_on_behalf")
    assert sorted(entry.detail["side"] for entry in entries) == ["association", "resident"]


def test_staff_must_record_the_persons_consent_before_answering_for_them(
    no_accounts: Match, staff: User
) -> None:
    with pytest.raises(DomainError, match="agreed"):
        services.match_accept(match=no_accounts, by=staff, side="resident")
    no_accounts.refresh_from_db()
    assert no_accounts.status == S.PROPOSED


def test_staff_answering_for_two_sides_say_which(no_accounts: Match, staff: User) -> None:
    with pytest.raises(DomainError, match="which side"):
        services.match_accept(match=no_accounts, by=staff, consent=True)
    services.match_accept(match=no_accounts, by=staff, side="association", consent=True)
    # Only one side is left: it is the one answered for.
    assert services.match_accept(match=no_accounts, by=staff, consent=True).status == S.CONFIRMED


def test_staff_never_answer_for_a_side_that_has_an_account(proposed: Match, staff: User) -> None:
    with pytest.raises(PermissionError):
        services.match_accept(match=proposed, by=staff, side="resident", consent=True)
    with pytest.raises(PermissionError):
        services.match_accept(match=proposed, by=staff, side="association", consent=True)


def test_staff_record_a_refusal_for_a_caller(no_accounts: Match, staff: User) -> None:
    match = services.match_decline(
        match=no_accounts, by=staff, side="resident", reason="Plus disponible"
    )
    assert (match.status, match.declined_by) == (S.DECLINED, "resident")


def test_the_staff_page_answers_for_both_sides_of_a_pair_without_accounts(
    no_accounts: Match, staff: User
) -> None:
    client = client_for(staff)
    page = client.get(reverse("matching-staff:match", args=[no_accounts.pk])).content.decode()
    assert "The host, a caller of the phone line without an account" in page
    assert "The person met at the counter" in page
    url = reverse("matching-staff:answer-for", args=[no_accounts.pk, "accept"])
    client.post(url, {"side": "resident", "consent": "on"})
    client.post(url, {"side": "association", "consent": "on"})
    no_accounts.refresh_from_db()
    assert no_accounts.status == S.CONFIRMED


def test_the_staff_page_keeps_the_match_when_consent_is_missing(
    no_accounts: Match, staff: User
) -> None:
    url = reverse("matching-staff:answer-for", args=[no_accounts.pk, "accept"])
    page = reverse("matching-staff:match", args=[no_accounts.pk])
    response = client_for(staff).post(url, {"side": "resident"}, follow=True, HTTP_REFERER=page)
    assert "Record that the person agreed" in response.content.decode()
    no_accounts.refresh_from_db()
    assert no_accounts.status == S.PROPOSED


@pytest.mark.parametrize("role", ["resident", "association_member", "other_resident"])
def test_only_staff_reach_the_answer_for_someone_page(
    role: str, no_accounts: Match, request: pytest.FixtureRequest
) -> None:
    url = reverse("matching-staff:answer-for", args=[no_accounts.pk, "accept"])
    response = client_for(request.getfixturevalue(role)).post(
        url, {"side": "resident", "consent": "on"}
    )
    assert response.status_code == 403
    no_accounts.refresh_from_db()
    assert no_accounts.status == S.PROPOSED


def test_the_api_takes_the_side_and_the_consent(no_accounts: Match, staff: User) -> None:
    api = api_as(staff)
    url = f"/api/v1/matches/{no_accounts.pk}/accept/"
    refused = api.post(url, {"side": "resident"}, format="json")
    assert refused.status_code == 422  # consent is a rule on the content
    assert api.post(url, {"side": "resident", "consent": True}, format="json").status_code == 200
    done = api.post(url, {"side": "association", "consent": True}, format="json")
    assert done.json()["status"] == "confirmed"


def test_staff_ask_how_it_goes_by_phone_and_a_difficult_answer_reopens_the_need(
    no_accounts: Match, staff: User, counter_need: Need
) -> None:
    from django.utils import timezone

    from matching import follow_up
    from matching.selectors import check_ins_to_call

    services.match_accept(match=no_accounts, by=staff, side="resident", consent=True)
    services.match_accept(match=no_accounts, by=staff, side="association", consent=True)
    assert not check_ins_to_call().exists()  # a week from now
    CheckIn.objects.filter(match=no_accounts, round="week").update(
        due_on=timezone.localdate() - timedelta(days=1)  # a week has passed
    )
    follow_up.check_ins_send_due()
    due = list(check_ins_to_call())
    assert {check.side for check in due} == {"resident", "association"}
    to_call = client_for(staff).get(reverse("matching-staff:to-call")).content.decode()
    assert reverse("matching-staff:match", args=[no_accounts.pk]) in to_call
    check = next(c for c in due if c.side == "association")
    url = reverse("matching-staff:check-in-for", args=[no_accounts.pk, check.pk])
    response = client_for(staff).post(url, {"answer": "difficult"})
    assert response.status_code == 302
    counter_need.refresh_from_db()
    assert counter_need.attention_reason == "difficult"
    entry = AuditEntry.objects.get(action="matching.check_in.answered_for")
    assert (entry.actor, entry.detail["answer"]) == (staff, "difficult")
