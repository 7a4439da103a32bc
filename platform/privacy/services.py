"""Every write of the data lifecycle: the purge, a person's erasure, a caller's erasure,
an organisation closed by its admins (docs/privacy.md).

History is anonymised, never deleted: a record keeps its kind, state, district, counts
and dates, so that the dashboard, the public statistics and the open data read the same
figures before and after. What names or locates a person goes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from accounts import roles
from accounts.models import Membership, Organisation, User
from associations.models import Invitation, PublicListing
from core.audit import audit
from core.errors import DomainError
from core.models import AuditEntry
from imports.models import ImportJob
from matching.models import Match, MatchTransition
from needs.models import Need, NeedTransition
from needs.services import need_cancel, need_close
from notifications.models import Notification
from notifications.services import notify
from offers.models import HostCharterAcceptance, Offer, OfferTransition, normalise_phone
from offers.services import offer_close
from privacy import anonymise
from privacy.retention import rule

PURGE_ACTION = "privacy.purge.run"
OFFER_ENDED = (Offer.Status.CLOSED, Offer.Status.EXPIRED, Offer.Status.REJECTED)
NEED_ENDED = (Need.Status.FULFILLED, Need.Status.CLOSED, Need.Status.CANCELLED, Need.Status.EXPIRED)
MATCH_ENDED = (
    Match.Status.COMPLETED,
    Match.Status.DECLINED,
    Match.Status.EXPIRED,
    Match.Status.CANCELLED,
)


# --- The purge ---------------------------------------------------------------------


def offers_due(now: datetime) -> QuerySet[Offer]:
    """Ended offers past their period. An offer whose stay is still running (a confirmed
    match) keeps its address for the association until the stay ends."""
    return Offer.objects.filter(
        status__in=OFFER_ENDED,
        anonymised_at__isnull=True,
        updated_at__lt=rule("offers").cutoff(now),
    ).exclude(matches__status=Match.Status.CONFIRMED)


def caller_contacts_due(now: datetime) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(
            status__in=OFFER_ENDED,
            anonymised_at__isnull=True,
            updated_at__lt=rule("phone_contacts").cutoff(now),
        )
        .exclude(caller_name="", caller_phone="", caller_email="")
        .exclude(matches__status=Match.Status.CONFIRMED)
    )


def needs_due(now: datetime) -> QuerySet[Need]:
    return Need.objects.filter(
        status__in=NEED_ENDED,
        anonymised_at__isnull=True,
        updated_at__lt=rule("needs").cutoff(now),
    ).exclude(matches__status=Match.Status.CONFIRMED)


def matches_due(now: datetime) -> QuerySet[Match]:
    return Match.objects.filter(
        status__in=MATCH_ENDED,
        anonymised_at__isnull=True,
        updated_at__lt=rule("matches").cutoff(now),
    )


def notifications_due(now: datetime) -> QuerySet[Notification]:
    return Notification.objects.filter(
        purged_at__isnull=True,
        created_at__lt=rule("notifications").cutoff(now),
        status__in=Notification.FINAL,
    )


def invitations_due(now: datetime) -> QuerySet[Invitation]:
    cutoff = rule("invitations").cutoff(now)
    return Invitation.objects.filter(
        Q(accepted_at__lt=cutoff)
        | Q(revoked_at__lt=cutoff)
        | Q(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lt=cutoff)
    )


def import_jobs_due(now: datetime) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.exclude(status__in=ImportJob.RUNNING).filter(
        updated_at__lt=rule("import_files").cutoff(now)
    )
    # Already emptied: no file left, and every copied row without its values.
    return jobs.exclude(content=b"", report__has_key="emptied")


def with_last_activity(users: QuerySet[User]) -> QuerySet[User]:
    """``last_activity``: the latest of joining, signing in and confirming an offer."""
    return users.annotate(
        last_activity=Greatest(
            Coalesce("last_login", "date_joined"),
            Coalesce(Max("offers__last_confirmed_at"), "date_joined"),
        )
    )


def inactive_accounts(now: datetime) -> QuerySet[User]:
    """Residents and association members without activity for the period; city staff's
    accounts follow their job (the city's directory), and nobody with a stay or a
    proposal in progress is inactive."""
    busy = Match.objects.filter(status__in=Match.HOLDING).values("offer__owner_id")
    return (
        with_last_activity(User.objects.filter(role=User.Role.RESIDENT, is_superuser=False))
        .exclude(pk__in=busy)
        .filter(last_activity__lt=rule("inactive_accounts").cutoff(now))  # type: ignore[misc]
    )


def accounts_to_warn(now: datetime) -> QuerySet[User]:
    return inactive_accounts(now).filter(inactivity_warned_at__isnull=True)


def accounts_to_erase(now: datetime) -> QuerySet[User]:
    warning = timedelta(days=rule("inactivity_warning").amount)
    return inactive_accounts(now).filter(inactivity_warned_at__lte=now - warning)


@dataclass
class PurgeReport:
    """What a run did (or, in a dry run, would do): counts per kind of record, never
    a value."""

    counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def purge_run(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Anonymise what is past its retention period, warn then erase inactive accounts,
    delete expired sessions, tokens and audit entries. One audit entry per run (not for a
    dry run) says what it did, in counts. Each step is its own transaction: a failure
    leaves the steps before it done and the run can simply start again."""
    now = now or timezone.now()
    report = PurgeReport(dry_run=dry_run)
    steps: list[tuple[str, Callable[[], QuerySet[Any]], Callable[[QuerySet[Any]], int]]] = [
        ("offers.offer", lambda: offers_due(now), lambda q: anonymise.anonymise_offers(q, now)),
        ("offers.caller_contact", lambda: caller_contacts_due(now),
         anonymise.erase_caller_contacts),
        ("needs.need", lambda: needs_due(now), lambda q: anonymise.anonymise_needs(q, now)),
        ("matching.match", lambda: matches_due(now), lambda q: anonymise.anonymise_matches(q, now)),
        ("notifications.notification", lambda: notifications_due(now),
         lambda q: anonymise.purge_notifications(q, now)),
        ("associations.invitation", lambda: invitations_due(now), anonymise.delete_invitations),
        ("imports.importjob", lambda: import_jobs_due(now), anonymise.empty_import_jobs),
        ("sessions.session", lambda: Session.objects.filter(expire_date__lt=now),
         lambda q: q.delete()[0]),
        ("knox.authtoken", lambda: AuthToken.objects.filter(expiry__lt=now),
         lambda q: q.delete()[0]),
    ]  # fmt: skip
    for key, due, act in steps:
        with transaction.atomic():
            rows = due()
            report.counts[key] = rows.count() if dry_run else act(rows)
    _accounts(report, now)
    with transaction.atomic():
        audit_cutoff = rule("audit").cutoff(now)
        report.counts["core.auditentry"] = (
            AuditEntry.objects.count_expiring(before=audit_cutoff, keep_actions=(PURGE_ACTION,))
            if dry_run
            else AuditEntry.objects.expire(before=audit_cutoff, keep_actions=(PURGE_ACTION,))
        )
        if not dry_run:
            periods = {r: settings.ENTRAIDE_RETENTION[r] for r in settings.ENTRAIDE_RETENTION}
            audit(
                actor=None,
                action=PURGE_ACTION,
                detail={"counts": report.counts, "periods": periods, "at": now.isoformat()},
            )
    return report


def _accounts(report: PurgeReport, now: datetime) -> None:
    """Warn the inactive, erase those warned long enough ago who did not come back, and
    forget the warning of those who did."""
    warned = User.objects.filter(inactivity_warned_at__isnull=False)
    came_back = with_last_activity(warned).filter(
        last_activity__gt=F("inactivity_warned_at")  # type: ignore[misc]
    )
    to_warn = list(accounts_to_warn(now).values_list("pk", flat=True))
    to_erase = list(accounts_to_erase(now).values_list("pk", flat=True))
    report.counts["accounts.user.came_back"] = came_back.count()
    report.counts["accounts.user.warned"] = len(to_warn)
    report.counts["accounts.user.erased"] = len(to_erase)
    if report.dry_run:
        return
    User.objects.filter(pk__in=list(came_back.values_list("pk", flat=True))).update(
        inactivity_warned_at=None
    )
    for pk in to_warn:
        with transaction.atomic():
            _warn(User.objects.get(pk=pk), now)
    for pk in to_erase:
        user = User.objects.filter(pk=pk).first()
        if user is not None:
            user_erase(user=user, by=None, reason="inactive")


def _warn(user: User, now: datetime) -> None:
    erase_on = timezone.localdate(now + timedelta(days=rule("inactivity_warning").amount))
    notify(
        type="privacy.inactivity_warning",
        key=f"privacy.inactivity_warning:{user.pk}:{now.date().isoformat()}",
        recipient=user,
        context={
            "erase_on": erase_on.isoformat(),
            "months": rule("inactive_accounts").amount,
            "url": reverse("account_login"),
        },
    )
    User.objects.filter(pk=user.pk).update(inactivity_warned_at=now)


# --- A person's erasure ---------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    offers_closed: int
    offers_anonymised: int
    proposals_cancelled: int


def offers_of(user: User) -> QuerySet[Offer]:
    """The offers of a person: those of their account, and those staff took by phone
    with their e-mail or phone before they had one."""
    mine = Q(owner=user) | Q(owner__isnull=True, caller_email__iexact=user.email)
    phone = normalise_phone(user.phone)
    if len(phone) >= 6:
        mine |= Q(owner__isnull=True, caller_phone=phone)
    return Offer.objects.filter(mine)


def _close_and_anonymise(offers: QuerySet[Offer], *, by: User | None) -> Erasure:
    """Close every offer not closed yet (its proposals waiting for an answer are cancelled
    and the other side told, by matching), then empty its personal fields now."""
    ids = list(offers.values_list("pk", flat=True))
    waiting = Match.objects.filter(offer_id__in=ids, status__in=Match.AWAITING_ANSWER)
    proposals = waiting.count()
    closed = 0
    for offer in Offer.objects.filter(pk__in=ids).exclude(status=Offer.Status.CLOSED):
        offer_close(offer=offer, by=by)
        closed += 1
    # What a resident wrote to decline a proposal is theirs too.
    declined = Match.objects.filter(offer_id__in=ids, declined_by=Match.Side.RESIDENT)
    declined.update(decline_reason="")
    anonymised = anonymise.anonymise_offers(Offer.objects.filter(pk__in=ids), timezone.now())
    return Erasure(closed, anonymised, proposals)


@transaction.atomic
def user_erase(*, user: User, by: User | None, reason: str = "request") -> Erasure:
    """Erase an account (GDPR article 17): its offers closed (live proposals cancelled,
    the other side told) and anonymised, what it wrote in records emptied, then the
    account, its e-mail addresses, tokens, sessions, memberships, messages and
    preferences deleted. Matches keep their state and dates (a completed stay stays
    completed for the association), without the person's contact; the counts of the
    association and of the city stay true.

    ``by`` is the person themself, a coordinator, or None (the purge of inactive
    accounts). City staff's own accounts are closed by a coordinator."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if by is not None and by.pk == user.pk and roles.is_staff_member(user):
        raise DomainError(
            _("A city staff account is closed by a coordinator, not from the account page."),
            code="staff_account",
        )
    if by is not None and by.pk != user.pk and not roles.is_coordinator(by):
        raise PermissionError("Only a coordinator erases someone else's account.")
    erasure = _close_and_anonymise(offers_of(user), by=by)
    for log in (OfferTransition, NeedTransition, MatchTransition):
        log.objects.filter(by=user).exclude(note="").update(note="")
    HostCharterAcceptance.objects.filter(user=user).update(user=None)
    Invitation.objects.filter(email__iexact=user.email).delete()
    _delete_sessions(user)
    user_id = user.pk
    user.delete()
    audit(
        actor=None if by is None or by.pk == user_id else by,
        action="privacy.account.erased",
        detail={
            "by": "retention" if by is None else "self" if by.pk == user_id else "coordinator",
            "reason": reason,
            "offers_closed": erasure.offers_closed,
            "offers_anonymised": erasure.offers_anonymised,
            "proposals_cancelled": erasure.proposals_cancelled,
        },
    )
    return erasure


def _delete_sessions(user: User) -> None:
    """Sessions in the database that hold this account (other devices, other browsers)."""
    key = str(user.pk)
    stale = [
        session.pk
        for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == key
    ]
    Session.objects.filter(pk__in=stale).delete()


# --- A caller of the phone line ------------------------------------------------------


def caller_offers(*, phone: str = "", email: str = "") -> QuerySet[Offer]:
    """Offers staff took by phone for someone without an account, found by the contact
    the person gives (exactly, the phone in its national form)."""
    condition = Q()
    digits = normalise_phone(phone)
    if len(digits) >= 6:
        condition |= Q(caller_phone=digits)
    if email.strip():
        condition |= Q(caller_email__iexact=email.strip())
    if not condition:
        return Offer.objects.none()
    return Offer.objects.filter(condition, owner__isnull=True).order_by("-created_at", "-id")


@transaction.atomic
def caller_erase(*, phone: str = "", email: str = "", by: User) -> Erasure:
    """A caller without an account asks to be erased: staff find their offers by the
    contact they give; each is closed (proposals cancelled, the association told) and
    anonymised at once. Audited with the counts, never the contact."""
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff erase a caller's data.")
    offers = caller_offers(phone=phone, email=email)
    if not offers.exists():
        raise DomainError(_("No offer was taken by phone with this contact."), code="not_found")
    erasure = _close_and_anonymise(offers, by=by)
    audit(
        actor=by,
        action="privacy.caller.erased",
        detail={
            "offers_closed": erasure.offers_closed,
            "offers_anonymised": erasure.offers_anonymised,
            "proposals_cancelled": erasure.proposals_cancelled,
        },
    )
    return erasure


# --- An organisation ------------------------------------------------------------------


@dataclass(frozen=True)
class Closure:
    needs_closed: int
    needs_anonymised: int
    members_removed: int


@transaction.atomic
def organisation_close(*, organisation: Organisation, by: User) -> Closure:
    """Its admins close an organisation: its needs still open are closed (proposals
    waiting for an answer cancelled, residents told) and every need's texts and
    references emptied; members and invitations removed; its public listing withdrawn and
    its contact erased. Its past needs and matches stay in the city's counts."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not roles.is_admin_of(by, organisation):
        raise DomainError(_("Only the organisation's admins can close it."), code="forbidden")
    closed = 0
    for need in organisation.needs.exclude(status__in=(Need.Status.CLOSED, Need.Status.CANCELLED)):
        if need.status == Need.Status.DRAFT:
            need_cancel(need=need, by=by)
        else:
            need_close(need=need, by=by)
        closed += 1
    anonymised = anonymise.anonymise_needs(organisation.needs.all(), timezone.now())
    members = Membership.objects.filter(organisation=organisation).delete()[0]
    Invitation.objects.filter(organisation=organisation).delete()
    PublicListing.objects.filter(organisation=organisation).update(
        listed=False, summary="", phone="", email="", address="", opening_hours="", website="",
        updated_by=None,
    )  # fmt: skip
    Organisation.objects.filter(pk=organisation.pk).update(
        contact_name="", contact_email="", contact_phone="", applied_by=None,
        closed_at=timezone.now(),
    )  # fmt: skip
    audit(
        actor=by,
        action="privacy.organisation.closed",
        target=organisation,
        detail={"needs_closed": closed, "needs_anonymised": anonymised, "members": members},
    )
    return Closure(closed, anonymised, members)
