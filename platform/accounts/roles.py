"""Who may do what: the one module that answers role questions.

Roles, from docs/design.md §1: a visitor has no account; every account is a resident; a
member of a verified organisation is also an association member (an admin of it can
manage its members); city staff moderate; coordinators also manage settings and staff.
Views, API permissions and services ask these functions, never the fields directly.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import Membership, Organisation, User


class Role(enum.StrEnum):
    VISITOR = "visitor"
    RESIDENT = "resident"
    ASSOCIATION_MEMBER = "association_member"
    ASSOCIATION_ADMIN = "association_admin"
    STAFF = "staff"
    COORDINATOR = "coordinator"


def _account(user: Any) -> User | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user


STAFF_ROLES = (User.Role.STAFF, User.Role.COORDINATOR)


def active_staff() -> QuerySet[User]:
    """The accounts of city staff who can act today: those the team's notices go to."""
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True)


def is_staff_member(user: Any) -> bool:
    """City staff: moderators and coordinators."""
    account = _account(user)
    return account is not None and account.role in STAFF_ROLES


def is_coordinator(user: Any) -> bool:
    account = _account(user)
    return account is not None and account.role == User.Role.COORDINATOR


def active_memberships(user: Any) -> list[Membership]:
    """Memberships that make ``user`` act for an organisation: verified organisations only."""
    account = _account(user)
    if account is None:
        return []
    return list(
        account.memberships.select_related("organisation")
        .filter(organisation__verified_at__isnull=False, organisation__closed_at__isnull=True)
        .order_by("organisation__name")
    )


def is_member_of(user: Any, organisation: Organisation) -> bool:
    account = _account(user)
    return (
        account is not None
        and organisation.is_verified
        and account.memberships.filter(organisation=organisation).exists()
    )


def is_admin_of(user: Any, organisation: Organisation) -> bool:
    account = _account(user)
    return (
        account is not None
        and organisation.is_verified
        and account.memberships.filter(
            organisation=organisation, role=Membership.Role.ADMIN
        ).exists()
    )


def roles_of(user: Any) -> frozenset[Role]:
    account = _account(user)
    if account is None:
        return frozenset({Role.VISITOR})
    roles = {Role.RESIDENT}
    memberships = active_memberships(account)
    if memberships:
        roles.add(Role.ASSOCIATION_MEMBER)
    if any(membership.role == Membership.Role.ADMIN for membership in memberships):
        roles.add(Role.ASSOCIATION_ADMIN)
    if is_staff_member(account):
        roles.add(Role.STAFF)
    if is_coordinator(account):
        roles.add(Role.COORDINATOR)
    return frozenset(roles)


def is_applicant_of(user: Any, organisation: Organisation) -> bool:
    """A member of an organisation, verified or not: follows its application."""
    account = _account(user)
    return account is not None and account.memberships.filter(organisation=organisation).exists()


def can_manage_members(user: Any, organisation: Organisation) -> bool:
    """Invite and remove members: the organisation's admins, and city staff."""
    return is_admin_of(user, organisation) or is_staff_member(user)


def can_see_organisation(user: Any, organisation: Organisation) -> bool:
    """An organisation's page, its contact and members: its own people and city staff."""
    return is_staff_member(user) or is_applicant_of(user, organisation)


def can_manage_needs_of(user: Any, organisation: Organisation | None) -> bool:
    """Post and manage needs for ``organisation``: its members once it is verified, and
    city staff (who also enter needs met at a counter, with no organisation)."""
    if is_staff_member(user):
        return True
    return organisation is not None and is_member_of(user, organisation)


def can_accredit_for_minors(user: Any) -> bool:
    """Mark an organisation as accredited for the care of minors, or withdraw it: staff."""
    return is_staff_member(user)


def can_post_for_minors(user: Any, organisation: Organisation | None) -> bool:
    """Post a need for an unaccompanied minor (fiche 7): only for an organisation that
    staff accredited for the care of minors, by those who manage its needs. Never for a
    person met at a counter: a minor is always accompanied by such an organisation."""
    return (
        organisation is not None
        and organisation.is_accredited_for_minors
        and can_manage_needs_of(user, organisation)
    )


def internal_reference_access(user: Any) -> Callable[[int | None], bool]:
    """Who reads a need's internal reference, given the need's organisation id: the
    association's own members only; for a need city staff met at a counter (no
    organisation), city staff. One query, then a check per need (for lists)."""
    organisation_ids = {membership.organisation_id for membership in active_memberships(user)}
    staff = is_staff_member(user)

    def readable(organisation_id: int | None) -> bool:
        return staff if organisation_id is None else organisation_id in organisation_ids

    return readable


def can_see_internal_reference(user: Any, organisation: Organisation | None) -> bool:
    return internal_reference_access(user)(organisation.pk if organisation else None)


def role_from_groups(groups: Iterable[str]) -> str:
    """The city role the identity provider's groups give: coordinator wins over staff;
    no listed group gives none (a resident). Group names are compared exactly."""
    names = set(groups)
    config = settings.ENTRAIDE_OIDC
    if names & set(config["coordinator_groups"]):
        return User.Role.COORDINATOR
    if names & set(config["staff_groups"]):
        return User.Role.STAFF
    return User.Role.RESIDENT


def may_sign_in_locally(user: Any) -> bool:
    """Password or e-mailed code: everyone, except city staff once the city's single
    sign-on is the only way in for them (``ENTRAIDE_STAFF_LOCAL_PASSWORDS=false``)."""
    if settings.ENTRAIDE_STAFF_LOCAL_PASSWORDS:
        return True
    return not (
        getattr(user, "role", User.Role.RESIDENT) in {User.Role.STAFF, User.Role.COORDINATOR}
        or getattr(user, "is_superuser", False)
    )
