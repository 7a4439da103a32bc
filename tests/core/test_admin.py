"""The admin, for coordinators: changes audited, no superuser granted, domain objects
read-only (their services change them)."""

from __future__ import annotations

import pytest

from accounts.models import User
from core.models import AuditEntry, Sector
from tests.conftest import client_for
from tests.factories import SectorFactory, UserFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db


def user_form(user: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": user.email,
        "display_name": user.display_name,
        "preferred_language": user.preferred_language,
        "phone": user.phone,
        "role": user.role,
        "is_active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def test_a_coordinator_cannot_make_anyone_a_superuser(coordinator: User) -> None:
    someone = UserFactory()
    page = client_for(coordinator).get(f"/admin/accounts/user/{someone.pk}/change/")
    assert 'name="is_superuser"' not in page.content.decode()

    client_for(coordinator).post(
        f"/admin/accounts/user/{someone.pk}/change/", user_form(someone, is_superuser="on")
    )
    someone.refresh_from_db()
    assert someone.is_superuser is False


def test_a_role_changed_in_the_admin_is_audited_with_before_and_after(coordinator: User) -> None:
    someone = UserFactory()
    response = client_for(coordinator).post(
        f"/admin/accounts/user/{someone.pk}/change/", user_form(someone, role=User.Role.STAFF)
    )
    assert response.status_code == 302
    someone.refresh_from_db()
    assert someone.role == User.Role.STAFF
    entry = AuditEntry.objects.get(action="accounts.user.changed_in_admin")
    assert entry.actor == coordinator
    assert entry.target_id == str(someone.pk)
    assert entry.detail["values"] == {"role": ["resident", "staff"]}
    assert "phone" not in str(entry.detail.get("values", {}))


def test_a_district_created_and_deleted_in_the_admin_is_audited(coordinator: User) -> None:
    client = client_for(coordinator)
    client.post(
        "/admin/core/sector/add/",
        {
            "name": "Les Eaux-Claires",
            "code": "eaux-claires",
            "centroid_latitude": "45.17",
            "centroid_longitude": "5.71",
            "position": "9",
        },
    )
    sector = Sector.objects.get(code="eaux-claires")
    client.post(f"/admin/core/sector/{sector.pk}/delete/", {"post": "yes"})
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["core.sector.created_in_admin", "core.sector.deleted_in_admin"]


def test_needs_are_read_only_in_the_admin(coordinator: User) -> None:
    need = NeedFactory()
    client = client_for(coordinator)
    assert client.get(f"/admin/needs/need/{need.pk}/change/").status_code == 200
    assert (
        client.post(f"/admin/needs/need/{need.pk}/change/", {"urgency": "high"}).status_code == 403
    )
    assert client.get("/admin/needs/need/add/").status_code == 403
    assert client.post(f"/admin/needs/need/{need.pk}/delete/", {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("who", ["resident", "staff"])
def test_only_coordinators_reach_the_admin(who: str) -> None:
    person = UserFactory(staff=who == "staff")
    SectorFactory()
    response = client_for(person).get("/admin/core/sector/")
    assert response.status_code == 302  # to the admin's sign-in: not a coordinator
