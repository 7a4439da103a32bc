"""The host charter: written by coordinators in versions, accepted before a housing offer
goes to review (pages, API, phone line), asked again when a new version comes out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from core.errors import DomainError
from core.models import AuditEntry, Sector
from offers import services
from offers.models import HostCharter, HostCharterAcceptance, Offer
from tests.conftest import client_for
from tests.offers.helpers import ROLES, api_as, content, offer_url, user_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def charter(coordinator: User) -> HostCharter:
    return services.host_charter_publish(
        by=coordinator, texts={"fr": "Je m'engage à accueillir dignement.", "en": "I commit."}
    )


# --- Services ----------------------------------------------------------------------------


def test_a_housing_offer_cannot_be_submitted_without_the_charter_accepted(
    owned: Any, resident: User, charter: HostCharter
) -> None:
    offer = owned(housing=True)
    with pytest.raises(DomainError) as refused:
        services.offer_submit(offer=offer, by=resident)
    assert refused.value.code == "charter_not_accepted"
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DRAFT
    assert not HostCharterAcceptance.objects.exists()


def test_accepting_the_charter_records_its_version_date_and_offer(
    owned: Any, resident: User, charter: HostCharter
) -> None:
    offer = owned(housing=True)
    services.offer_submit(offer=offer, by=resident, accept_charter=True)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING
    acceptance = HostCharterAcceptance.objects.get()
    assert (acceptance.charter, acceptance.user, acceptance.offer) == (charter, resident, offer)
    assert acceptance.accepted_at is not None
    assert acceptance.language == "fr"


def test_a_host_who_accepted_this_version_is_not_asked_again(
    owned: Any, resident: User, charter: HostCharter
) -> None:
    services.offer_submit(offer=owned(housing=True), by=resident, accept_charter=True)
    services.offer_submit(offer=owned(housing=True), by=resident)
    assert HostCharterAcceptance.objects.count() == 1


def test_a_new_version_asks_again_at_the_next_housing_offer(
    owned: Any, resident: User, coordinator: User, charter: HostCharter
) -> None:
    services.offer_submit(offer=owned(housing=True), by=resident, accept_charter=True)
    second = services.host_charter_publish(by=coordinator, texts={"fr": "Nouvelle version."})
    assert second.version == 2

    with pytest.raises(DomainError):
        services.offer_submit(offer=owned(housing=True), by=resident)
    services.offer_submit(offer=owned(housing=True), by=resident, accept_charter=True)
    versions = HostCharterAcceptance.objects.order_by("id").values_list(
        "charter__version", flat=True
    )
    assert list(versions) == [1, 2]


def test_goods_and_skills_need_no_charter(owned: Any, resident: User, charter: HostCharter) -> None:
    services.offer_submit(offer=owned(), by=resident)
    services.offer_submit(offer=owned(skill=True), by=resident)
    assert not HostCharterAcceptance.objects.exists()


def test_without_a_published_charter_housing_is_not_held_back(owned: Any, resident: User) -> None:
    services.offer_submit(offer=owned(housing=True), by=resident)


def test_only_coordinators_publish_the_charter(staff: User, resident: User) -> None:
    for person in (staff, resident):
        with pytest.raises(PermissionError):
            services.host_charter_publish(by=person, texts={"fr": "Texte"})
    assert not HostCharter.objects.exists()


def test_the_charter_needs_its_french_text(coordinator: User) -> None:
    with pytest.raises(DomainError) as refused:
        services.host_charter_publish(by=coordinator, texts={"en": "Only English", "fr": " "})
    assert refused.value.code == "charter_french_missing"


def test_publishing_the_charter_is_audited(coordinator: User, charter: HostCharter) -> None:
    entry = AuditEntry.objects.get(action="offers.host_charter.published")
    assert entry.actor == coordinator
    assert entry.detail == {"version": 1, "languages": ["en", "fr"]}


def test_the_charter_falls_back_to_french_in_a_language_it_lacks(charter: HostCharter) -> None:
    assert charter.text_in("en") == ("en", "I commit.")
    assert charter.text_in("ar") == ("fr", "Je m'engage à accueillir dignement.")


def test_a_housing_offer_by_phone_needs_the_charter_read_to_the_caller(
    staff: User, sector: Sector, charter: HostCharter
) -> None:
    intake = {
        "by": staff,
        "kind": "housing",
        "data": content("housing", sector),
        "caller_name": "Lou",
        "caller_phone": "06 12 34 56 78",
        "caller_email": "",
        "consent": True,
    }
    with pytest.raises(DomainError):
        services.offer_take_by_phone(**intake)
    offer = services.offer_take_by_phone(**intake, charter_accepted=True)
    acceptance = HostCharterAcceptance.objects.get(offer=offer)
    assert acceptance.user is None
    assert acceptance.recorded_by == staff


# --- Pages -------------------------------------------------------------------------------


def test_the_review_page_shows_the_charter_and_its_box_to_tick(
    owned: Any, resident: User, charter: HostCharter
) -> None:
    offer = owned(housing=True)
    page = client_for(resident).get(f"/offres/{offer.pk}/envoyer/").content.decode()
    assert "Je m&#x27;engage à accueillir dignement." in page
    assert 'name="accept_charter"' in page


def test_the_review_page_of_goods_shows_no_charter(
    owned: Any, resident: User, charter: HostCharter
) -> None:
    offer = owned()
    page = client_for(resident).get(f"/offres/{offer.pk}/envoyer/").content.decode()
    assert 'name="accept_charter"' not in page


def test_sending_a_housing_offer_without_ticking_the_charter_keeps_it_a_draft(
    owned: Any, resident: User, charter: HostCharter
) -> None:
    offer = owned(housing=True)
    url = f"/offres/{offer.pk}/envoyer/"
    response = client_for(resident).post(url, headers={"referer": "http://testserver" + url})
    assert response.status_code == 302
    assert response["Location"].endswith(url)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DRAFT


def test_sending_a_housing_offer_with_the_charter_ticked_sends_it(
    owned: Any, resident: User, charter: HostCharter
) -> None:
    offer = owned(housing=True)
    client_for(resident).post(f"/offres/{offer.pk}/envoyer/", {"accept_charter": "on"})
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_anyone_reads_the_charter_in_force(client: Client, charter: HostCharter) -> None:
    page = client.get("/offres/charte/").content.decode()
    assert "Je m&#x27;engage à accueillir dignement." in page


def test_the_public_charter_page_says_when_there_is_none(client: Client) -> None:
    assert client.get("/offres/charte/").status_code == 200


STAFF_PAGE = "/equipe/offres/charte/"


@pytest.mark.parametrize("role", ROLES)
def test_the_staff_charter_page_opens_to_city_staff_only(
    request: pytest.FixtureRequest, role: str, charter: HostCharter
) -> None:
    response = client_for(user_for(request, role)).get(STAFF_PAGE)
    expected = {"visitor": 302, "staff": 200, "coordinator": 200}.get(role, 403)
    assert response.status_code == expected
    if role == "staff":
        assert 'name="text_fr"' not in response.content.decode()
    if role == "coordinator":
        assert 'name="text_fr"' in response.content.decode()


@pytest.mark.parametrize("role", ["owner", "other_resident", "association_member", "staff"])
def test_only_a_coordinator_publishes_from_the_staff_page(
    request: pytest.FixtureRequest, role: str
) -> None:
    response = client_for(user_for(request, role)).post(STAFF_PAGE, {"text_fr": "Texte"})
    assert response.status_code == 403
    assert not HostCharter.objects.exists()


def test_a_coordinator_publishes_a_new_version_from_the_staff_page(
    coordinator: User, charter: HostCharter
) -> None:
    response = client_for(coordinator).post(
        STAFF_PAGE, {"text_fr": "Version deux", "text_ar": "النص"}
    )
    assert response.status_code == 302
    current = HostCharter.objects.current()
    assert current is not None
    assert (current.version, current.texts) == (2, {"fr": "Version deux", "ar": "النص"})


def test_the_staff_page_refuses_a_charter_without_french(coordinator: User) -> None:
    response = client_for(coordinator).post(STAFF_PAGE, {"text_en": "English only"})
    assert response.status_code == 400
    assert not HostCharter.objects.exists()


def test_staff_see_which_charter_version_the_host_accepted(
    owned: Any, resident: User, staff: User, charter: HostCharter
) -> None:
    offer = owned(housing=True)
    services.offer_submit(offer=offer, by=resident, accept_charter=True)
    page = client_for(staff, language="en").get(f"/equipe/offres/{offer.pk}/").content.decode()
    assert "Host charter version 1 accepted on" in page


# --- API ---------------------------------------------------------------------------------


def test_the_api_refuses_to_submit_housing_without_the_charter(
    owned: Any, resident: User, charter: HostCharter
) -> None:
    offer = owned(housing=True)
    response = api_as(resident).post(offer_url(offer, "submit"), {}, format="json")
    assert response.status_code == 422  # a rule on the content the schema cannot say
    assert response.json()["code"] == "charter_not_accepted"
    assert "host charter" in response.json()["detail"]


def test_the_api_submits_housing_with_the_charter_accepted(
    owned: Any, resident: User, charter: HostCharter
) -> None:
    offer = owned(housing=True)
    response = api_as(resident).post(
        offer_url(offer, "submit"), {"accept_charter": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "pending"


def test_the_api_tells_the_charter_and_whether_it_was_accepted(
    owned: Any, resident: User, charter: HostCharter
) -> None:
    client = api_as(resident)
    first = client.get("/api/v1/host-charter/").json()
    assert first == {
        "version": 1,
        "published_at": first["published_at"],
        "language": "en",
        "text": "I commit.",
        "accepted": False,
    }
    services.offer_submit(offer=owned(housing=True), by=resident, accept_charter=True)
    assert client.get("/api/v1/host-charter/").json()["accepted"] is True
    assert api_as(None).get("/api/v1/host-charter/").status_code == 200


def test_the_api_answers_404_while_no_charter_is_published() -> None:
    assert api_as(None).get("/api/v1/host-charter/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_charter_in_force(
    request: pytest.FixtureRequest, role: str, charter: HostCharter
) -> None:
    assert api_as(user_for(request, role)).get("/api/v1/host-charter/").status_code == 200
    assert client_for(user_for(request, role)).get("/offres/charte/").status_code == 200
