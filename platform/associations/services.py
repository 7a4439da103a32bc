"""Writes of association onboarding: apply, verify or refuse, invite, accept, remove."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Membership, Organisation, User
from accounts.validators import normalise_registration_number
from associations.models import Invitation, PublicListing
from core.audit import audit
from core.errors import DomainError
from core.models import Sector
from core.text import clean_line, clean_reason, without_bidi_controls
from notifications.services import notify


@transaction.atomic
def organisation_apply(
    *,
    by: User,
    name: str,
    kind: str,
    description: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    registration_number: str = "",
    sectors: Iterable[Sector] = (),
) -> Organisation:
    """An organisation asks to join; the person applying becomes its first admin."""
    organisation = Organisation(
        name=clean_line(name),
        kind=kind,
        description=without_bidi_controls(description),
        contact_name=clean_line(contact_name),
        contact_email=contact_email,
        contact_phone=contact_phone,
        registration_number=normalise_registration_number(registration_number),
        applied_by=by,
    )
    # A name of spaces only, an e-mail the form did not check: the model says no.
    organisation.full_clean(exclude=["sectors"])
    organisation.save()
    organisation.sectors.set(list(sectors))
    Membership.objects.create(user=by, organisation=organisation, role=Membership.Role.ADMIN)
    audit(actor=by, action="associations.organisation.applied", target=organisation)
    return organisation


def _locked(organisation: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _admins(organisation: Organisation) -> list[User]:
    return [
        membership.user
        for membership in organisation.memberships.select_related("user").filter(
            role=Membership.Role.ADMIN, user__is_active=True
        )
    ]


@transaction.atomic
def organisation_verify(*, organisation: Organisation, by: User) -> Organisation:
    """City staff verify an application: its members may now post needs."""
    if not roles.is_staff_member(by):
        raise DomainError(_("Only city staff can verify an organisation."), code="forbidden")
    organisation = _locked(organisation)
    if organisation.is_verified:
        raise DomainError(_("This organisation is already verified."), code="already_verified")
    organisation.verified_at = timezone.now()
    organisation.verified_by = by
    organisation.refused_at = None
    organisation.save(update_fields=["verified_at", "verified_by", "refused_at"])
    audit(actor=by, action="associations.organisation.verified", target=organisation)
    url = reverse("associations:detail", args=[organisation.pk])
    for admin in _admins(organisation):
        notify(
            type="associations.organisation_verified",
            key=f"associations.organisation_verified:{organisation.pk}:{admin.pk}",
            recipient=admin,
            context={"organisation": organisation.name, "url": url},
        )
    return organisation


@transaction.atomic
def organisation_refuse(*, organisation: Organisation, by: User, reason: str) -> Organisation:
    """City staff turn an application down, with a reason the applicants read."""
    if not roles.is_staff_member(by):
        raise DomainError(_("Only city staff can refuse an organisation."), code="forbidden")
    reason = clean_reason(reason)
    if not reason:
        raise DomainError(_("Say why, so that the applicants can answer."), code="reason_required")
    organisation = _locked(organisation)
    if organisation.is_verified:
        raise DomainError(_("This organisation is already verified."), code="already_verified")
    if organisation.refused_at is not None:
        raise DomainError(_("This application was already refused."), code="already_refused")
    organisation.refused_at = timezone.now()
    organisation.refusal_reason = reason
    organisation.save(update_fields=["refused_at", "refusal_reason"])
    audit(actor=by, action="associations.organisation.refused", target=organisation)
    url = reverse("associations:detail", args=[organisation.pk])
    for admin in _admins(organisation):
        notify(
            type="associations.organisation_refused",
            key=f"associations.organisation_refused:{organisation.pk}:{admin.pk}:"
            f"{organisation.refused_at.timestamp():.0f}",
            recipient=admin,
            context={
                "organisation": organisation.name,
                "reason": organisation.refusal_reason,
                "url": url,
            },
        )
    return organisation


@transaction.atomic
def organisation_accredit_for_minors(*, organisation: Organisation, by: User) -> Organisation:
    """City staff record that a verified organisation is accredited for the care of
    unaccompanied minors (fiche 7): from now on it may post needs for them, and the
    matching proposes those needs to hosts who accepted minors. Audited, dated, signed."""
    if not roles.can_accredit_for_minors(by):
        raise DomainError(
            _("Only city staff record an accreditation for the care of minors."), code="forbidden"
        )
    organisation = _locked(organisation)
    if not organisation.is_verified:
        raise DomainError(
            _("Verify the organisation before recording its accreditation."), code="not_verified"
        )
    if organisation.minors_accredited_at is not None:
        raise DomainError(
            _("This organisation is already accredited for the care of minors."),
            code="already_accredited",
        )
    organisation.minors_accredited_at = timezone.now()
    organisation.minors_accredited_by = by
    organisation.save(update_fields=["minors_accredited_at", "minors_accredited_by"])
    audit(actor=by, action="associations.organisation.minors_accredited", target=organisation)
    return organisation


@transaction.atomic
def organisation_withdraw_minors_accreditation(
    *, organisation: Organisation, by: User, reason: str = ""
) -> Organisation:
    """The accreditation ends: the organisation can no longer post needs for minors, and
    the matching makes no new proposal for the ones it has (they stay visible to it and to
    staff; proposals already sent and stays under way are left for staff to follow)."""
    if not roles.can_accredit_for_minors(by):
        raise DomainError(
            _("Only city staff record an accreditation for the care of minors."), code="forbidden"
        )
    organisation = _locked(organisation)
    if organisation.minors_accredited_at is None:
        raise DomainError(
            _("This organisation is not accredited for the care of minors."),
            code="not_accredited",
        )
    since = organisation.minors_accredited_at
    organisation.minors_accredited_at = None
    organisation.minors_accredited_by = None
    organisation.save(update_fields=["minors_accredited_at", "minors_accredited_by"])
    audit(
        actor=by,
        action="associations.organisation.minors_accreditation_withdrawn",
        target=organisation,
        detail={"accredited_since": since.isoformat(), "reason": reason.strip()[:500]},
    )
    return organisation


@transaction.atomic
def organisation_reapply(*, organisation: Organisation, by: User) -> Organisation:
    """After a refusal, an admin sends the application back to the queue."""
    organisation = _locked(organisation)
    if (
        not roles.is_applicant_of(by, organisation)
        or not organisation.memberships.filter(user=by, role=Membership.Role.ADMIN).exists()
    ):
        raise DomainError(_("Only the organisation's admins can apply again."), code="forbidden")
    if not organisation.is_refused:
        raise DomainError(_("This application is not refused."), code="not_refused")
    organisation.refused_at = None
    organisation.save(update_fields=["refused_at"])
    audit(actor=by, action="associations.organisation.reapplied", target=organisation)
    return organisation


@transaction.atomic
def invitation_create(
    *, organisation: Organisation, by: User, email: str, role: str = Membership.Role.MEMBER
) -> Invitation:
    """An admin invites someone by e-mail; inviting the same address again renews the link."""
    if not roles.can_manage_members(by, organisation):
        raise DomainError(_("Only the organisation's admins can invite members."), code="forbidden")
    if not organisation.is_verified:
        raise DomainError(
            _("You can invite members once city staff have verified the organisation."),
            code="not_verified",
        )
    email = email.strip().lower()
    if organisation.memberships.filter(user__email__iexact=email).exists():
        raise DomainError(_("This person is already a member."), code="already_member")
    organisation.invitations.pending().filter(email__iexact=email).update(revoked_at=timezone.now())
    invitation = Invitation.objects.create(
        organisation=organisation, email=email, role=role, invited_by=by
    )
    audit(actor=by, action="associations.invitation.sent", target=invitation)
    notify(
        type="associations.invitation",
        key=f"associations.invitation:{invitation.pk}",
        address=email,
        language=by.preferred_language,
        context={
            "organisation": organisation.name,
            "url": reverse("associations:invitation", args=[invitation.token]),
        },
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person, signed in with the invited address, joins the organisation."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise DomainError(
            _("This invitation is no longer valid. Ask the organisation for a new one."),
            code="invitation_invalid",
        )
    if user.email.lower() != invitation.email.lower():
        raise DomainError(
            _("This invitation was sent to another e-mail address. Sign in with that address."),
            code="wrong_address",
        )
    membership, _created = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit(actor=user, action="associations.invitation.accepted", target=invitation)
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    if not roles.can_manage_members(by, invitation.organisation):
        raise DomainError(
            _("Only the organisation's admins can withdraw an invitation."), code="forbidden"
        )
    if not invitation.is_pending:
        raise DomainError(_("This invitation is no longer pending."), code="invitation_invalid")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit(actor=by, action="associations.invitation.revoked", target=invitation)
    return invitation


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """An admin (or staff) removes a member; anyone may leave. The last admin stays."""
    organisation = membership.organisation
    leaving = membership.user_id == by.pk
    if not leaving and not roles.can_manage_members(by, organisation):
        raise DomainError(_("Only the organisation's admins can remove members."), code="forbidden")
    admins = organisation.memberships.select_for_update().filter(role=Membership.Role.ADMIN)
    if membership.role == Membership.Role.ADMIN and admins.count() <= 1:
        raise DomainError(
            _("An organisation keeps at least one admin: name another admin first."),
            code="last_admin",
        )
    audit(
        actor=by,
        action="associations.membership.removed",
        target=organisation,
        detail={"user": membership.user_id, "left": leaving},
    )
    membership.delete()


def _last_digits(phone: str) -> str:
    """The last nine digits: "+33 6 12 34 56 78" and "06.12.34.56.78" compare equal."""
    return re.sub(r"\D", "", phone)[-9:]


def _members_contacts(organisation: Organisation) -> tuple[set[str], set[str]]:
    users = User.objects.filter(memberships__organisation=organisation)
    emails = {email.lower() for email in users.values_list("email", flat=True)}
    phones = {_last_digits(phone) for phone in users.values_list("phone", flat=True) if phone}
    return emails, phones


@transaction.atomic
def listing_update(
    *,
    organisation: Organisation,
    by: User,
    listed: bool,
    help_kinds: Iterable[str],
    sectors: Iterable[Sector],
    summary: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    opening_hours: str = "",
    languages: Iterable[str] = (),
    website: str = "",
) -> PublicListing:
    """An admin chooses what the organisation shows on the public "Find help" page.

    Only a verified organisation is listed, with at least one kind of help and one way to
    reach it; a public phone or e-mail that is a member's own is refused: people who arrive
    must reach the organisation, never one of its volunteers at home.
    """
    if not roles.is_admin_of(by, organisation):
        raise DomainError(
            _("Only the organisation's admins choose what appears publicly."), code="forbidden"
        )
    kinds = [kind for kind in PublicListing.Help.values if kind in set(help_kinds)]
    email, phone = email.strip().lower(), phone.strip()
    if listed and not kinds:
        raise DomainError(_("Choose at least one kind of help."), code="no_help_kind")
    if listed and not (phone or email or address.strip()):
        raise DomainError(
            _("Give at least one way to reach you: a phone, an e-mail or an address."),
            code="no_public_contact",
        )
    member_emails, member_phones = _members_contacts(organisation)
    if email and email in member_emails:
        raise DomainError(
            _("This e-mail address is a member's own: give the organisation's public address."),
            code="member_contact",
        )
    if phone and _last_digits(phone) in member_phones:
        raise DomainError(
            _("This phone number is a member's own: give the organisation's public number."),
            code="member_contact",
        )
    listing, _created = PublicListing.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    listing.listed = listed
    listing.help_kinds = kinds
    listing.summary = summary.strip()
    listing.phone = phone
    listing.email = email
    listing.address = address.strip()
    listing.opening_hours = opening_hours.strip()
    listing.languages = [code for code in languages if code]
    listing.website = website.strip()
    listing.updated_by = by
    listing.save()
    listing.sectors.set(list(sectors))
    audit(
        actor=by,
        action="associations.listing.updated",
        target=organisation,
        detail={"listed": listed},
    )
    return listing
