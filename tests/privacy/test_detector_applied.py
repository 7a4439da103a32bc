"""The detector applied to every free text of needs, offers and matches, API and pages."""

from __future__ import annotations

import pytest

from accounts.models import Organisation, User
from core.errors import DomainError
from core.models import AuditEntry
from matching import services as matching
from matching.models import Match
from needs import services as needs
from needs.models import Need
from offers import services as offers
from offers.models import Offer
from tests.conftest import client_for
from tests.matching.conftest import api_as
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db


def housing() -> dict[str, object]:
    return {"housing_types": ["room"], "household_type": "single_adult"}


def test_an_internal_reference_with_a_name_and_a_birth_year_is_flagged(
    association_member: User, organisation: Organisation
) -> None:
    need = needs.need_create(
        by=association_member, kind="housing", organisation=organisation,
        internal_reference="Mohamed BEN ALI 1990", **housing(),
    )  # fmt: skip
    assert need.note_flags == ["birth_date", "full_name"]


@pytest.mark.parametrize(
    ("field", "text", "flag"),
    [("accessibility", "enfant séropositif, rez-de-chaussée", "health"),
     ("note", "Famille afghane", "origin")],
)  # fmt: skip
def test_every_text_of_a_need_is_read(
    association_member: User, organisation: Organisation, field: str, text: str, flag: str
) -> None:
    need = needs.need_create(
        by=association_member, kind="housing", organisation=organisation,
        **{field: text}, **housing(),
    )  # fmt: skip
    assert flag in need.note_flags


def test_the_api_flags_a_need_too(association_member: User, organisation: Organisation) -> None:
    response = api_as(association_member).post(
        "/api/v1/needs/",
        {"kind": "housing", "organisation": organisation.pk, "note": "sans papiers, OQTF",
         "housing_types": ["room"], "household_type": "single_adult"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["note_flags"] == ["immigration"]


def test_staff_clear_a_false_alarm_and_it_stays_cleared_until_the_text_changes(
    association_member: User, organisation: Organisation, staff: User
) -> None:
    need = NeedFactory(organisation=organisation, note="Besoin d'une chambre.")
    need = needs.need_update(need=need, by=association_member, note="Mme Rose viendra lundi")
    assert need.note_flags == ["full_name"]
    needs.need_dismiss_flags(need=need, by=staff)
    need = needs.need_update(need=need, by=association_member, urgency="high")
    assert need.note_flags == []
    need = needs.need_update(need=need, by=association_member, note="Famille Diallo")
    assert need.note_flags == ["full_name"]
    assert AuditEntry.objects.filter(action="needs.note.flags_dismissed").count() == 1


def test_staff_erase_an_internal_reference_they_cannot_read(
    organisation: Organisation, staff: User
) -> None:
    need = NeedFactory(
        organisation=organisation, note="", internal_reference="Mohamed BEN ALI 1990",
        note_flags=["full_name"],
    )  # fmt: skip
    page = client_for(staff).get(f"/equipe/besoins/{need.pk}/note/").content.decode()
    assert "BEN ALI" not in page
    client_for(staff).post(f"/equipe/besoins/{need.pk}/note/",
                           {"note": "", "erase_reference": "on"})  # fmt: skip
    need.refresh_from_db()
    assert (need.internal_reference, need.note_flags) == ("", [])


def test_an_offer_refuses_an_address_in_its_description(resident: User, room: Offer) -> None:
    with pytest.raises(DomainError):
        offers.offer_update(offer=room, by=resident, data={"description": "Au 12 rue des Lilas"})


def test_an_offer_flags_what_is_not_contact_data_for_review(resident: User, room: Offer) -> None:
    offer = offers.offer_update(
        offer=room, by=resident, data={"description": "Famille chrétienne, accueil chaleureux"}
    )
    assert offer.text_flags == ["religion"]
    Offer.objects.filter(pk=offer.pk).update(status="pending")


def test_staff_see_an_offers_flag_at_review(resident: User, room: Offer, staff: User) -> None:
    offers.offer_update(offer=room, by=resident, data={"description": "Réservé aux musulmans"})
    page = client_for(staff).get(f"/equipe/offres/{room.pk}/").content.decode()
    assert "une religion" in page or "a religion" in page


def test_a_reason_to_decline_cannot_describe_someone(
    proposed: Match, association_member: User
) -> None:
    with pytest.raises(DomainError):
        matching.match_decline(
            match=proposed, by=association_member, reason="Ils sont sans papiers"
        )
    assert Match.objects.get(pk=proposed.pk).status == "proposed"
    assert Need.objects.exists()
