"""No page or endpoint shows someone's address, phone or e-mail to anyone else; city staff
see them only on request, and every such look is audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from core.models import AuditEntry
from offers import links
from offers.models import Offer
from tests.conftest import client_for
from tests.factories import OfferFactory
from tests.offers.helpers import OFFERS_API, ROLES, api_as, category, offer_url, user_for

pytestmark = pytest.mark.django_db

OWNER_SECRETS = [
    "17 rue Secrète",
    "38123",
    "06 11 22 33 44",
    "0611223344",
    "owner-secret@example.org",
]
CALLER_SECRETS = [
    "5 avenue Cachée",
    "38456",
    "06 99 88 77 66",
    "0699887766",
    "caller-secret@example.org",
]
PRIVATE_KEYS = {"street_address", "postcode", "caller_name", "caller_phone", "caller_email"}


@dataclass
class Secrets:
    owner: User
    housing: Offer
    published: Offer
    by_phone: Offer


@pytest.fixture
def secrets(resident: User) -> Secrets:
    # The owner is ``resident``, the "owner" role of the helpers, with a contact to look for.
    resident.email, resident.phone = "owner-secret@example.org", "06 11 22 33 44"
    resident.display_name = "Odile"
    resident.save()
    private = {"street_address": "17 rue Secrète", "postcode": "38123"}
    return Secrets(
        owner=resident,
        housing=OfferFactory(owner=resident, housing=True, pending=True, **private),
        published=OfferFactory(owner=resident, housing=True, published=True, **private),
        by_phone=OfferFactory(
            by_phone=True,
            housing=True,
            caller_phone="0699887766",
            caller_email="caller-secret@example.org",
            street_address="5 avenue Cachée",
            postcode="38456",
        ),
    )


def page_urls(secrets: Secrets) -> Iterator[str]:
    for name in ("offers:mine", "offers:create"):
        yield reverse(name)
    for kind in ("housing", "donation", "skill"):
        yield reverse("offers:create-details", args=[kind])
    for offer in (secrets.housing, secrets.published, secrets.by_phone):
        for name in ("offers:detail", "offers:edit", "offers:review", "offers-staff:detail"):
            yield reverse(name, args=[offer.pk])
    yield reverse("offers:availability", args=[links.availability_token(secrets.published)])
    yield reverse("offers:take-over", args=[links.takeover_token(secrets.by_phone)])
    yield reverse("offers-staff:queue")
    yield reverse("offers-staff:search")
    yield reverse("offers-staff:search") + "?status=pending&kind=housing"
    yield reverse("offers-staff:phone")
    yield reverse("offers-staff:phone") + "?kind=housing"
    # Search by the postcode of nobody: the query typed is echoed by the sign-in link.
    yield reverse("offers-staff:duplicates") + "?street_address=3+rue+des+Lilas"


def api_urls(secrets: Secrets) -> Iterator[str]:
    yield OFFERS_API
    yield OFFERS_API + "?status=pending"
    for offer in (secrets.housing, secrets.published, secrets.by_phone):
        yield offer_url(offer)


def not_theirs(role: str) -> list[str]:
    return CALLER_SECRETS if role == "owner" else OWNER_SECRETS + CALLER_SECRETS


def assert_shows_none_of(body: str, forbidden: list[str], where: str) -> None:
    shown = [secret for secret in forbidden if secret in body]
    assert not shown, f"{where} shows {shown}"


@pytest.mark.parametrize("role", ROLES)
def test_no_offer_page_shows_another_persons_address_or_contact(
    request: pytest.FixtureRequest, secrets: Secrets, role: str
) -> None:
    client = client_for(user_for(request, role))
    for url in page_urls(secrets):
        response = client.get(url, follow=True)
        assert_shows_none_of(response.content.decode(), not_theirs(role), url)


@pytest.mark.parametrize("role", ROLES)
def test_no_offer_endpoint_shows_another_persons_address_or_contact(
    request: pytest.FixtureRequest, secrets: Secrets, role: str
) -> None:
    client = api_as(user_for(request, role))
    for url in api_urls(secrets):
        response = client.get(url)
        assert_shows_none_of(response.content.decode(), not_theirs(role), url)


@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_refused_moderation_forms_do_not_show_the_contact_either(
    request: pytest.FixtureRequest, secrets: Secrets, role: str
) -> None:
    client = client_for(user_for(request, role))
    for offer in (secrets.housing, secrets.by_phone):
        for decision in ("reject", "ask", "check"):
            url = reverse("offers-staff:moderate", args=[offer.pk, decision])
            response = client.post(url, {})
            assert response.status_code == 400
            assert_shows_none_of(response.content.decode(), not_theirs(role), url)


def test_the_owner_sees_their_own_address_on_their_offer(secrets: Secrets) -> None:
    body = client_for(secrets.owner).get(reverse("offers:detail", args=[secrets.housing.pk]))
    assert "17 rue Secrète" in body.content.decode()


def reveal(client: Client, offer: Offer) -> str:
    return client.post(reverse("offers-staff:contact", args=[offer.pk])).content.decode()


def contact_views(offer: Offer) -> int:
    return AuditEntry.objects.filter(
        action="offers.offer.contact_viewed", target_id=str(offer.pk)
    ).count()


def test_staff_see_an_owners_address_and_contact_only_once_they_ask(
    secrets: Secrets, staff: User
) -> None:
    client = client_for(staff)
    before = client.get(reverse("offers-staff:detail", args=[secrets.housing.pk]))
    assert_shows_none_of(before.content.decode(), OWNER_SECRETS, "before asking")
    assert contact_views(secrets.housing) == 0

    body = reveal(client, secrets.housing)

    for secret in ("17 rue Secrète", "38123", "06 11 22 33 44", "owner-secret@example.org"):
        assert secret in body
    entry = AuditEntry.objects.get(action="offers.offer.contact_viewed")
    assert (entry.actor, entry.target_id) == (staff, str(secrets.housing.pk))


def test_staff_see_a_callers_contact_only_once_they_ask(secrets: Secrets, staff: User) -> None:
    body = reveal(client_for(staff), secrets.by_phone)

    for secret in ("5 avenue Cachée", "0699887766", "caller-secret@example.org"):
        assert secret in body
    assert_shows_none_of(body, OWNER_SECRETS, "the caller's contact")
    assert contact_views(secrets.by_phone) == 1


def test_each_look_at_a_contact_is_audited(secrets: Secrets, staff: User) -> None:
    client = client_for(staff)
    reveal(client, secrets.housing)
    reveal(client, secrets.housing)
    assert contact_views(secrets.housing) == 2


def test_a_refreshed_staff_page_no_longer_shows_the_contact(secrets: Secrets, staff: User) -> None:
    client = client_for(staff)
    reveal(client, secrets.housing)
    again = client.get(reverse("offers-staff:detail", args=[secrets.housing.pk]))
    assert_shows_none_of(again.content.decode(), OWNER_SECRETS, "the page shown again")


def test_the_api_gives_staff_the_contact_and_audits_each_call(
    secrets: Secrets, staff: User
) -> None:
    client: APIClient = api_as(staff)

    first = client.get(offer_url(secrets.housing, "contact")).json()
    client.get(offer_url(secrets.housing, "contact"))

    assert first == {
        "name": "Odile",
        "phone": "06 11 22 33 44",
        "email": "owner-secret@example.org",
        "street_address": "17 rue Secrète",
        "postcode": "38123",
    }
    assert contact_views(secrets.housing) == 2
    entry = AuditEntry.objects.filter(action="offers.offer.contact_viewed").first()
    assert entry is not None
    assert entry.actor == staff
    assert entry.detail == {}  # what happened, never what was seen


def test_the_staff_api_never_lists_or_shows_an_address_or_a_callers_contact(
    secrets: Secrets, staff: User
) -> None:
    client = api_as(staff)
    listed = client.get(OFFERS_API).json()["results"]
    shown = [client.get(offer_url(offer)).json() for offer in (secrets.housing, secrets.by_phone)]

    assert len(listed) == 3
    for offer in [*listed, *shown]:
        assert not PRIVATE_KEYS & set(offer)


def test_the_phone_intake_answer_does_not_echo_the_callers_contact(
    secrets: Secrets, staff: User
) -> None:
    data = {
        "kind": "donation",
        "title": "Des draps",
        "sector": secrets.housing.sector_id,
        "category": category("bedding").pk,
        "quantity": 2,
        "caller_phone": "06 55 44 33 22",
        "caller_email": "another-caller@example.org",
        "consent": True,
    }
    response = api_as(staff).post(f"{OFFERS_API}phone-intake/", data, format="json")

    assert response.status_code == 201
    assert not PRIVATE_KEYS & set(response.json())
    assert_shows_none_of(
        response.content.decode(), ["0655443322", "another-caller@example.org"], "intake"
    )


def test_the_possible_duplicates_name_offers_without_their_contact(
    secrets: Secrets, staff: User
) -> None:
    url = reverse("offers-staff:duplicates") + "?caller_phone=0611223344"
    body = client_for(staff).get(url).content.decode()
    assert secrets.housing.title in body
    assert_shows_none_of(body, OWNER_SECRETS[:3] + OWNER_SECRETS[4:], "the duplicates")


def test_the_duplicates_shown_on_the_phone_intake_page_carry_no_contact(
    secrets: Secrets, staff: User
) -> None:
    data = {
        "kind": "donation",
        "title": "Des draps",
        "sector": secrets.housing.sector_id,
        "category": category("bedding").pk,
        "quantity": 2,
        "caller_email": "owner-secret@example.org",
        "consent": "on",
    }
    response = client_for(staff).post(reverse("offers-staff:phone"), data)

    assert response.context["duplicates"]
    assert_shows_none_of(response.content.decode(), OWNER_SECRETS[:4], "the intake page")


def test_a_resident_cannot_reach_a_contact_through_the_api(
    secrets: Secrets, other_resident: User
) -> None:
    response = api_as(other_resident).get(offer_url(secrets.housing, "contact"))
    assert response.status_code == 403
    assert contact_views(secrets.housing) == 0


def test_the_owners_own_api_view_has_their_address_but_no_callers_fields(
    secrets: Secrets,
) -> None:
    mine = api_as(secrets.owner).get(offer_url(secrets.housing)).json()
    assert mine["street_address"] == "17 rue Secrète"
    assert not {"caller_name", "caller_phone", "caller_email"} & set(mine)
    listed = api_as(secrets.owner).get(OFFERS_API).json()["results"]
    assert all("street_address" not in offer for offer in listed)
