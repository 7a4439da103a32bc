"""Claiming an item of a staff queue: who holds it and since when, lapsing, releasing,
and never two agents at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.claims import attach_claims, claim_on, claim_release, claim_take
from core.errors import DomainError
from core.models import Claim
from offers.models import Offer
from tests.conftest import client_for
from tests.factories import OfferFactory, OrganisationFactory, UserFactory
from tests.needs.factories import NeedFactory
from tests.services import unavailable


@pytest.fixture
def colleague(db: None) -> User:
    return UserFactory(email="colleague@example.org", staff=True, display_name="Camille")


@pytest.mark.django_db
@pytest.mark.usefixtures("in_english")
def test_an_agent_takes_an_item_and_another_is_told_who_holds_it(
    staff: User, colleague: User
) -> None:
    offer = OfferFactory(pending=True)
    claim_take(target=offer, by=colleague)
    with pytest.raises(DomainError, match="Camille holds it since") as refused:
        claim_take(target=offer, by=staff)
    assert refused.value.code == "claimed"
    held = claim_on(offer)
    assert held is not None
    assert held.holder == colleague


@pytest.mark.django_db
def test_a_claim_lapses_after_the_setting_and_the_next_agent_takes_it_over(
    staff: User, colleague: User, settings: Any
) -> None:
    settings.ENTRAIDE_CLAIM_MINUTES = 15
    offer = OfferFactory(pending=True)
    claim_take(target=offer, by=colleague)
    Claim.objects.update(claimed_at=timezone.now() - timedelta(minutes=16))
    assert claim_on(offer) is None
    assert claim_take(target=offer, by=staff).holder == staff
    assert Claim.objects.count() == 1


@pytest.mark.django_db
def test_the_holder_or_a_coordinator_release_a_claim_and_nobody_else(
    staff: User, colleague: User, coordinator: User
) -> None:
    need = NeedFactory()
    claim_take(target=need, by=colleague)
    with pytest.raises(DomainError):
        claim_release(target=need, by=staff)
    assert claim_release(target=need, by=coordinator)
    claim_take(target=need, by=staff)
    assert claim_release(target=need, by=staff)
    assert not Claim.objects.exists()


@pytest.mark.django_db
def test_only_staff_claim(resident: User) -> None:
    with pytest.raises(PermissionError):
        claim_take(target=OrganisationFactory(unverified=True), by=resident)


@pytest.mark.django_db
def test_claims_of_a_whole_page_are_read_in_one_query(
    colleague: User, django_assert_num_queries: Any
) -> None:
    offers = [OfferFactory(pending=True) for _ in range(5)]
    claim_take(target=offers[2], by=colleague)
    with django_assert_num_queries(1):
        attach_claims(offers)
    assert [o.claim is not None for o in offers] == [False, False, True, False, False]


@pytest.mark.django_db
def test_a_second_agent_sees_the_claim_on_the_queue_and_the_offer_page(
    staff: User, colleague: User
) -> None:
    offer = OfferFactory(pending=True, title="Draps")
    client_for(colleague, language="en").post(
        reverse("claim-take", args=["offer", offer.pk]), {"next": "/equipe/offres/"}
    )
    client = client_for(staff, language="en")
    assert "Camille since" in client.get(reverse("offers-staff:queue")).content.decode()
    page = client.get(reverse("offers-staff:detail", args=[offer.pk])).content.decode()
    assert "Camille holds it since" in page
    assert "Release their claim" not in page  # staff, not a coordinator


@pytest.mark.django_db
def test_approve_and_next_skips_what_another_agent_holds_and_takes_the_next(
    staff: User, colleague: User
) -> None:
    now = timezone.now()
    first, held, free = (
        OfferFactory(pending=True, submitted_at=now - timedelta(days=9 - d)) for d in range(3)
    )
    claim_take(target=held, by=colleague)
    client = client_for(staff)
    url = reverse("offers-staff:moderate", args=[first.pk, "approve"])
    response = client.post(url, {"then": "next"})
    assert response.url == reverse("offers-staff:detail", args=[free.pk])
    claim = claim_on(free)
    assert claim is not None
    assert claim.holder == staff


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["claim-take", "claim-release"])
@pytest.mark.parametrize(
    ("role", "status"),
    [("visitor", 302), ("resident", 403), ("association_member", 403), ("staff", 302),
     ("coordinator", 302)],
)  # fmt: skip
def test_claiming_pages_are_for_staff(
    request: pytest.FixtureRequest, action: str, role: str, status: int
) -> None:
    offer = OfferFactory(pending=True)
    user = None if role == "visitor" else request.getfixturevalue(role)
    response = client_for(user).post(reverse(action, args=["offer", offer.pk]))
    assert response.status_code == status
    held = role in ("staff", "coordinator") and action == "claim-take"
    assert Claim.objects.exists() == held


@pytest.mark.django_db
def test_only_declared_kinds_can_be_claimed(staff: User) -> None:
    offer = OfferFactory(pending=True)
    assert client_for(staff).post(f"/equipe/prendre/user/{staff.pk}/").status_code == 404
    assert client_for(staff).post(f"/equipe/prendre/offer/{offer.pk + 99}/").status_code == 404


# --- Two agents at once (PostgreSQL: two connections) -----------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_agents_claiming_the_same_offer_at_once_cannot_both_hold_it() -> None:
    if connection.vendor != "postgresql":
        unavailable("two connections at once need PostgreSQL (DATABASE_URL)")
    agents = [UserFactory(staff=True), UserFactory(staff=True)]
    offer: Offer = OfferFactory(pending=True)
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = claim_take(target=offer, by=agents[index])
        except Exception as error:  # reported to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(result).__name__ for result in results) == ["Claim", "DomainError"]
    assert Claim.objects.count() == 1
