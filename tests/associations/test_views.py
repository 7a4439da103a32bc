from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Membership, Organisation, User
from associations.models import Invitation
from core.models import AuditEntry
from tests.conftest import client_for
from tests.factories import MembershipFactory, OrganisationFactory, SectorFactory, UserFactory

pytestmark = [pytest.mark.django_db]
ROLES = ["visitor", "resident", "member_a", "admin_a", "member_b", "staff", "coordinator"]


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    org_a = OrganisationFactory(name="Association A", contact_email="contact-a@example.org")
    org_b = OrganisationFactory(name="Association B")
    pending = OrganisationFactory(name="En attente", unverified=True)
    people: dict[str, User | None] = {
        "visitor": None,
        "resident": UserFactory(email="resident@example.org"),
        "member_a": MembershipFactory(organisation=org_a, user__email="ma@example.org").user,
        "admin_a": MembershipFactory(
            organisation=org_a, user__email="aa@example.org", role=Membership.Role.ADMIN
        ).user,
        "member_b": MembershipFactory(organisation=org_b, user__email="mb@example.org").user,
        "staff": UserFactory(email="staff@example.org", staff=True),
        "coordinator": UserFactory(email="coord@example.org", coordinator=True),
    }
    return {"org_a": org_a, "org_b": org_b, "pending": pending, "people": people}


def as_(world: dict[str, Any], role: str) -> Client:
    return client_for(world["people"][role])


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("visitor", 302),
        ("resident", 404),
        ("member_a", 200),
        ("admin_a", 200),
        ("member_b", 404),
        ("staff", 200),
        ("coordinator", 200),
    ],
)
def test_an_organisation_page_and_its_contact_are_for_its_people_and_staff(
    world: dict[str, Any], role: str, expected: int
) -> None:
    response = as_(world, role).get(f"/associations/{world['org_a'].pk}/")
    assert response.status_code == expected
    if expected == 200:
        assert "contact-a@example.org" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "sees_addresses"), [("member_a", False), ("admin_a", True), ("staff", True)]
)
def test_members_addresses_are_shown_to_those_who_manage_members_only(
    world: dict[str, Any], role: str, sees_addresses: bool
) -> None:
    page = as_(world, role).get(f"/associations/{world['org_a'].pk}/").content.decode()
    assert ("aa@example.org" in page) is sees_addresses  # the admin's address


def test_a_staff_look_at_an_organisation_contact_is_audited(world: dict[str, Any]) -> None:
    as_(world, "staff").get(f"/associations/{world['org_a'].pk}/")
    assert AuditEntry.objects.filter(action="associations.contact.viewed").count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_my_organisations_and_apply_need_an_account(world: dict[str, Any], role: str) -> None:
    expected = 302 if role == "visitor" else 200
    assert as_(world, role).get("/associations/").status_code == expected
    assert as_(world, role).get("/associations/inscription/").status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("visitor", 302),
        ("resident", 403),
        ("member_a", 403),
        ("admin_a", 403),
        ("staff", 200),
        ("coordinator", 200),
    ],
)
def test_the_verification_queue_is_for_staff(
    world: dict[str, Any], role: str, expected: int
) -> None:
    client = as_(world, role)
    response = client.get("/equipe/associations/")
    assert response.status_code == expected
    if expected == 200:
        assert "En attente" in response.content.decode()
        assert "Association A" not in response.content.decode()
    assert client.get(f"/equipe/associations/{world['pending'].pk}/").status_code == expected
    client.post(f"/equipe/associations/{world['pending'].pk}/verifier/")
    world["pending"].refresh_from_db()
    assert world["pending"].is_verified == (expected == 200)


