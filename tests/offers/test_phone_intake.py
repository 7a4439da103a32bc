"""Offers told on the city's phone line: staff type them (page or API), the caller's
consent and contact are kept, duplicates are shown, and the caller can take it over."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import User
from core.errors import DomainError
from core.models import AuditEntry, Sector
from notifications.models import Notification
from offers import links, services
from offers.models import Offer, OfferTransition
from tests.conftest import client_for
from tests.factories import OfferFactory, UserFactory
from tests.offers.helpers import OFFERS_API, api_as, as_json, content, english_client, payload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
PHONE_PAGE = "offers-staff:phone"
INVITATION = "offers.takeover_invitation"


def intake_form(kind: str, sector: Sector, **caller: Any) -> dict[str, Any]:
    """What staff post on the phone intake page: the offer, the caller and their consent."""
    return {
        "kind": kind,
        **as_json(content(kind, sector)),
        "caller_name": "Jeanne",
        "caller_phone": "+33 6 12 34 56 78",
        "caller_email": "",
        "consent": "on",
        **caller,
    }


@pytest.fixture
def staff_client(staff: User) -> Client:
    return english_client(staff)


def take_call(client: Client, data: dict[str, Any]) -> Any:
    return client.post(reverse(PHONE_PAGE), data)


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


# --- The page ----------------------------------------------------------------------


def test_the_page_first_asks_what_the_caller_offers(staff_client: Client) -> None:
    assert staff_client.get(reverse(PHONE_PAGE)).templates[0].name == "offers/staff/phone_kind.html"
    with_kind = staff_client.get(reverse(PHONE_PAGE), {"kind": "housing"})
    assert with_kind.templates[0].name == "offers/staff/phone_intake.html"


@pytest.mark.parametrize("kind", ["housing", "donation", "skill"])
def test_staff_take_an_offer_by_phone_straight_to_review(
    staff_client: Client, staff: User, sector: Sector, kind: str
) -> None:
    response = take_call(staff_client, intake_form(kind, sector))

    offer = Offer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("offers-staff:detail", args=[offer.pk])
    assert (offer.kind, offer.status, offer.origin) == (kind, Offer.Status.PENDING, "phone")
    assert (offer.owner, offer.entered_by) == (None, staff)
    assert (offer.caller_name, offer.caller_phone) == ("Jeanne", "0612345678")
    assert offer.consent_recorded_at is not None
    assert offer.submitted_at is not None
    log = OfferTransition.objects.get(subject=offer)
    assert (log.from_status, log.to_status, log.by) == ("", Offer.Status.PENDING, staff)
    assert [(entry.actor, entry.target_id) for entry in audited("offers.offer.taken_by_phone")] == [
        (staff, str(offer.pk))
    ]


def test_the_callers_consent_is_required(staff_client: Client, sector: Sector) -> None:
    data = intake_form("donation", sector)
    del data["consent"]

    response = take_call(staff_client, data)

    assert response.status_code == 200
    assert "consent" in response.context["caller"].errors
    assert not Offer.objects.exists()


def test_the_callers_phone_or_e_mail_is_required(staff_client: Client, sector: Sector) -> None:
    response = take_call(staff_client, intake_form("donation", sector, caller_phone=""))

    assert response.status_code == 200
    assert response.context["caller"].non_field_errors() == ["Give the caller's phone or e-mail."]
    assert not Offer.objects.exists()


def test_an_invalid_offer_told_by_phone_is_not_saved(staff_client: Client, sector: Sector) -> None:
    response = take_call(staff_client, intake_form("housing", sector, street_address=""))
    assert response.status_code == 200
    assert "street_address" in response.context["form"].errors
    assert not Offer.objects.exists()


def test_a_caller_with_an_e_mail_is_invited_to_take_the_offer_over(
    staff_client: Client, sector: Sector
) -> None:
    take_call(staff_client, intake_form("donation", sector, caller_email="Jeanne@Example.org"))

    offer = Offer.objects.get()
    invitation = Notification.objects.get(type=INVITATION)
    assert (invitation.recipient, invitation.address) == (None, "jeanne@example.org")
    assert links.read_takeover_token(token_of(invitation.context["url"])) == offer


def test_the_invitation_e_mail_leaves_once_the_offer_is_saved(
    staff: User, sector: Sector, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.offer_take_by_phone(
            by=staff,
            kind="donation",
            data=content("donation", sector),
            caller_name="Jeanne",
            caller_phone="",
            caller_email="jeanne@example.org",
            consent=True,
        )

    assert [message.to for message in mail.outbox] == [["jeanne@example.org"]]
    link = Notification.objects.get(type=INVITATION).context["url"]
    assert link in mail.outbox[0].body
    assert links.read_takeover_token(token_of(link)) == offer


def test_a_caller_without_an_e_mail_gets_no_invitation(
    staff_client: Client, sector: Sector
) -> None:
    take_call(staff_client, intake_form("donation", sector))
    assert not Notification.objects.exists()


# --- Taking the offer over ---------------------------------------------------------


@pytest.fixture
def by_phone(staff: User, sector: Sector) -> Offer:
    return services.offer_take_by_phone(
        by=staff,
        kind="donation",
        data=content("donation", sector),
        caller_name="Jeanne",
        caller_phone="06 12 34 56 78",
        caller_email="jeanne@example.org",
        consent=True,
    )


def invitation_link() -> str:
    url: str = Notification.objects.get(type=INVITATION).context["url"]
    return url


@pytest.fixture
def caller(db: None) -> User:
    """The caller, once they created an account with the e-mail they gave on the phone."""
    return UserFactory(email="Jeanne@example.org")


def test_the_caller_signed_in_takes_the_offer_over_with_the_link(
    by_phone: Offer, caller: User
) -> None:
    resident = caller
    client = client_for(resident)
    assert client.get(invitation_link()).status_code == 200

    response = client.post(invitation_link())

    assert response.url == reverse("offers:detail", args=[by_phone.pk])
    by_phone.refresh_from_db()
    assert by_phone.owner == resident
    assert (by_phone.caller_name, by_phone.caller_phone, by_phone.caller_email) == ("", "", "")
    assert by_phone.status == Offer.Status.PENDING
    assert [entry.actor for entry in audited("offers.offer.taken_over")] == [resident]
    assert client.get(reverse("offers:detail", args=[by_phone.pk])).status_code == 200


def test_the_take_over_link_asks_to_sign_in_first(by_phone: Offer) -> None:
    response = Client().get(invitation_link())
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_offer_is_taken_over_only_once(
    by_phone: Offer, caller: User, other_resident: User
) -> None:
    resident = caller
    client_for(resident).post(invitation_link())

    assert client_for(other_resident).get(invitation_link()).status_code == 410
    assert client_for(other_resident).post(invitation_link()).status_code == 410
    with pytest.raises(DomainError) as refusal:
        services.offer_take_over(offer=by_phone, user=other_resident)
    assert refusal.value.code == "owned"
    by_phone.refresh_from_db()
    assert by_phone.owner == resident
    assert len(audited("offers.offer.taken_over")) == 1


def test_a_tampered_take_over_link_does_not_work(by_phone: Offer, resident: User) -> None:
    tampered = invitation_link().replace(":", ":x", 1)
    assert client_for(resident).post(tampered).status_code == 410
    by_phone.refresh_from_db()
    assert by_phone.owner is None


# --- Duplicates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"caller_phone": "+33 6 12 34 56 78"}, {"caller_phone": "06.12.34.56.78"}),
        (
            {"caller_phone": "", "caller_email": "jeanne@example.org"},
            {"caller_phone": "", "caller_email": "Jeanne@EXAMPLE.org"},
        ),
        (
            {"caller_phone": "01 11 11 11 11", "street_address": "17 rue des Acacias"},
            {"caller_phone": "02 22 22 22 22", "street_address": "17 RUE des  Acacias"},
        ),
    ],
    ids=["same phone", "same e-mail", "same address"],
)
def test_a_second_call_from_the_same_person_shows_the_duplicates_before_saving(
    staff_client: Client, sector: Sector, first: dict[str, str], second: dict[str, str]
) -> None:
    take_call(staff_client, intake_form("housing", sector, **first))
    original = Offer.objects.get()

    shown = take_call(staff_client, intake_form("housing", sector, **second))

    assert shown.status_code == 200
    assert shown.context["duplicates"] == [original]
    assert Offer.objects.count() == 1

    confirmed = take_call(
        staff_client, intake_form("housing", sector, not_a_duplicate="on", **second)
    )

    assert confirmed.status_code == 302
    assert Offer.objects.count() == 2


def test_a_closed_offer_is_not_a_duplicate(staff_client: Client, sector: Sector) -> None:
    OfferFactory(by_phone=True, status="closed", caller_phone="0612345678")
    response = take_call(staff_client, intake_form("donation", sector))
    assert response.status_code == 302


def test_the_live_duplicates_list_finds_callers_and_owners_by_phone(
    staff_client: Client, resident: User
) -> None:
    resident.phone = "06 12 34 56 78"
    resident.save()
    owners = OfferFactory(owner=resident, title="Chambre de la résidente")
    callers = OfferFactory(by_phone=True, title="Vélo du correspondant")
    OfferFactory(by_phone=True, caller_phone="0699999999", title="Autre personne")

    response = staff_client.get(
        reverse("offers-staff:duplicates"), {"caller_phone": "+33 6 12 34 56 78"}
    )

    assert response.status_code == 200
    assert set(response.context["duplicates"]) == {owners, callers}
    assert "Autre personne" not in response.content.decode()


def test_the_live_duplicates_list_is_empty_without_a_key(staff_client: Client) -> None:
    OfferFactory(by_phone=True)
    response = staff_client.get(reverse("offers-staff:duplicates"), {"caller_phone": "06"})
    assert response.context["duplicates"] == []


# --- The API -----------------------------------------------------------------------

INTAKE = f"{OFFERS_API}phone-intake/"


def api_intake(staff: User, sector: Sector, **changes: Any) -> Any:
    data = {
        **payload("housing", sector),
        "caller_name": "Jeanne",
        "caller_phone": "06 12 34 56 78",
        "consent": True,
        **changes,
    }
    return api_as(staff).post(INTAKE, data, format="json")


def test_staff_take_an_offer_by_phone_through_the_api(staff: User, sector: Sector) -> None:
    response = api_intake(staff, sector, caller_email="jeanne@example.org")

    assert response.status_code == 201
    offer = Offer.objects.get(pk=response.json()["id"])
    assert (offer.status, offer.origin, offer.entered_by) == ("pending", "phone", staff)
    assert offer.caller_phone == "0612345678"
    assert len(audited("offers.offer.taken_by_phone")) == 1
    assert Notification.objects.get(type=INVITATION).address == "jeanne@example.org"


def test_the_api_needs_the_callers_consent(staff: User, sector: Sector) -> None:
    response = api_intake(staff, sector, consent=False)
    assert response.status_code == 422
    assert response.json()["code"] == "no_consent"
    assert not Offer.objects.exists()


def test_the_api_needs_the_callers_phone_or_e_mail(staff: User, sector: Sector) -> None:
    response = api_intake(staff, sector, caller_phone="", caller_email="")
    assert response.status_code == 422
    assert response.json() == {"detail": "Give the caller's phone or e-mail.", "code": "no_contact"}
    assert not Offer.objects.exists()


def test_the_api_refuses_a_phone_without_digits(staff: User, sector: Sector) -> None:
    response = api_intake(staff, sector, caller_phone="pas de numéro", caller_email="")
    assert response.status_code == 422
    assert not Offer.objects.exists()


def test_an_invalid_offer_told_by_phone_is_a_clear_400(staff: User, sector: Sector) -> None:
    response = api_intake(staff, sector, street_address="")
    assert response.status_code == 422
    assert "address" in response.json()["detail"]
    assert not Offer.objects.exists()


def test_only_the_account_of_the_e_mail_the_link_went_to_takes_the_offer_over(
    by_phone: Offer, resident: User
) -> None:
    with pytest.raises(DomainError) as refusal:
        services.offer_take_over(offer=by_phone, user=resident)

    assert refusal.value.code == "other_email"
    by_phone.refresh_from_db()
    assert by_phone.owner is None


@pytest.mark.parametrize("field", ["caller_email", "caller_phone", "street_address"])
def test_a_nul_character_in_the_duplicate_search_is_refused_before_the_database(
    staff: User, field: str
) -> None:
    response = client_for(staff).get("/equipe/offres/doublons/", {field: "a\x00b"})
    assert response.status_code == 422
