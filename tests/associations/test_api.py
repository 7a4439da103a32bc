"""``/api/v1/organisations/``: apply, read your own, staff verify or refuse."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership, Organisation, User
from tests.factories import MembershipFactory, OrganisationFactory, SectorFactory, UserFactory

pytestmark = pytest.mark.django_db
ORGANISATIONS = "/api/v1/organisations/"


def api(user: User | None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def test_anyone_signed_in_applies_and_becomes_admin(resident: User) -> None:
    response = api(resident).post(
        ORGANISATIONS,
        {
            "name": "Les Amis",
            "kind": "association",
            "registration_number": "W381234567",
            "description": "Accueil et accompagnement.",
            "contact_name": "Accueil",
            "contact_email": "amis@example.org",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    organisation = Organisation.objects.get(name="Les Amis")
    assert not organisation.is_verified
    assert organisation.memberships.get().role == Membership.Role.ADMIN


def test_a_bad_registration_number_is_refused(resident: User) -> None:
    response = api(resident).post(
        ORGANISATIONS,
        {
            "name": "X",
            "kind": "association",
            "registration_number": "123",
            "description": "d",
            "contact_name": "c",
            "contact_email": "c@example.org",
        },
        format="json",
    )
    assert response.status_code == 422
    assert "registration_number" in response.json()


@pytest.mark.parametrize(
    ("role", "sees_a", "sees_b"),
    [
        ("visitor", None, None),
        ("resident", False, False),
        ("member_a", True, False),
        ("member_b", False, True),
        ("staff", True, True),
    ],
)
def test_organisations_are_scoped(role: str, sees_a: bool | None, sees_b: bool | None) -> None:
    org_a, org_b = OrganisationFactory(), OrganisationFactory()
    people = {
        "visitor": None,
        "resident": UserFactory(),
        "member_a": MembershipFactory(organisation=org_a).user,
        "member_b": MembershipFactory(organisation=org_b).user,
        "staff": UserFactory(staff=True),
    }
    response = api(people[role]).get(ORGANISATIONS)
    if sees_a is None:
        assert response.status_code == 401
        return
    ids = {row["id"] for row in response.json()["results"]}
    assert (org_a.pk in ids) == sees_a
    assert (org_b.pk in ids) == sees_b


@pytest.mark.parametrize(("role", "expected"), [("resident", 403), ("staff", 200)])
def test_only_staff_verify(role: str, expected: int) -> None:
    pending = OrganisationFactory(unverified=True)
    applicant = MembershipFactory(organisation=pending, role=Membership.Role.ADMIN).user
    user = UserFactory(staff=True) if role == "staff" else applicant
    response = api(user).post(f"{ORGANISATIONS}{pending.pk}/verify/")
    assert response.status_code == expected
    pending.refresh_from_db()
    assert pending.is_verified == (expected == 200)


def test_staff_refuse_with_a_reason(staff: User) -> None:
    pending = OrganisationFactory(unverified=True)
    client = api(staff)
    assert client.post(f"{ORGANISATIONS}{pending.pk}/refuse/", {}).status_code == 400
    response = client.post(f"{ORGANISATIONS}{pending.pk}/refuse/", {"reason": "Inconnue."})
    assert response.status_code == 200
    assert response.json()["is_refused"] is True


def test_a_staff_read_of_an_organisation_contact_is_audited(staff: User) -> None:
    from core.models import AuditEntry

    organisation = OrganisationFactory()
    assert api(staff).get(f"{ORGANISATIONS}{organisation.pk}/").status_code == 200
    assert AuditEntry.objects.filter(
        action="associations.contact.viewed", target_id=str(organisation.pk)
    ).exists()


def test_lists_leave_out_contact_details_and_need_few_queries(
    staff: User, django_assert_max_num_queries: object
) -> None:
    for _ in range(20):
        OrganisationFactory(contact_email="someone@example.org").sectors.add(SectorFactory())
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        response = api(staff).get(ORGANISATIONS)
    assert response.status_code == 200
    assert "someone@example.org" not in response.content.decode()
    assert "count" not in response.json()