def test_applying_through_the_page(world: dict[str, Any]) -> None:
    sector = SectorFactory()
    client = as_(world, "resident")
    response = client.post(
        "/associations/inscription/",
        {
            "name": "Les Amis",
            "kind": "association",
            "registration_number": "W381234567",
            "description": "Accueil",
            "sectors": [sector.pk],
            "contact_name": "Accueil",
            "contact_email": "amis@example.org",
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Les Amis")
    assert response["Location"] == f"/associations/{organisation.pk}/"
    assert list(organisation.sectors.all()) == [sector]


def test_a_bad_registration_number_shows_an_error_summary(world: dict[str, Any]) -> None:
    response = as_(world, "resident").post(
        "/associations/inscription/",
        {
            "name": "X",
            "kind": "association",
            "registration_number": "12345",
            "description": "d",
            "contact_name": "c",
            "contact_email": "c@example.org",
        },
    )
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert 'href="#id_registration_number"' in response.content.decode()


def test_staff_refuse_with_a_reason(world: dict[str, Any]) -> None:
    client = as_(world, "staff")
    pending = world["pending"]
    assert client.post(f"/equipe/associations/{pending.pk}/refuser/", {}).status_code == 400
    response = client.post(f"/equipe/associations/{pending.pk}/refuser/", {"reason": "Inconnue"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.is_refused


@pytest.mark.parametrize(
    ("role", "expected"),
    [("member_a", 403), ("member_b", 403), ("resident", 403), ("admin_a", 302), ("staff", 302)],
)
def test_only_admins_and_staff_invite(world: dict[str, Any], role: str, expected: int) -> None:
    response = as_(world, role).post(
        f"/associations/{world['org_a'].pk}/inviter/", {"email": "x@example.org", "role": "member"}
    )
    assert response.status_code == expected
    assert Invitation.objects.exists() == (expected == 302)


def test_an_admin_removes_a_member_and_a_member_of_b_cannot(world: dict[str, Any]) -> None:
    membership = world["people"]["member_a"].memberships.get()
    response = as_(world, "member_b").post(
        f"/associations/{world['org_a'].pk}/membres/{membership.pk}/retirer/"
    )
    assert response.status_code == 403
    response = as_(world, "admin_a").post(
        f"/associations/{world['org_a'].pk}/membres/{membership.pk}/retirer/"
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_invitation_link_asks_to_sign_in_then_accepts(world: dict[str, Any]) -> None:
    invitation = Invitation.objects.create(
        organisation=world["org_a"], email="new@example.org", role="member"
    )
    url = f"/associations/invitation/{invitation.token}/"
    page = client_for(None).get(url).content.decode()
    assert "/compte/signup/?next=" in page
    newcomer = UserFactory(email="new@example.org")
    response = client_for(newcomer).post(url)
    assert response.status_code == 302
    assert newcomer.memberships.filter(organisation=world["org_a"]).exists()
    assert client_for(None).get(url).status_code == 404


def test_a_forged_invitation_link_is_not_found(world: dict[str, Any]) -> None:
    assert client_for(None).get("/associations/invitation/forged/").status_code == 404


def test_a_member_of_two_organisations_picks_which_one_they_act_for(
    world: dict[str, Any],
) -> None:
    user = world["people"]["member_a"]
    MembershipFactory(user=user, organisation=world["org_b"])
    client = client_for(user)
    assert "Association A" in client.get("/besoins/association/").content.decode()
    response = client.post("/associations/agir-pour/", {"organisation": world["org_b"].pk})
    assert response.status_code == 302
    assert "Association B" in client.get("/besoins/association/").content.decode()
    other = OrganisationFactory()
    response = client.post("/associations/agir-pour/", {"organisation": other.pk})
    assert response.status_code == 403


def test_the_verification_queue_needs_few_queries(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        OrganisationFactory(name=f"Pending {n}", unverified=True, applied_by=UserFactory())
    client = as_(world, "staff")
    with django_assert_max_num_queries(9):
        response = client.get("/equipe/associations/")
    assert response.content.decode().count("Pending ") == 20


@pytest.mark.parametrize("value", ["abc", "", "99999999999999999999999", "²"])
def test_acting_for_an_organisation_that_is_not_an_id_is_a_404(value: str) -> None:
    member: User = MembershipFactory().user
    response = client_for(member).post("/associations/agir-pour/", {"organisation": value})
    assert response.status_code == 404


def test_an_organisation_one_may_not_see_is_the_same_404_as_one_that_does_not_exist() -> None:
    outsider = client_for(UserFactory())
    hidden = OrganisationFactory()
    assert outsider.get(f"/associations/{hidden.pk}/").status_code == 404
    assert outsider.get("/associations/999999/").status_code == 404
