"""The offer pages as residents and city staff use them, step by step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.models import Sector
from notifications.models import Notification
from offers.models import HousingCheck, Offer
from tests.factories import HousingCheckFactory, OfferFactory
from tests.offers.helpers import as_json, content, english_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
Status = Offer.Status


def form_data(kind: str, sector: Sector, **changes: Any) -> dict[str, Any]:
    data = as_json(content(kind, sector, **changes))
    return {name: value for name, value in data.items() if value is not None}


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Residents ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["housing", "donation", "skill"])
def test_a_resident_offers_help_in_three_steps(resident: User, sector: Sector, kind: str) -> None:
    client = english_client(resident)

    chosen = client.post(reverse("offers:create"), {"kind": kind})
    assert chosen.url == reverse("offers:create-details", args=[kind])
    detailed = client.post(chosen.url, form_data(kind, sector))
    offer = Offer.objects.get()
    assert detailed.url == reverse("offers:review", args=[offer.pk])
    assert offer.status == Status.DRAFT
    sent = client.post(detailed.url)

    assert sent.url == reverse("offers:detail", args=[offer.pk])
    offer.refresh_from_db()
    assert (offer.kind, offer.status, offer.owner) == (kind, Status.PENDING, resident)


def test_an_incomplete_offer_form_shows_its_errors_and_saves_nothing(
    resident: User, sector: Sector
) -> None:
    data = form_data("housing", sector, street_address="", household_types=[])
    response = english_client(resident).post(
        reverse("offers:create-details", args=["housing"]), data
    )
    assert response.status_code == 200
    assert {"street_address", "household_types"} <= set(response.context["form"].errors)
    assert not Offer.objects.exists()


def test_a_title_with_a_phone_number_is_refused_on_the_form(resident: User, sector: Sector) -> None:
    data = form_data("donation", sector, title="Draps, appelez le 06 12 34 56 78")
    response = english_client(resident).post(
        reverse("offers:create-details", args=["donation"]), data
    )
    assert "title" in response.context["form"].errors
    assert not Offer.objects.exists()


def test_changing_a_published_offer_sends_it_back_to_review(
    owned: Callable[..., Offer], resident: User, sector: Sector
) -> None:
    offer = owned(published=True, sector=sector)
    data = form_data("donation", sector, title="Draps et couettes")

    response = english_client(resident).post(reverse("offers:edit", args=[offer.pk]), data)

    assert response.url == reverse("offers:detail", args=[offer.pk])
    assert messages_of(response) == ["Saved. The city team will check the changes again."]
    offer.refresh_from_db()
    assert (offer.status, offer.title) == (Status.PENDING, "Draps et couettes")


def test_changing_a_draft_leads_back_to_the_review_step(
    owned: Callable[..., Offer], resident: User, sector: Sector
) -> None:
    offer = owned(sector=sector)
    response = english_client(resident).post(
        reverse("offers:edit", args=[offer.pk]), form_data("donation", sector)
    )
    assert response.url == reverse("offers:review", args=[offer.pk])


def test_a_closed_offer_cannot_be_changed(owned: Callable[..., Offer], resident: User) -> None:
    offer = owned(closed=True)
    response = english_client(resident).get(reverse("offers:edit", args=[offer.pk]))
    assert response.url == reverse("offers:detail", args=[offer.pk])
    assert messages_of(response) == ["A closed or expired offer cannot be changed."]


def test_a_refused_action_is_a_message_on_the_page_not_an_error(
    owned: Callable[..., Offer], resident: User
) -> None:
    offer = owned(closed=True)
    detail = reverse("offers:detail", args=[offer.pk])

    response = english_client(resident).post(
        reverse("offers:act", args=[offer.pk, "pause"]), HTTP_REFERER=f"http://testserver{detail}"
    )

    assert response.status_code == 302
    assert response.url == f"http://testserver{detail}"
    assert messages_of(response) == ["This cannot go from “Closed” to “Paused”."]


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (Status.PUBLISHED, "pause", Status.PAUSED),
        (Status.PAUSED, "resume", Status.PUBLISHED),
        (Status.PUBLISHED, "close", Status.CLOSED),
        (Status.EXPIRED, "confirm", Status.PUBLISHED),
    ],
)
def test_the_owner_pauses_resumes_closes_and_confirms_from_the_offer_page(
    owned: Callable[..., Offer], resident: User, start: str, action: str, end: str
) -> None:
    offer = owned(**{start: True})
    response = english_client(resident).post(reverse("offers:act", args=[offer.pk, action]))
    assert response.url == reverse("offers:detail", args=[offer.pk])
    offer.refresh_from_db()
    assert offer.status == end


def test_an_owner_cannot_skip_the_review_by_resuming_a_pending_offer(
    owned: Callable[..., Offer], resident: User
) -> None:
    offer = owned(pending=True, housing=True)
    english_client(resident).post(reverse("offers:act", args=[offer.pk, "resume"]))
    offer.refresh_from_db()
    assert offer.status == Status.PENDING


def test_the_owner_reads_the_city_teams_question_or_reason(
    owned: Callable[..., Offer], resident: User
) -> None:
    asked = owned(moderation_message="Jusqu'à quand ?")
    refused = owned(rejected=True, moderation_message="Les dates manquent.")
    client = english_client(resident)
    assert (
        "Jusqu&#x27;à quand ?"
        in client.get(reverse("offers:detail", args=[asked.pk])).content.decode()
    )
    assert (
        "Les dates manquent."
        in client.get(reverse("offers:detail", args=[refused.pk])).content.decode()
    )


def test_my_offers_lists_only_mine(
    owned: Callable[..., Offer], resident: User, other_resident: User
) -> None:
    mine = owned()
    theirs = OfferFactory(owner=other_resident)
    response = english_client(resident).get(reverse("offers:mine"))
    assert list(response.context["offers"]) == [mine]
    assert theirs.title not in response.content.decode()


# --- City staff --------------------------------------------------------------------


@pytest.fixture
def staff_client(staff: User) -> Client:
    return english_client(staff)


def moderate(client: Client, offer: Offer, decision: str, **data: Any) -> Any:
    detail = reverse("offers-staff:detail", args=[offer.pk])
    return client.post(
        reverse("offers-staff:moderate", args=[offer.pk, decision]),
        data,
        HTTP_REFERER=f"http://testserver{detail}",
    )


def test_the_queue_shows_pending_offers_longest_waiting_first(staff_client: Client) -> None:
    now = timezone.now()
    recent = OfferFactory(pending=True, submitted_at=now)
    old = OfferFactory(pending=True, submitted_at=now - timedelta(days=3))
    OfferFactory(published=True)
    response = staff_client.get(reverse("offers-staff:queue"))
    assert list(response.context["page"]) == [old, recent]


def test_staff_list_every_offer_by_state_and_kind(staff_client: Client) -> None:
    room = OfferFactory(housing=True, published=True, title="Chambre claire")
    OfferFactory(pending=True, title="Draps")
    OfferFactory(skill=True, published=True, title="Cours")

    def found(**query: str) -> list[Offer]:
        response = staff_client.get(reverse("offers-staff:search"), query)
        return list(response.context["page"])

    assert len(found()) == 3
    assert found(state="published", kind="housing") == [room]


def test_staff_approve_from_the_offer_page_and_the_owner_is_told(
    staff_client: Client, owned: Callable[..., Offer], resident: User
) -> None:
    offer = owned(pending=True)
    response = moderate(staff_client, offer, "approve")
    assert response.url == reverse("offers-staff:queue")
    offer.refresh_from_db()
    assert offer.status == Status.PUBLISHED
    assert Notification.objects.filter(recipient=resident, type="offers.offer_published").exists()


def test_approving_unvetted_housing_from_the_page_says_what_is_missing(
    staff_client: Client, owned: Callable[..., Offer]
) -> None:
    offer = owned(pending=True, housing=True)

    response = moderate(staff_client, offer, "approve")

    assert response.url.endswith(reverse("offers-staff:detail", args=[offer.pk]))
    assert messages_of(response) == [
        "Before publishing this housing offer, record: Phone call with the host, "
        "Visit of the housing."
    ]
    offer.refresh_from_db()
    assert offer.status == Status.PENDING


def test_staff_record_the_vetting_from_the_offer_page(
    staff_client: Client, staff: User, owned: Callable[..., Offer]
) -> None:
    offer = owned(pending=True, housing=True)
    today = timezone.localdate()

    recorded = moderate(staff_client, offer, "check", step="visit", done_on=str(today))
    future = moderate(
        staff_client, offer, "check", step="phone_call", done_on=str(today + timedelta(days=2))
    )

    assert recorded.url == reverse("offers-staff:detail", args=[offer.pk])
    assert "A check cannot be dated in the future." in messages_of(future)
    check = HousingCheck.objects.get()
    assert (check.step, check.done_by) == ("visit", staff)
    page = staff_client.get(reverse("offers-staff:detail", args=[offer.pk]))
    assert page.context["missing_checks"] == ["phone_call"]


def test_a_refusal_without_reason_shows_the_form_again(
    staff_client: Client, owned: Callable[..., Offer]
) -> None:
    offer = owned(pending=True)
    response = moderate(staff_client, offer, "reject", reason="")
    assert response.status_code == 400
    assert "reason" in response.context["reject_form"].errors
    offer.refresh_from_db()
    assert offer.status == Status.PENDING


def test_staff_refuse_or_ask_from_the_offer_page(
    staff_client: Client, owned: Callable[..., Offer]
) -> None:
    refused, asked = owned(pending=True), owned(pending=True)
    moderate(staff_client, refused, "reject", reason="Trop vague.")
    moderate(staff_client, asked, "ask", question="Combien ?")
    refused.refresh_from_db()
    asked.refresh_from_db()
    assert (refused.status, refused.moderation_message) == (Status.REJECTED, "Trop vague.")
    assert (asked.status, asked.moderation_message) == (Status.DRAFT, "Combien ?")


def test_the_staff_page_of_an_offer_shows_other_offers_from_the_same_caller(
    staff_client: Client,
) -> None:
    first = OfferFactory(by_phone=True, caller_phone="0612345678")
    second = OfferFactory(by_phone=True, caller_phone="0612345678")
    response = staff_client.get(reverse("offers-staff:detail", args=[second.pk]))
    assert response.context["duplicates"] == [first]


def test_the_staff_page_shows_the_vetting_done_and_the_history(
    staff_client: Client, staff: User
) -> None:
    check = HousingCheckFactory(done_by=staff, note="Appartement lumineux")
    body = staff_client.get(reverse("offers-staff:detail", args=[check.offer.pk])).content.decode()
    assert "Appartement lumineux" in body
