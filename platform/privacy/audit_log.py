"""Reading the audit log: readable actions, who may read which entries, filters.

Moderators read their own entries and their team's (city staff's); coordinators read all
of them, those of residents, associations and the platform itself included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import User
from core.http import parse_id
from core.models import AuditEntry

# Every look at contact data or at a flagged note (docs/privacy.md, "Who sees what").
CONTACT_READS = (
    "offers.offer.contact_viewed",
    "matching.match.contact_viewed",
    "matching.match.agreement_viewed",
    "associations.contact.viewed",
    "needs.note.viewed",
    "needs.note.listed",
    "accounts.user.viewed_in_admin",
    "accounts.user.listed_in_admin",
    "accounts.organisation.viewed_in_admin",
    "accounts.organisation.listed_in_admin",
    "needs.need.viewed_in_admin",
    "needs.need.listed_in_admin",
    "associations.invitation.viewed_in_admin",
    "associations.invitation.listed_in_admin",
    "offers.hostcharteracceptance.viewed_in_admin",
    "offers.hostcharteracceptance.listed_in_admin",
    "imports.error_report.downloaded",
    "privacy.caller.exported",
    "matching.staff_search.done",
)

ACTIONS: dict[str, str | Promise] = {
    "core.claim.taken": _("Took an item of a staff queue"),
    "core.claim.released": _("Released someone else's item of a staff queue"),
    "matching.match.paired_by_hand": _("Paired a need with an offer found by hand"),
    "matching.staff_search.done": _("Searched offers and needs (contacts included)"),
    "accounts.user.role_changed": _("Changed a person's role"),
    "associations.contact.viewed": _("Read an organisation's contact"),
    "associations.invitation.accepted": _("Accepted an invitation to an organisation"),
    "associations.invitation.revoked": _("Withdrew an invitation"),
    "associations.invitation.sent": _("Invited someone to an organisation"),
    "associations.listing.moderated": _("Moderated an organisation's public page"),
    "associations.listing.updated": _("Updated an organisation's public page"),
    "associations.membership.removed": _("Removed a member from an organisation"),
    "associations.organisation.applied": _("Applied for an organisation"),
    "associations.organisation.minors_accreditation_withdrawn": _(
        "Ended an organisation's accreditation for minors"
    ),
    "associations.organisation.minors_accredited": _("Accredited an organisation for minors"),
    "associations.organisation.reapplied": _("Applied again for an organisation"),
    "associations.organisation.refused": _("Refused an organisation"),
    "associations.organisation.verified": _("Verified an organisation"),
    "imports.error_report.downloaded": _("Downloaded the rows left out of an import"),
    "imports.job.cancelled": _("Cancelled an import"),
    "imports.job.deleted": _("Deleted an import"),
    "imports.job.imported": _("Imported a spreadsheet"),
    "matching.match.accepted": _("Accepted a proposal"),
    "matching.match.accepted_on_behalf": _("Accepted a proposal for someone without an account"),
    "matching.match.agreement_viewed": _("Read a hosting agreement (address and contacts)"),
    "matching.match.cancelled": _("Cancelled a match"),
    "matching.match.completed": _("Recorded the end of a match"),
    "matching.match.contact_viewed": _("Read the other side's contact of a match"),
    "matching.match.declined": _("Declined a proposal"),
    "matching.match.expired": _("A proposal expired"),
    "matching.match.proposed": _("Proposed a match"),
    "matching.match.withdrawn": _("A proposal was cancelled by a withdrawal"),
    "matching.room.answered_for_host": _("Answered for a host whether the room is free"),
    "needs.need.cancelled": _("Cancelled a need"),
    "needs.need.closed": _("Closed a need"),
    "needs.need.created": _("Entered a need"),
    "needs.need.fulfilled": _("Marked a need fulfilled"),
    "needs.need.published": _("Published a need"),
    "needs.need.reopened": _("Opened a need again"),
    "needs.need.reopened_after_match": _("A need was opened again after a match ended"),
    "needs.need.updated": _("Changed a need"),
    "needs.need.updated_by_staff": _("Changed a need (city staff)"),
    "needs.note.cleaned": _("Cleaned a need's texts of personal details"),
    "needs.note.flags_dismissed": _("Checked a flagged need: nothing personal"),
    "needs.note.viewed": _("Read a flagged need's note"),
    "needs.note.listed": _("Listed needs with flagged notes"),
    "notifications.notification.resent": _("Sent a message again"),
    "notifications.urgent_call.sent": _("Sent an urgent call"),
    "offers.host_charter.published": _("Published the host charter"),
    "offers.offer.approved": _("Published an offer"),
    "offers.offer.availability_answered_by_phone": _("Recorded a caller's answer on availability"),
    "offers.offer.contact_viewed": _("Read an offer's address and contact"),
    "offers.offer.information_requested": _("Asked a resident about their offer"),
    "offers.offer.rejected": _("Refused an offer"),
    "offers.offer.taken_by_phone": _("Took an offer by phone"),
    "offers.offer.taken_over": _("Took over an offer given by phone"),
    "offers.offer.vetting_recorded": _("Recorded a check of a housing"),
    "offers.offer.withdrawn": _("Took an offer back for review"),
    "privacy.account.erased": _("An account was erased"),
    "privacy.audit_log.exported": _("Downloaded the audit log"),
    "privacy.caller.erased": _("Erased the data of a caller without an account"),
    "privacy.caller.exported": _("Downloaded the data of a caller without an account"),
    "privacy.export.downloaded": _("Downloaded their own data"),
    "privacy.organisation.closed": _("Closed an organisation"),
    "privacy.organisation.exported": _("Downloaded an organisation's data"),
    "privacy.purge.run": _("The retention purge ran"),
    "reports.network_file.deleted": _("Deleted another city's figures"),
    "reports.network_file.uploaded": _("Uploaded another city's figures"),
}
_ADMIN_VERBS: dict[str, str | Promise] = {
    "created_in_admin": _("Created in the admin: %(what)s"),
    "changed_in_admin": _("Changed in the admin: %(what)s"),
    "deleted_in_admin": _("Deleted in the admin: %(what)s"),
    "viewed_in_admin": _("Read in the admin: %(what)s"),
    "listed_in_admin": _("Listed in the admin: %(what)s"),
}


def action_label(action: str) -> str:
    """The action in words, in the reader's language."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    app, _dot, rest = action.partition(".")
    model, _dot, verb = rest.rpartition(".")
    if verb in _ADMIN_VERBS:
        try:
            what = ContentType.objects.get_by_natural_key(app, model).name
        except ContentType.DoesNotExist:
            what = model
        return str(_ADMIN_VERBS[verb]) % {"what": what}
    return action


