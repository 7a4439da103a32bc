"""One staff search over offers and needs: what it finds (full text without accents and
trigrams on PostgreSQL, icontains elsewhere), who may use it, what it shows and audits."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.models import AuditEntry
from tests.conftest import client_for
from tests.factories import OfferFactory, UserFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db
SEARCH = "matching-staff:search"


@pytest.fixture
def staff_client(staff: User) -> Client:
    return client_for(staff, language="en")


def _found(client: Client, text: str) -> tuple[list[Any], list[Any]]:
    response = client.post(reverse(SEARCH), {"q": text})
    assert response.status_code == 200
    return response.context["offers"], response.context["needs"]


def test_staff_find_an_offer_by_its_street_title_postcode_or_number(
    staff_client: Client,
) -> None:
    room = OfferFactory(housing=True, published=True, street_address="12 rue des Lilas",
                        postcode="38100", title="Chambre lumineuse")  # fmt: skip
    OfferFactory(housing=True, published=True, street_address="4 avenue Jaurès", postcode="38000")
    for text in ("Lilas", "rue des lilas", "lumineuse", "38100"):
        assert _found(staff_client, text)[0] == [room], text
    assert room in _found(staff_client, str(room.pk))[0]


def test_staff_find_a_callers_offer_by_phone_however_typed_or_by_email(
    staff_client: Client,
) -> None:
    called = OfferFactory(by_phone=True, caller_phone="0612345678", caller_email="jo@example.org")
    owned = OfferFactory(owner=UserFactory(phone="+33 7 00 00 00 01", email="an@example.org"))
    assert _found(staff_client, "+33 6 12 34 56 78")[0] == [called]
    assert _found(staff_client, "06.12.34.56.78")[0] == [called]
    assert _found(staff_client, "JO@example.org")[0] == [called]
    assert _found(staff_client, "07 00 00 00 01")[0] == [owned]
    assert _found(staff_client, "an@example.org")[0] == [owned]


def test_the_search_ignores_accents_and_on_postgresql_forgives_a_typo(
    staff_client: Client,
) -> None:
    offer = OfferFactory(published=True, title="Vêtements d'été", description="Taille élevée")
    assert _found(staff_client, "ete")[0] == [offer] or connection.vendor != "postgresql"
    assert _found(staff_client, "Vêtements")[0] == [offer]
    if connection.vendor == "postgresql":
        street = OfferFactory(housing=True, published=True, street_address="8 rue Lamartine")
        assert street in _found(staff_client, "Lamartin")[0]


def test_needs_are_found_by_note_number_and_a_counter_reference_only(
    staff_client: Client,
) -> None:
    need = NeedFactory(note="Famille avec poussette", internal_reference="A-77")
    counter = NeedFactory(counter=True, internal_reference="GUICHET-12")
    assert _found(staff_client, "poussette")[1] == [need]
    assert _found(staff_client, str(need.pk))[1] == [need]
    # An association's own reference is theirs: staff cannot read it, nor find by it.
    assert _found(staff_client, "A-77")[1] == []
    assert _found(staff_client, "guichet-12")[1] == [counter]


def test_results_show_no_contact_and_each_search_is_audited_without_its_text(
    staff_client: Client, staff: User
) -> None:
    OfferFactory(by_phone=True, caller_phone="0612345678", caller_name="Jeanne Martin",
                 caller_email="jeanne@example.org", street_address="3 rue des Lilas")  # fmt: skip
    response = staff_client.post(reverse(SEARCH), {"q": "0612345678"})
    body = response.content.decode()
    for contact in ("Jeanne Martin", "jeanne@example.org", "3 rue des Lilas", "0612345678"):
        assert contact not in body.split("</form>")[1]
    entry = AuditEntry.objects.get(action="matching.staff_search.done")
    assert entry.actor == staff
    assert entry.detail == {"by": "phone", "offers": 1, "needs": 0}


def test_the_search_text_never_travels_in_the_address(staff_client: Client) -> None:
    page = staff_client.get(reverse(SEARCH)).content.decode()
    assert 'method="post"' in page
    assert "offers" not in staff_client.get(reverse(SEARCH), {"q": "0612345678"}).context


@pytest.mark.parametrize(
    ("role", "status"),
    [("visitor", 302), ("resident", 403), ("association_member", 403), ("staff", 200),
     ("coordinator", 200)],
)  # fmt: skip
def test_only_staff_search(request: pytest.FixtureRequest, role: str, status: int) -> None:
    OfferFactory(by_phone=True, caller_phone="0612345678")
    user = None if role == "visitor" else request.getfixturevalue(role)
    response = client_for(user).post(reverse(SEARCH), {"q": "0612345678"})
    assert response.status_code == status
    assert AuditEntry.objects.filter(action="matching.staff_search.done").exists() == (
        status == 200
    )
