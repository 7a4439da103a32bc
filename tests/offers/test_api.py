"""``/api/v1/offers/``: creating each kind, clear 400s (never a 500), filters, keyset
pagination, staff moderation, and query counts that do not grow with the offers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from core.models import Category, Sector
from offers.models import HousingCheck, Offer
from tests.conftest import client_for
from tests.factories import OfferFactory, SectorFactory, UserFactory
from tests.offers.helpers import OFFERS_API, api_as, category, offer_url, payload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
Status = Offer.Status
TODAY = timezone.localdate


def post(user: User, url: str, data: Any = None) -> Any:
    return api_as(user).post(url, data, format="json")


# --- Creating and changing ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["housing", "donation", "skill"])
def test_a_resident_creates_an_offer_of_each_kind(
    resident: User, sector: Sector, kind: str
) -> None:
    response = post(resident, OFFERS_API, payload(kind, sector))

    assert response.status_code == 201, response.json()
    body = response.json()
    offer = Offer.objects.get(pk=body["id"])
    assert (offer.kind, offer.owner, offer.status) == (kind, resident, Status.DRAFT)
    assert (body["kind"], body["status"], body["sector"]) == (kind, "draft", sector.pk)


@pytest.mark.parametrize("kind", ["housing", "donation", "skill"])
def test_creating_an_offer_costs_its_two_rows_and_nothing_else(
    resident: User, sector: Sector, kind: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    data = payload(kind, sector)
    client = api_as(resident)
    client.post(OFFERS_API, data, format="json")  # the reference cache fills once
    # The district and the category come from the reference cache (core.reference), their
    # keys are not checked again, nor the dates constraint Offer.clean states in words:
    # the offer and its first transition, in the service's transaction (a savepoint here,
    # inside the test's own transaction).
    with django_assert_num_queries(4):
        response = client.post(OFFERS_API, data, format="json")

    assert response.status_code == 201, response.json()


def test_a_district_or_category_edited_in_this_process_is_read_again(
    resident: User, sector: Sector
) -> None:
    assert post(resident, OFFERS_API, payload("donation", sector)).status_code == 201
    Category.objects.filter(code="bedding").update(active=False)
    bedding = category("bedding")
    bedding.save()  # the admin saves the row, which drops the cache

    assert "does not exist" in refusal(post(resident, OFFERS_API, payload("donation", sector)))


def test_the_owner_reads_back_the_address_they_gave(resident: User, sector: Sector) -> None:
    body = post(resident, OFFERS_API, payload("housing", sector)).json()
    assert (body["street_address"], body["postcode"]) == ("3 rue des Lilas", "38000")


def test_status_and_origin_cannot_be_set_by_the_resident(resident: User, sector: Sector) -> None:
    data = {**payload("donation", sector), "status": "published", "origin": "phone"}
    body = post(resident, OFFERS_API, data).json()
    offer = Offer.objects.get(pk=body["id"])
    assert (offer.status, offer.origin) == (Status.DRAFT, "web")


def test_the_owner_submits_then_staff_approve_through_the_api(
    resident: User, staff: User, sector: Sector
) -> None:
    created = post(resident, OFFERS_API, payload("donation", sector)).json()
    offer = Offer.objects.get(pk=created["id"])

    submitted = post(resident, offer_url(offer, "submit"))
    approved = post(staff, offer_url(offer, "approve"))

    assert submitted.json()["status"] == "pending"
    assert approved.status_code == 200
    assert approved.json()["status"] == "published"
    assert approved.json()["published_at"] is not None


def test_an_owner_editing_a_published_offer_through_the_api_sends_it_back_to_review(
    owned: Callable[..., Offer], resident: User
) -> None:
    offer = owned(published=True)
    response = api_as(resident).patch(offer_url(offer), {"quantity": 8}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["quantity"]) == ("pending", 8)


def test_the_kind_of_an_offer_cannot_be_changed(
    owned: Callable[..., Offer], resident: User
) -> None:
    offer = owned()
    api_as(resident).patch(offer_url(offer), {"kind": "housing"}, format="json")
    offer.refresh_from_db()
    assert offer.kind == "donation"


def test_an_owner_cannot_publish_a_pending_offer_through_resume(
    owned: Callable[..., Offer], resident: User
) -> None:
    offer = owned(pending=True, housing=True)
    response = post(resident, offer_url(offer, "resume"))
    assert response.status_code == 409
    offer.refresh_from_db()
    assert offer.status == Status.PENDING


# --- Clear refusals ----------------------------------------------------------------


def refusal(response: Any) -> str:
    """The text of a refusal: a 400 from the serializer (the request does not match the
    schema), a 422 from a rule on the content, or a 409 from the state of the offer."""
    assert response.status_code in (400, 409, 422), (response.status_code, response.content)
    return str(response.json())


INVALID = {
    "housing without address": ("housing", {"street_address": ""}, "address"),
    "housing without bed": ("housing", {"capacity": None}, "beds"),
    "housing for nobody": ("housing", {"household_types": []}, "household"),
    "unknown household": ("housing", {"household_types": ["pets"]}, "not a valid choice"),
    "household not a list": ("housing", {"household_types": "couple"}, "list"),
    "dates out of order": (
        "donation",
        {"available_from": str(TODAY() + timedelta(days=9)), "available_until": str(TODAY())},
        "end date",
    ),
    "past end date": ("donation", {"available_until": "2020-01-01"}, "already past"),
    "not a date": ("donation", {"available_from": "demain"}, "Date has wrong format"),
    "no quantity": ("donation", {"quantity": 0}, "quantity"),
    "negative capacity": ("skill", {"capacity": -1}, "capacity"),
    "wrong category": ("donation", {"category": "interpreting"}, "does not fit"),
    "unknown category": ("donation", {"category": 999999}, "does not exist"),
    "phone in title": ("donation", {"title": "Appelez le 06 12 34 56 78"}, "phone number"),
    "interpreting without pairs": ("skill", {"category": "interpreting"}, "languages"),
    "skill at no time": ("skill", {"weekly_slots": []}, "remote"),
    "unknown sector": ("donation", {"sector": 999999}, "does not exist"),
    "unknown kind": ("donation", {"kind": "car"}, "not a valid choice"),
}


@pytest.mark.parametrize(("kind", "changes", "says"), INVALID.values(), ids=INVALID.keys())
def test_an_invalid_offer_is_refused_with_why(
    resident: User, sector: Sector, kind: str, changes: dict[str, Any], says: str
) -> None:
    if isinstance(changes.get("category"), str):
        changes = {**changes, "category": category(changes["category"]).pk}

    response = post(resident, OFFERS_API, {**payload(kind, sector), **changes})

    assert says.lower() in refusal(response).lower()
    assert not Offer.objects.exists()


def test_food_without_a_future_best_before_date_is_refused(resident: User, sector: Sector) -> None:
    data = {**payload("donation", sector), "category": category("food").pk}
    assert "best-before" in refusal(post(resident, OFFERS_API, data))
    data["best_before"] = str(TODAY())
    assert "future" in refusal(post(resident, OFFERS_API, data))
    data["best_before"] = str(TODAY() + timedelta(days=3))
    assert post(resident, OFFERS_API, data).status_code == 201


def test_an_inactive_category_is_refused(resident: User, sector: Sector) -> None:
    Category.objects.filter(code="bedding").update(active=False)
    assert "does not exist" in refusal(post(resident, OFFERS_API, payload("donation", sector)))


def test_a_body_that_is_not_an_object_is_a_400(resident: User, staff: User) -> None:
    assert post(resident, OFFERS_API, ["not", "an", "offer"]).status_code == 400
    pending = OfferFactory(owner=resident, pending=True)
    response = post(staff, offer_url(pending, "reject"), ["x"])
    assert response.status_code == 400
    assert "Expected a dictionary" in str(response.json())


def test_a_refused_lifecycle_action_is_a_409_with_its_reason(
    owned: Callable[..., Offer], resident: User
) -> None:
    offer = owned(closed=True)
    body = refusal(post(resident, offer_url(offer, "pause")))
    assert "cannot go from" in body
    assert "transition_refused" in body
    edit = api_as(resident).patch(offer_url(offer), {"title": "Encore"}, format="json")
    assert "cannot be changed" in refusal(edit)


def test_an_incomplete_draft_cannot_be_submitted(
    owned: Callable[..., Offer], resident: User
) -> None:
    offer = owned()
    Offer.objects.filter(pk=offer.pk).update(quantity=None)
    assert "how many" in refusal(post(resident, offer_url(offer, "submit")))


# --- Staff moderation --------------------------------------------------------------


def test_staff_cannot_publish_housing_before_vetting_through_the_api(
    owned: Callable[..., Offer], staff: User
) -> None:
    offer = owned(housing=True, pending=True)
    response = post(staff, offer_url(offer, "approve"))
    assert "vetting_incomplete" in refusal(response)

    for step in ("phone_call", "visit"):
        created = post(staff, offer_url(offer, "checks"), {"step": step, "done_on": str(TODAY())})
        assert created.status_code == 201
        assert created.json()["done_by"] == staff.pk

    assert post(staff, offer_url(offer, "approve")).json()["status"] == "published"


def test_a_check_in_the_future_or_of_an_unknown_step_is_refused(
    owned: Callable[..., Offer], staff: User
) -> None:
    offer = owned(housing=True, pending=True)
    tomorrow = str(TODAY() + timedelta(days=1))
    assert "future" in refusal(
        post(staff, offer_url(offer, "checks"), {"step": "visit", "done_on": tomorrow})
    )
    assert "step" in refusal(
        post(staff, offer_url(offer, "checks"), {"step": "dog", "done_on": str(TODAY())})
    )
    assert "done_on" in refusal(post(staff, offer_url(offer, "checks"), {"step": "visit"}))
    assert not HousingCheck.objects.exists()


def test_staff_refuse_with_a_reason_or_ask_a_question_through_the_api(
    owned: Callable[..., Offer], staff: User
) -> None:
    refused, asked = owned(pending=True), owned(pending=True)

    assert "reason" in refusal(post(staff, offer_url(refused, "reject"), {"reason": " "}))
    rejected = post(staff, offer_url(refused, "reject"), {"reason": "Trop vague."}).json()
    assert "question" in refusal(post(staff, offer_url(asked, "request-information"), {}))
    drafted = post(staff, offer_url(asked, "request-information"), {"question": "Quand ?"}).json()

    assert (rejected["status"], rejected["moderation_message"]) == ("rejected", "Trop vague.")
    assert (drafted["status"], drafted["moderation_message"]) == ("draft", "Quand ?")


# --- Filters and pagination --------------------------------------------------------


def ids(user: User, query: dict[str, Any]) -> set[int]:
    response = api_as(user).get(OFFERS_API, query)
    assert response.status_code == 200, response.content
    return {offer["id"] for offer in response.json()["results"]}


def test_offers_are_filtered_by_kind_category_sector_status_and_housing_type(staff: User) -> None:
    north = SectorFactory(code="nord")
    room = OfferFactory(housing=True, published=True)
    flat = OfferFactory(housing=True, housing_type="dwelling", sector=north)
    bedding = OfferFactory(pending=True, sector=north)
    lessons = OfferFactory(skill=True, published=True)

    assert ids(staff, {"kind": "housing"}) == {room.pk, flat.pk}
    assert ids(staff, {"housing_type": "dwelling"}) == {flat.pk}
    assert ids(staff, {"category": category("bedding").pk}) == {bedding.pk}
    assert ids(staff, {"sector": north.pk}) == {flat.pk, bedding.pk}
    assert ids(staff, {"status": "published"}) == {room.pk, lessons.pk}
    assert ids(staff, {"status": "published", "kind": "skill"}) == {lessons.pk}


def test_offers_are_filtered_by_the_day_they_are_available(staff: User) -> None:
    today = TODAY()
    now_for_ten_days = OfferFactory(available_from=today, available_until=today + timedelta(10))
    later = OfferFactory(available_from=today + timedelta(20))
    open_ended = OfferFactory(available_from=None, available_until=None)

    assert ids(staff, {"available_on": str(today + timedelta(5))}) == {
        now_for_ten_days.pk,
        open_ended.pk,
    }
    assert ids(staff, {"available_on": str(today + timedelta(30))}) == {later.pk, open_ended.pk}


def test_an_invalid_filter_is_a_400(staff: User) -> None:
    assert api_as(staff).get(OFFERS_API, {"status": "lost"}).status_code == 400
    assert api_as(staff).get(OFFERS_API, {"available_on": "soon"}).status_code == 400


def test_the_list_is_paginated_by_keyset_without_a_count(
    owned: Callable[..., Offer], resident: User
) -> None:
    made = [owned() for _ in range(5)]
    client = api_as(resident)

    first = client.get(OFFERS_API, {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    assert "count" not in first
    assert [offer["id"] for offer in first["results"]] == [offer.pk for offer in made[::-1][:3]]
    assert [offer["id"] for offer in second["results"]] == [made[1].pk, made[0].pk]
    assert second["next"] is None
    assert "cursor=" in first["next"]


# --- Query counts ------------------------------------------------------------------


def many_offers(owner: User, count: int) -> None:
    sectors = [SectorFactory() for _ in range(3)]
    for n in range(count):
        traits = [{"housing": True}, {}, {"skill": True}][n % 3]
        OfferFactory(owner=owner, sector=sectors[n % 3], pending=True, **traits)


def queries_for(request: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["resident", "staff"])
def test_the_list_endpoint_query_count_does_not_grow_with_the_offers(
    request: pytest.FixtureRequest, role: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    user: User = request.getfixturevalue(role)
    owner = user if role == "resident" else UserFactory()
    many_offers(owner, 1)
    client = api_as(user)
    few = queries_for(lambda: client.get(OFFERS_API))

    many_offers(owner, 15)
    with django_assert_num_queries(1):  # the page of rows, nothing joined
        response = client.get(OFFERS_API)

    assert len(response.json()["results"]) == 16
    assert few == 1


@pytest.mark.parametrize(
    ("role", "page", "pinned"),
    [
        # session, user, unread messages, memberships (the base page), then the offers;
        # staff pages also list the categories and districts of their filters
        ("resident", "offers:mine", 5),
        ("staff", "offers-staff:queue", 8),  # and who holds which
        ("staff", "offers-staff:search", 7),
    ],
)
def test_the_offer_list_pages_query_count_does_not_grow_with_the_offers(
    request: pytest.FixtureRequest,
    role: str,
    page: str,
    pinned: int,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    user: User = request.getfixturevalue(role)
    owner = user if role == "resident" else UserFactory()
    client = client_for(user)
    many_offers(owner, 1)
    few = queries_for(lambda: client.get(reverse(page)))

    many_offers(owner, 15)
    with django_assert_max_num_queries(pinned):
        response = client.get(reverse(page))

    assert few == pinned
    body = response.content.decode()
    assert all(offer.title in body for offer in Offer.objects.all())
