from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from accounts import roles
from accounts.models import Membership, Organisation, User
from associations import services
from associations.models import Invitation
from core.errors import DomainError
from core.models import AuditEntry
from notifications.models import Notification
from tests.factories import MembershipFactory, OrganisationFactory, SectorFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def apply(by: User, **extra: object) -> Organisation:
    return services.organisation_apply(
        by=by,
        name="Les Amis du Quartier",
        kind=Organisation.Kind.ASSOCIATION,
        description="Accueil et accompagnement des familles.",
        contact_name="Accueil",
        contact_email="amis@example.org",
        registration_number="w 381 234 567",
        sectors=[SectorFactory()],
        **extra,  # type: ignore[arg-type]
    )


def test_applying_creates_an_unverified_organisation_with_its_first_admin(resident: User) -> None:
    organisation = apply(resident)
    assert not organisation.is_verified
    assert organisation.registration_number == "W381234567"
    assert organisation.applied_by == resident
    assert organisation.memberships.get().role == Membership.Role.ADMIN
    assert not roles.is_member_of(resident, organisation)  # not before verification
    assert AuditEntry.objects.filter(action="associations.organisation.applied").exists()
    assert list(Organisation.objects.to_verify()) == [organisation]


def test_verifying_notifies_the_applicant_and_is_audited(resident: User, staff: User) -> None:
    organisation = apply(resident)
    services.organisation_verify(organisation=organisation, by=staff)
    organisation.refresh_from_db()
    assert organisation.is_verified
    assert organisation.verified_by == staff
    assert roles.is_admin_of(resident, organisation)
    assert Notification.objects.filter(
        recipient=resident, type="associations.organisation_verified"
    ).exists()
    assert AuditEntry.objects.filter(action="associations.organisation.verified").exists()
    assert not Organisation.objects.to_verify().exists()
    with pytest.raises(DomainError):
        services.organisation_verify(organisation=organisation, by=staff)


def test_only_staff_verify(resident: User) -> None:
    organisation = apply(resident)
    with pytest.raises(DomainError):
        services.organisation_verify(organisation=organisation, by=resident)


def test_refusing_needs_a_reason_and_tells_the_applicant(
    resident: User, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    organisation = apply(resident)
    with pytest.raises(DomainError):
        services.organisation_refuse(organisation=organisation, by=staff, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.organisation_refuse(organisation=organisation, by=staff, reason="RNA introuvable.")
    organisation.refresh_from_db()
    assert organisation.is_refused
    assert not Organisation.objects.to_verify().exists()
    email = [m for m in mail.outbox if resident.email in m.to]
    assert email
    assert "RNA introuvable." in email[-1].body
    services.organisation_reapply(organisation=organisation, by=resident)
    assert list(Organisation.objects.to_verify()) == [organisation]


def test_an_admin_invites_by_email_with_a_link(
    association_admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    organisation = association_admin.memberships.get().organisation
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            organisation=organisation, by=association_admin, email="New@Example.org"
        )
    assert invitation.email == "new@example.org"
    row = Notification.objects.get(type="associations.invitation")
    assert row.address == "new@example.org"
    assert row.recipient is None
    assert invitation.token in row.context["url"]
    assert [m for m in mail.outbox if "new@example.org" in m.to]


def test_a_member_cannot_invite(association_member: User) -> None:
    organisation = association_member.memberships.get().organisation
    with pytest.raises(DomainError):
        services.invitation_create(
            organisation=organisation, by=association_member, email="x@example.org"
        )


def test_inviting_again_renews_the_link(association_admin: User) -> None:
    organisation = association_admin.memberships.get().organisation
    first = services.invitation_create(
        organisation=organisation, by=association_admin, email="x@example.org"
    )
    second = services.invitation_create(
        organisation=organisation, by=association_admin, email="x@example.org"
    )
    first.refresh_from_db()
    assert not first.is_pending
    assert second.is_pending


def test_accepting_with_the_invited_address_makes_a_member(association_admin: User) -> None:
    organisation = association_admin.memberships.get().organisation
    invitation = services.invitation_create(
        organisation=organisation, by=association_admin, email="new@example.org"
    )
    newcomer = UserFactory(email="new@example.org")
    services.invitation_accept(invitation=invitation, user=newcomer)
    assert roles.is_member_of(newcomer, organisation)
    with pytest.raises(DomainError):  # single use
        services.invitation_accept(invitation=invitation, user=newcomer)


def test_an_invitation_is_for_its_address_only(association_admin: User, resident: User) -> None:
    organisation = association_admin.memberships.get().organisation
    invitation = services.invitation_create(
        organisation=organisation, by=association_admin, email="new@example.org"
    )
    with pytest.raises(DomainError, match="another e-mail"):
        services.invitation_accept(invitation=invitation, user=resident)


def test_an_expired_invitation_is_refused(association_admin: User) -> None:
    organisation = association_admin.memberships.get().organisation
    invitation = services.invitation_create(
        organisation=organisation, by=association_admin, email="new@example.org"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    invitation.refresh_from_db()
    with pytest.raises(DomainError):
        services.invitation_accept(invitation=invitation, user=UserFactory(email="new@example.org"))


def test_an_admin_removes_a_member_but_never_the_last_admin(association_admin: User) -> None:
    organisation = association_admin.memberships.get().organisation
    member = MembershipFactory(organisation=organisation)
    services.membership_remove(membership=member, by=association_admin)
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert AuditEntry.objects.filter(action="associations.membership.removed").exists()
    with pytest.raises(DomainError, match="at least one admin"):
        services.membership_remove(
            membership=association_admin.memberships.get(), by=association_admin
        )


def test_a_member_cannot_remove_another(association_member: User) -> None:
    organisation = association_member.memberships.get().organisation
    other = MembershipFactory(organisation=organisation)
    with pytest.raises(DomainError):
        services.membership_remove(membership=other, by=association_member)


def test_a_member_may_belong_to_several_organisations() -> None:
    user = UserFactory()
    first = MembershipFactory(user=user, organisation=OrganisationFactory(name="B")).organisation
    second = MembershipFactory(user=user, organisation=OrganisationFactory(name="A")).organisation
    assert [m.organisation for m in roles.active_memberships(user)] == [second, first]


@pytest.mark.parametrize(
    "name",
    [
        "associations.organisation_verified",
        "associations.organisation_refused",
        "associations.invitation",
    ],
)
def test_the_messages_render_with_links_and_no_contact_details(name: str) -> None:
    from notifications.registry import registry
    from notifications.rendering import render_type

    spec = registry.get(name)
    rendered = render_type(spec, context=dict(spec.example_context), language="en")
    assert rendered.subject
    assert rendered.action_url in rendered.text
    assert "@" not in rendered.text.replace(rendered.action_url, "")
