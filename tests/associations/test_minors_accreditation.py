"""Fiche 7: unaccompanied minors are hosted only through an organisation that city staff
accredited for their care. Staff record the accreditation (dated, signed, audited); only
such an organisation may post a need for a minor, and the matching never proposes one
elsewhere (``tests/matching/test_minors.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Membership, Organisation, User
from associations import services
from core.errors import DomainError
from core.models import AuditEntry
from needs.models import Need
from needs.services import need_create, need_publish, need_update
from tests.conftest import client_for
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.django_db]
ROLES = ["visitor", "resident", "member", "admin", "other_member", "staff", "coordinator"]
LOGIN, FORBIDDEN = "login", 403


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    organisation = OrganisationFactory(name="Accueil Mineurs")
    other = OrganisationFactory(name="Autre association")
    people: dict[str, User | None] = {
        "visitor": None,
        "resident": UserFactory(email="resident@example.org"),
        "member": MembershipFactory(organisation=organisation, user__email="m@example.org").user,
        "admin": MembershipFactory(
            organisation=organisation, user__email="a@example.org", role=Membership.Role.ADMIN
        ).user,
        "other_member": MembershipFactory(organisation=other, user__email="o@example.org").user,
        "staff": UserFactory(email="staff@example.org", staff=True),
        "coordinator": UserFactory(email="coord@example.org", coordinator=True),
    }
    return {"organisation": organisation, "other": other, "people": people}


def as_(world: dict[str, Any], role: str) -> Client:
    return client_for(world["people"][role])


def accredit(world: dict[str, Any]) -> Organisation:
    return services.organisation_accredit_for_minors(
        organisation=world["organisation"], by=world["people"]["staff"]
    )


# --- Recording the accreditation -----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_record_an_accreditation_for_the_care_of_minors(
    world: dict[str, Any], role: str
) -> None:
    organisation = world["organisation"]
    response = as_(world, role).post(f"/equipe/associations/{organisation.pk}/mineurs/agreer/")
    organisation.refresh_from_db()
    if role == "visitor":
        assert response.status_code == 302
        assert "/compte/login/" in response["Location"]
    elif role in ("staff", "coordinator"):
        assert response.status_code == 302
        assert organisation.minors_accredited_at is not None
        assert organisation.minors_accredited_by == world["people"][role]
        return
    else:
        assert response.status_code == FORBIDDEN
    assert organisation.minors_accredited_at is None


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_end_an_accreditation(world: dict[str, Any], role: str) -> None:
    organisation = accredit(world)
    response = as_(world, role).post(
        f"/equipe/associations/{organisation.pk}/mineurs/retirer/", {"reason": "Convention finie"}
    )
    organisation.refresh_from_db()
    staff = role in ("staff", "coordinator")
    assert response.status_code == (302 if role == "visitor" or staff else FORBIDDEN)
    assert (organisation.minors_accredited_at is None) is staff


def test_the_accreditation_is_audited_with_its_date_and_who_recorded_it(
    world: dict[str, Any],
) -> None:
    organisation = accredit(world)
    entry = AuditEntry.objects.get(action="associations.organisation.minors_accredited")
    assert entry.actor == world["people"]["staff"]
    assert entry.target_id == str(organisation.pk)
    services.organisation_withdraw_minors_accreditation(
        organisation=organisation, by=world["people"]["coordinator"], reason="Fin"
    )
    ended = AuditEntry.objects.get(
        action="associations.organisation.minors_accreditation_withdrawn"
    )
    assert ended.actor == world["people"]["coordinator"]
    assert ended.detail["accredited_since"]


@pytest.mark.parametrize("role", ROLES)
def test_the_list_of_verified_organisations_is_for_staff(world: dict[str, Any], role: str) -> None:
    response = as_(world, role).get("/equipe/associations/verifiees/")
    expected = {"visitor": 302, "staff": 200, "coordinator": 200}.get(role, FORBIDDEN)
    assert response.status_code == expected


def test_an_unverified_organisation_cannot_be_accredited(world: dict[str, Any]) -> None:
    pending = OrganisationFactory(unverified=True)
    with pytest.raises(DomainError):
        services.organisation_accredit_for_minors(organisation=pending, by=world["people"]["staff"])


def test_staff_see_the_accreditation_on_the_organisation_page(world: dict[str, Any]) -> None:
    User.objects.filter(pk=world["people"]["staff"].pk).update(preferred_language="en")
    review = f"/equipe/associations/{world['organisation'].pk}/"
    assert "Not accredited." in as_(world, "staff").get(review).content.decode()
    accredit(world)
    assert "Accredited on" in as_(world, "staff").get(review).content.decode()
    listing = as_(world, "staff").get("/equipe/associations/verifiees/").content.decode()
    assert "accredited for the care of minors on" in listing


# --- Posting a need for a minor --------------------------------------------------------


def minor_need_data() -> dict[str, Any]:
    return {"adults": 0, "children": 1, "household_type": "minor", "housing_types": ["room"]}


@pytest.mark.parametrize(
    ("role", "accredited", "allowed"),
    [
        ("member", True, True),
        ("admin", True, True),
        ("member", False, False),
        ("other_member", True, False),
        ("resident", True, False),
        ("staff", True, True),
        ("staff", False, False),
        ("coordinator", True, True),
    ],
)
def test_only_an_accredited_organisation_posts_a_need_for_a_minor(
    world: dict[str, Any], role: str, accredited: bool, allowed: bool
) -> None:
    if accredited:
        accredit(world)
    organisation = world["organisation"]
    organisation.refresh_from_db()
    origin = "staff_for_association" if role in ("staff", "coordinator") else "association"
    person = world["people"][role]
    if allowed:
        need = need_create(
            by=person, kind="housing", organisation=organisation, origin=origin, **minor_need_data()
        )
        assert need.household_type == "minor"
        return
    with pytest.raises(DomainError):
        need_create(
            by=person, kind="housing", organisation=organisation, origin=origin, **minor_need_data()
        )
    assert not Need.objects.exists()


def test_a_need_met_at_a_counter_is_never_for_a_minor(world: dict[str, Any]) -> None:
    with pytest.raises(DomainError):
        need_create(
            by=world["people"]["staff"],
            kind="housing",
            organisation=None,
            origin="counter",
            **minor_need_data(),
        )


def test_a_need_cannot_become_one_for_a_minor_without_accreditation(
    world: dict[str, Any],
) -> None:
    need = NeedFactory(organisation=world["organisation"])
    with pytest.raises(DomainError):
        need_update(need=need, by=world["people"]["member"], household_type="minor")


def test_a_draft_for_a_minor_is_not_published_once_the_accreditation_ended(
    world: dict[str, Any],
) -> None:
    organisation = accredit(world)
    draft = need_create(
        by=world["people"]["member"], kind="housing", organisation=organisation,
        **minor_need_data(),
    )  # fmt: skip
    services.organisation_withdraw_minors_accreditation(
        organisation=organisation, by=world["people"]["staff"]
    )
    draft.organisation.refresh_from_db()
    with pytest.raises(DomainError):
        need_publish(need=draft, by=world["people"]["member"])


@pytest.mark.parametrize(("accredited", "offered"), [(True, True), (False, False)])
def test_the_need_form_offers_the_minor_choice_only_to_an_accredited_organisation(
    world: dict[str, Any], accredited: bool, offered: bool
) -> None:
    if accredited:
        accredit(world)
    page = as_(world, "member").get("/besoins/nouveau/housing/").content.decode()
    assert ('value="minor"' in page) is offered


def test_the_need_form_refuses_a_minor_without_losing_what_was_typed(
    world: dict[str, Any],
) -> None:
    response = as_(world, "member").post(
        "/besoins/nouveau/housing/",
        {"urgency": "critical", "adults": 0, "children": 1, "household_type": "minor",
         "housing_types": ["room"], "note": "Texte gardé"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Texte gardé" in response.content.decode()
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    ("role", "query", "offered"),
    [
        ("visitor", "", None),
        ("member", "", True),
        ("other_member", "", False),
        ("staff", "?origine=staff_for_association&organisation={org}", True),
        ("staff", "?origine=counter", False),
    ],
)
def test_the_minor_choice_on_each_role_s_form(
    world: dict[str, Any], role: str, query: str, offered: bool | None
) -> None:
    organisation = accredit(world)
    response = as_(world, role).get("/besoins/nouveau/housing/" + query.format(org=organisation.pk))
    if offered is None:
        assert response.status_code == 302  # to the sign-in page
        return
    assert response.status_code == 200
    assert ('value="minor"' in response.content.decode()) is offered
