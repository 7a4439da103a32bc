import pytest

from accounts.models import User
from accounts.roles import (
    Role,
    active_memberships,
    is_admin_of,
    is_coordinator,
    is_member_of,
    is_staff_member,
    roles_of,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_visitor_has_only_the_visitor_role() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert roles_of(AnonymousUser()) == {Role.VISITOR}
    assert roles_of(None) == {Role.VISITOR}


def test_every_account_is_a_resident_by_default(resident: User) -> None:
    assert roles_of(resident) == {Role.RESIDENT}
    assert not is_staff_member(resident)


def test_a_member_of_a_verified_organisation_is_an_association_member() -> None:
    membership = MembershipFactory()
    assert roles_of(membership.user) == {Role.RESIDENT, Role.ASSOCIATION_MEMBER}
    assert is_member_of(membership.user, membership.organisation)
    assert not is_admin_of(membership.user, membership.organisation)


def test_membership_of_an_unverified_organisation_gives_no_association_role() -> None:
    membership = MembershipFactory(organisation__unverified=True)
    assert roles_of(membership.user) == {Role.RESIDENT}
    assert not is_member_of(membership.user, membership.organisation)
    assert active_memberships(membership.user) == []


def test_an_association_admin_manages_only_their_own_organisation() -> None:
    membership = MembershipFactory(admin=True)
    other = OrganisationFactory()
    assert Role.ASSOCIATION_ADMIN in roles_of(membership.user)
    assert is_admin_of(membership.user, membership.organisation)
    assert not is_admin_of(membership.user, other)
    assert not is_member_of(membership.user, other)


def test_staff_moderate_but_only_coordinators_coordinate(staff: User, coordinator: User) -> None:
    assert is_staff_member(staff)
    assert not is_coordinator(staff)
    assert is_staff_member(coordinator)
    assert is_coordinator(coordinator)
    assert roles_of(coordinator) == {Role.RESIDENT, Role.STAFF, Role.COORDINATOR}


def test_a_deactivated_staff_account_has_no_role_at_all() -> None:
    user = UserFactory(staff=True, is_active=False)
    assert not is_staff_member(user)
    assert roles_of(user) == {Role.VISITOR}


def test_only_coordinators_reach_the_django_admin(staff: User, coordinator: User) -> None:
    assert not staff.is_staff
    assert coordinator.is_staff
