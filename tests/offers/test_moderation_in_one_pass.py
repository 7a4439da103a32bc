"""Moderation in one pass: "… and next" from the offer page, bulk approval of goods and
skills after a preview (housing keeps its vetting steps)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.models import AuditEntry
from offers.models import Offer
from tests.conftest import client_for
from tests.factories import OfferFactory, SectorFactory

pytestmark = pytest.mark.django_db


def _ago(days: int) -> Any:
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def staff_client(staff: User) -> Client:
    return client_for(staff, language="en")


def _decide(client: Client, offer: Offer, decision: str, **data: str) -> Any:
    url = reverse("offers-staff:moderate", args=[offer.pk, decision])
    return client.post(url, {"then": "next", **data})


def test_approve_and_next_opens_the_next_offer_of_the_filtered_queue(
    staff_client: Client,
) -> None:
    north, south = SectorFactory(), SectorFactory()
    first = OfferFactory(pending=True, sector=north, submitted_at=_ago(5))
    OfferFactory(pending=True, sector=south, submitted_at=_ago(4))  # filtered out
    second = OfferFactory(pending=True, sector=north, submitted_at=_ago(3))
    queue = f"district={north.pk}"
    response = _decide(staff_client, first, "approve", queue=queue)
    assert response.url == reverse("offers-staff:detail", args=[second.pk]) + "?" + queue
    first.refresh_from_db()
    assert first.status == Offer.Status.PUBLISHED
    response = _decide(staff_client, second, "approve", queue=queue)
    assert response.url == reverse("offers-staff:queue") + "?" + queue


def test_ask_and_next_and_refuse_and_next_move_on_too(staff_client: Client) -> None:
    one, two, three = (OfferFactory(pending=True, submitted_at=_ago(9 - d)) for d in range(3))
    response = _decide(staff_client, one, "ask", question="Which sizes?")
    assert response.url == reverse("offers-staff:detail", args=[two.pk])
    response = _decide(staff_client, two, "reject", reason="Not for this scheme.")
    assert response.url == reverse("offers-staff:detail", args=[three.pk])
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status) == (Offer.Status.DRAFT, Offer.Status.REJECTED)


def test_the_offer_page_offers_each_decision_and_next(staff_client: Client) -> None:
    offer = OfferFactory(pending=True)
    page = staff_client.get(reverse("offers-staff:detail", args=[offer.pk])).content.decode()
    for label in ("Approve and next", "Ask and next", "Refuse and next"):
        assert label in page


def test_bulk_approval_previews_goods_and_skills_and_leaves_housing_out(
    staff_client: Client,
) -> None:
    goods = [OfferFactory(pending=True, title=f"Draps {n}") for n in range(5)]
    room = OfferFactory(housing=True, pending=True, title="Chambre")
    ticked = {"offer": [o.pk for o in (*goods, room)]}
    preview = staff_client.post(reverse("offers-staff:bulk-preview"), ticked)
    assert preview.context["offers"] == goods
    assert preview.context["housing"] == [room]
    assert "Publish these 5 offers" in preview.content.decode()
    assert Offer.objects.filter(status=Offer.Status.PUBLISHED).count() == 0  # a preview only

    response = staff_client.post(reverse("offers-staff:bulk-approve"), ticked)
    assert response.status_code == 302
    assert Offer.objects.filter(status=Offer.Status.PUBLISHED).count() == 5
    room.refresh_from_db()
    assert room.status == Offer.Status.PENDING
    assert AuditEntry.objects.filter(action="offers.offer.approved").count() == 5


@pytest.mark.parametrize("page", ["offers-staff:bulk-preview", "offers-staff:bulk-approve"])
@pytest.mark.parametrize(
    ("role", "status"),
    [("visitor", 302), ("resident", 403), ("association_member", 403), ("staff", 200),
     ("coordinator", 200)],
)  # fmt: skip
def test_bulk_approval_is_for_staff(
    request: pytest.FixtureRequest, page: str, role: str, status: int
) -> None:
    offer = OfferFactory(pending=True)
    user = None if role == "visitor" else request.getfixturevalue(role)
    response = client_for(user).post(reverse(page), {"offer": [offer.pk]})
    expected = 302 if (page.endswith("approve") and status == 200) else status
    assert response.status_code == expected
    offer.refresh_from_db()
    published = page.endswith("approve") and role in ("staff", "coordinator")
    assert (offer.status == Offer.Status.PUBLISHED) == published
