"""Everything the platform holds about a person (GDPR articles 15 and 20), or about an
organisation, as JSON and as a page.

Rows are written field by field from the models themselves, every concrete field but the
few listed in ``HIDDEN`` (secrets that prove nothing about the person): a field added to a
model appears in the export without anyone having to remember it
(``tests/privacy/test_views.py`` checks it against the models).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts.models import Membership, Organisation, User
from associations.models import Invitation, PublicListing
from core.models import AuditEntry
from matching.models import CheckIn, Match
from needs.models import Need
from notifications.models import Notification, NotificationPreference
from offers.models import HostCharterAcceptance, HousingCheck, Offer, OfferTransition
from privacy.audit_log import CONTACT_READS, action_label

# Fields never exported, and why: secrets (a password hash, a token's digest, a link's
# key) whose copy would only weaken the account; bookkeeping of the outbox.
HIDDEN: dict[type[models.Model], set[str]] = {
    User: {"password"},
    AuthToken: {"digest", "token_key"},
    Invitation: {"token"},
    Notification: {"idempotency_key", "claim"},
}


@dataclass
class Record:
    instance: models.Model
    children: list[Section] = field(default_factory=list)

    def fields(self) -> list[models.Field[Any, Any]]:
        # The model, not type(): a signed-in person is a lazy object around their account.
        hidden = HIDDEN.get(self.instance._meta.model, set())
        return [f for f in self.instance._meta.concrete_fields if f.name not in hidden]

    def as_json(self) -> dict[str, Any]:
        data = {f.name: _json(f.value_from_object(self.instance)) for f in self.fields()}
        for child in self.children:
            data[child.key] = child.as_json()
        return data

    def as_lines(self) -> list[tuple[str, str]]:
        """(label, value) in the reader's language, for the page."""
        lines = []
        for f in self.fields():
            value = f.value_from_object(self.instance)
            if value in ("", None, [], {}):
                continue
            if f.choices:
                value = getattr(self.instance, f"get_{f.name}_display")()
            elif f.is_relation:
                value = str(getattr(self.instance, f.name))
            lines.append((str(f.verbose_name), _text(value)))
        return lines


@dataclass
class Section:
    key: str
    title: str | Promise
    records: list[Record]

    def as_json(self) -> list[dict[str, Any]]:
        return [record.as_json() for record in self.records]


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _records(rows: Iterable[models.Model]) -> list[Record]:
    return [Record(row) for row in rows]


def _offer_record(offer: Offer) -> Record:
    matches = [
        Record(match, [Section("check_ins", _("Check-ins"), _records(match.check_ins.all()))])
        for match in offer.matches.exclude(status=Match.Status.SUGGESTED)
    ]
    return Record(
        offer,
        [
            Section("status_changes", _("Status changes"), _records(offer.transitions.all())),
            Section("housing_checks", _("Checks of the housing"),
                    _records(offer.housing_checks.all())),
            Section("charter_acceptances", _("Host charter accepted"),
                    _records(offer.charter_acceptances.all())),
            Section("matches", _("Proposals and matches"), matches),
        ],
    )  # fmt: skip


def _audit_rows(entries: Iterable[AuditEntry], *, with_target: bool) -> list[dict[str, Any]]:
    return [
        {
            "at": entry.created_at.isoformat(),
            "action": entry.action,
            "label": str(action_label(entry.action)),
            **(
                {"target": f"{entry.target_type.model if entry.target_type else ''} "
                           f"{entry.target_id}".strip()}
                if with_target else {}
            ),
        }
        for entry in entries
    ]  # fmt: skip


@dataclass
class Export:
    """What the platform holds about one person or organisation."""

    subject: str
    sections: list[Section]
    audit: dict[str, list[dict[str, Any]]]
    generated_at: datetime = field(default_factory=timezone.now)

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "subject": self.subject,
            **{section.key: section.as_json() for section in self.sections},
            **self.audit,
        }


def user_export(user: User, offers: Iterable[Offer]) -> Export:
    """``offers``: the person's offers (``privacy.services.offers_of``)."""
    offers = list(offers)
    preference = NotificationPreference.objects.filter(user=user)
    looks = AuditEntry.objects.filter(action__in=CONTACT_READS).filter(
        models.Q(target_type__model="user", target_id=str(user.pk))
        | models.Q(target_type__model="offer", target_id__in=[str(o.pk) for o in offers])
    )
    sections = [
        Section("account", _("Your account"), [Record(user)]),
        Section("email_addresses", _("Your e-mail addresses"),
                _records(EmailAddress.objects.filter(user=user))),
        Section("city_sign_in", _("Sign-in through the city"),
                _records(SocialAccount.objects.filter(user=user))),
        Section("api_tokens", _("API tokens"), _records(AuthToken.objects.filter(user=user))),
        Section("notification_preferences", _("How we reach you"), _records(preference)),
        Section("memberships", _("Organisations you belong to"),
                _records(Membership.objects.filter(user=user).select_related("organisation"))),
        Section("offers", _("Your offers"), [_offer_record(offer) for offer in offers]),
        Section("host_charter_acceptances", _("Host charter accepted"),
                _records(HostCharterAcceptance.objects.filter(user=user))),
        Section("messages", _("Messages sent to you"),
                _records(Notification.objects.filter(recipient=user))),
        Section("invitations", _("Invitations sent to you"),
                _records(Invitation.objects.filter(email__iexact=user.email))),
        Section("needs_entered", _("Needs you entered (for an organisation)"),
                _records(Need.objects.filter(created_by=user).only(*NEED_SUMMARY))),
        Section("organisations_applied", _("Organisations you applied for"),
                _records(Organisation.objects.filter(applied_by=user))),
    ]  # fmt: skip
    audit = {
        "your_actions": _audit_rows(AuditEntry.objects.filter(actor=user), with_target=True),
        "looks_at_your_contact": _audit_rows(looks, with_target=False),
    }
    return Export(subject=user.email, sections=sections, audit=audit)