def action_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in ACTIONS.items()), key=lambda c: c[1])


def readable_entries(user: Any) -> QuerySet[AuditEntry]:
    """Coordinators read every entry; moderators their team's: what city staff did
    (and the platform's own runs, which name nobody). Others read none."""
    entries = AuditEntry.objects.select_related("actor", "target_type")
    if roles.is_coordinator(user):
        return entries
    if roles.is_staff_member(user):
        team = User.objects.filter(role__in=[User.Role.STAFF, User.Role.COORDINATOR])
        return entries.filter(
            Q(actor__in=team) | Q(actor_ref=user.pk) | Q(actor__isnull=True, actor_ref__isnull=True)
        )
    return entries.none()


@dataclass(frozen=True)
class Filters:
    actor: str = ""  # a name or an e-mail, or "#<id>"
    action: str = ""
    target: str = ""  # "offer 12", "need 3", or an id
    start: date | None = None
    end: date | None = None


def filtered(entries: QuerySet[AuditEntry], filters: Filters) -> QuerySet[AuditEntry]:
    if filters.actor:
        text = filters.actor.strip()
        if text.startswith("#") and (actor_ref := parse_id(text[1:])) is not None:
            entries = entries.filter(actor_ref=actor_ref)
        else:
            entries = entries.filter(
                Q(actor__email__icontains=text) | Q(actor__display_name__icontains=text)
            )
    if filters.action:
        entries = entries.filter(action__startswith=filters.action)
    if filters.target:
        words = filters.target.split()
        target_id = parse_id(words[-1]) if words else None
        if len(words) == 2 and target_id is not None:
            entries = entries.filter(target_type__model=words[0].lower(), target_id=str(target_id))
        elif target_id is not None:
            entries = entries.filter(target_id=str(target_id))
        else:
            entries = entries.filter(target_type__model=filters.target.strip().lower())
    zone = timezone.get_current_timezone()
    if filters.start:
        entries = entries.filter(created_at__gte=datetime.combine(filters.start, time(), zone))
    if filters.end:
        after = datetime.combine(filters.end + timedelta(days=1), time(), zone)
        entries = entries.filter(created_at__lt=after)
    return entries


def actor_name(entry: AuditEntry) -> str:
    if entry.actor is not None:
        name = entry.actor.display_name
        return f"{name} <{entry.actor.email}>" if name else entry.actor.email
    if entry.actor_ref is not None:
        return str(_("Erased account #%(id)s") % {"id": entry.actor_ref})
    return str(_("The platform"))


def target_name(entry: AuditEntry) -> str:
    if entry.target_type is None:
        return ""
    return f"{entry.target_type.name} #{entry.target_id}"