NEED_SUMMARY = ("id", "kind", "status", "organisation", "created_at")


def caller_export(offers: Iterable[Offer], contact: str) -> Export:
    """A caller of the phone line without an account: the offers taken with their contact."""
    return Export(
        subject=contact,
        sections=[
            Section("offers", _("Offers taken by phone"), [_offer_record(o) for o in offers])
        ],
        audit={},
    )


def organisation_export(organisation: Organisation) -> Export:
    needs = organisation.needs.prefetch_related("sectors")
    matches = Match.objects.filter(need__organisation=organisation).exclude(
        status=Match.Status.SUGGESTED
    )
    need_records = [
        Record(
            need,
            [
                Section("status_changes", _("Status changes"), _records(need.transitions.all())),
                Section("matches", _("Proposals and matches"),
                        [Record(m, [Section("status_changes", _("Status changes"),
                                            _records(m.transitions.all()))])
                         for m in matches.filter(need=need)]),
            ],
        )
        for need in needs
    ]  # fmt: skip
    sections = [
        Section("organisation", _("The organisation"), [Record(organisation)]),
        Section("members", _("Members"),
                [Record(m, [Section("person", _("Person"), [Record(m.user)])])
                 for m in organisation.memberships.select_related("user")]),
        Section("invitations", _("Invitations"), _records(organisation.invitations.all())),
        Section("public_listing", _("Public page on “Find help”"),
                _records(PublicListing.objects.filter(organisation=organisation))),
        Section("needs", _("Needs"), need_records),
    ]  # fmt: skip
    actions = AuditEntry.objects.filter(
        target_type__model="organisation", target_id=str(organisation.pk)
    )
    return Export(
        subject=organisation.name,
        sections=sections,
        audit={"history": _audit_rows(actions, with_target=False)},
    )


# The models of a person's own records, for the completeness test.
PERSONAL_MODELS: tuple[type[models.Model], ...] = (
    User, EmailAddress, SocialAccount, AuthToken, NotificationPreference, Membership, Offer,
    OfferTransition, HousingCheck, HostCharterAcceptance, Match, CheckIn, Notification,
    Invitation,
)  # fmt: skip
# Links to an account that are not the person's own data, and why they are not exported
# field by field.
NOT_EXPORTED: dict[tuple[str, str], str] = {
    ("core.auditentry", "actor"): "exported as 'your_actions' (what, when, on what)",
    ("needs.need", "created_by"): "the need is the organisation's: its id, kind and state only",
    ("accounts.organisation", "applied_by"): "exported under 'organisations_applied'",
    ("accounts.organisation", "verified_by"): "staff who verified it (their work)",
    ("accounts.organisation", "minors_accredited_by"): "staff who accredited it (their work)",
    ("offers.offer", "entered_by"): "staff who took the call (their work)",
    ("core.claim", "holder"): "staff holding an item of a queue (their work; lapses in minutes)",
    ("offers.housingcheck", "done_by"): "staff who checked (their work)",
    ("offers.hostcharter", "published_by"): "the coordinator who published it (their work)",
    ("offers.hostcharteracceptance", "recorded_by"): "staff who read it on the phone",
    ("offers.offertransition", "by"): "exported with the offer",
    ("needs.needtransition", "by"): "with the organisation's needs",
    ("matching.matchtransition", "by"): "with the match",
    ("matching.match", "proposed_by"): "staff who proposed it (their work)",
    ("matching.batchrun", "started_by"): "staff who started the run (their work)",
    ("notifications.notificationtransition", "by"): "staff who sent a message again",
    ("notifications.urgentcall", "author"): "staff who wrote the call (their work)",
    ("associations.invitation", "invited_by"): "the admin who invited (the organisation's)",
    ("associations.invitation", "accepted_by"): "exported under 'invitations'",
    ("associations.publiclisting", "updated_by"): "the organisation's page",
    ("imports.importmapping", "updated_by"): "staff work",
    ("imports.importjob", "created_by"): "staff work",
    ("imports.importjob", "imported_by"): "staff work",
    ("reports.networkdataset", "uploaded_by"): "staff work",
    ("account.emailaddress", "user"): "exported under 'email_addresses'",
    ("socialaccount.socialaccount", "user"): "exported under 'city_sign_in'",
    ("admin.logentry", "user"): "Django's admin log of coordinators' own edits",
    ("accounts.user_groups", "user"): "Django's groups: not used by the platform",
    ("accounts.user_user_permissions", "user"): "Django's permissions: not used by the platform",
}
