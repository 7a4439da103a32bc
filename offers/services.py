"""Every write on offers: the resident's, the city staff's and the periodic ones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from core.audit import audit
from core.errors import DomainError
from core.lifecycle import transition
from core.pii import CONTACT_KINDS, personal_data_kinds
from core.text import clean_line, clean_reason, without_bidi_controls
from core.vocabulary import HelpKind
from notifications.services import notify
from offers import links
from offers.models import (
    HostCharter,
    HostCharterAcceptance,
    HousingCheck,
    Offer,
    OfferTransition,
    normalise_phone,
)
from offers.signals import offer_withdrawn

Status = Offer.Status
# A visit or a call older than this says nothing of the housing as it is now.
CHECK_VALID_DAYS = 365

# Fields a resident (or staff taking a call) may set; everything else belongs to the
# lifecycle, moderation and intake services below.
CONTENT_FIELDS = frozenset(
    {
        "title", "description", "sector", "street_address", "postcode", "housing_type",
        "capacity", "households_at_once", "household_types", "available_from", "available_until",
        "min_stay_nights", "max_stay_nights", "step_free_access", "pets_at_home",
        "contribution_per_month", "languages", "category", "quantity", "sizes", "condition",
        "best_before", "pickup_hours", "language_pairs", "weekly_slots", "remote_possible",
        "hours_per_month",
    }
)  # fmt: skip


def _move(offer: Offer, to: str, *, by: User | None, note: str = "", **fields: Any) -> Offer:
    return transition(
        instance=offer,
        to=to,
        table=Offer.TRANSITIONS,
        log_model=OfferTransition,
        by=by,
        note=note,
        fields=fields,
    )


def _validated(offer: Offer) -> None:
    """Model validation as a DomainError, for callers that are not forms (API, services)."""
    try:
        offer.validate_without_queries()
    except ValidationError as error:
        messages = [str(message) for message in error.messages]
        raise DomainError(" ".join(messages), code="invalid_offer") from error


def _assign(offer: Offer, data: Mapping[str, Any]) -> None:
    unknown = set(data) - CONTENT_FIELDS
    if unknown:
        raise ValueError(f"Not offer content: {sorted(unknown)}")
    for name, value in data.items():
        # What staff and the other side read carries no bidi override (core.text).
        setattr(offer, name, without_bidi_controls(value) if isinstance(value, str) else value)
    offer.title = clean_line(offer.title)
    offer.text_flags = text_flags(offer)


# The texts of an offer the detector reads (core.pii): contact details are refused by
# ``Offer.clean``; anything else it spots (a name, an origin, a religion...) is flagged for
# the staff who review the offer.
TEXT_FIELDS = ("title", "description", "pickup_hours", "language_pairs", "sizes")


def text_flags(offer: Offer) -> list[str]:
    kinds = {kind for name in TEXT_FIELDS for kind in personal_data_kinds(getattr(offer, name))}
    return sorted(str(kind) for kind in kinds - CONTACT_KINDS)


def _offer_url(offer: Offer) -> str:
    return reverse("offers:detail", args=[offer.pk])


def _tell_owner(offer: Offer, type_name: str, event: str, **context: Any) -> None:
    if offer.owner is None:
        return
    notify(
        type=type_name,
        key=f"{type_name}:{offer.pk}:{event}",
        recipient=offer.owner,
        context={"offer_id": offer.pk, "title": offer.title, "url": _offer_url(offer), **context},
    )


# --- The resident ------------------------------------------------------------------


@transaction.atomic
def offer_create(*, owner: User, kind: str, data: Mapping[str, Any]) -> Offer:
    """A new draft offer; nothing is public until staff publish it."""
    offer = Offer(owner=owner, kind=kind, language=owner.preferred_language or "fr")
    _assign(offer, data)
    _validated(offer)
    offer.save()
    OfferTransition.objects.create(
        subject=offer, from_status="", to_status=Status.DRAFT, by=owner, at=timezone.now()
    )
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, by: User, data: Mapping[str, Any]) -> Offer:
    """Change what an offer says. A published or paused offer goes back to review, so that
    nothing unchecked is ever proposed to anyone."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.status not in Offer.EDITABLE:
        raise DomainError(_("A closed or expired offer cannot be changed."), code="not_editable")
    moved = (offer.street_address, offer.postcode)
    _assign(offer, data)
    _validated(offer)
    offer.save()
    if offer.is_housing and moved != (offer.street_address, offer.postcode):
        offer.housing_checks.all().delete()  # another place: visit and call again
    if offer.status in (Status.PUBLISHED, Status.PAUSED) and not roles.is_staff_member(by):
        _move(offer, Status.PENDING, by=by, note="edited", submitted_at=timezone.now())
        _withdrawn(offer, by=by, reason="back_to_review")
    return offer


@transaction.atomic
def offer_submit(*, offer: Offer, by: User, accept_charter: bool = False) -> Offer:
    """Send a draft (or a refused offer, once changed) to the city team for review.

    A housing offer goes only once its host has accepted the charter in force: ticking
    ``accept_charter`` records that acceptance (version, date, language); a host who
    accepted this version for an earlier offer is not asked again, a new version asks.
    """
    _validated(offer)
    if offer.is_housing:
        charter = charter_to_accept(by)
        if charter is not None:
            if not accept_charter:
                raise DomainError(
                    _(
                        "Read and accept the host charter (version %(version)s) to send a "
                        "housing offer."
                    )
                    % {"version": charter.version},
                    code="charter_not_accepted",
                )
            host_charter_accept(charter=charter, user=by, offer=offer)
    return _move(offer, Status.PENDING, by=by, submitted_at=timezone.now())


# --- The host charter --------------------------------------------------------------


def charter_to_accept(user: User | None) -> HostCharter | None:
    """The charter in force if ``user`` has not accepted it yet (None: nothing to accept)."""
    charter = HostCharter.objects.current()
    if charter is None:
        return None
    if (
        user is not None
        and HostCharterAcceptance.objects.filter(user=user, charter=charter).exists()
    ):
        return None
    return charter


def host_charter_accept(
    *, charter: HostCharter, user: User | None, offer: Offer, recorded_by: User | None = None
) -> HostCharterAcceptance:
    return HostCharterAcceptance.objects.create(
        charter=charter,
        user=user,
        offer=offer,
        recorded_by=recorded_by,
        language=(user.preferred_language if user else "") or translation.get_language() or "",
    )


@transaction.atomic
def host_charter_publish(*, by: User, texts: Mapping[str, str]) -> HostCharter:
    """A coordinator publishes a new version of the charter; hosts accept it at their next
    housing offer. Texts are per site language; French (the default) is required."""
    if not roles.is_coordinator(by):
        raise PermissionError("Only coordinators write the host charter.")
    languages = dict(settings.ENTRAIDE_FULL_LANGUAGES)
    unknown = set(texts) - set(languages)
    if unknown:
        raise DomainError(_("Unknown language: %(codes)s.") % {"codes": ", ".join(sorted(unknown))})
    cleaned = {code: text.strip() for code, text in texts.items() if text and text.strip()}
    if not cleaned.get(settings.LANGUAGE_CODE):
        raise DomainError(
            _("Write the charter in French at least: it is shown where a language is missing."),
            code="charter_french_missing",
        )
    latest = HostCharter.objects.order_by("-version").first()
    try:
        with transaction.atomic():  # the version is unique: two at once cannot both be next
            charter = HostCharter.objects.create(
                version=(latest.version + 1) if latest else 1, texts=cleaned, published_by=by
            )
    except IntegrityError:
        raise DomainError(
            _("Another coordinator published a version just now: read it, then publish yours."),
            code="transition_refused",
        ) from None
    audit(
        actor=by,
        action="offers.host_charter.published",
        target=charter,
        detail={"version": charter.version, "languages": sorted(cleaned)},
    )
    return charter


def _withdrawn(offer: Offer, *, by: User | None, reason: str) -> None:
    """Tell the platform the offer can no longer be proposed (matching frees its holds)."""
    offer_withdrawn.send(sender=Offer, offer=offer, by=by, reason=reason)


@transaction.atomic
def offer_pause(*, offer: Offer, by: User | None) -> Offer:
    offer = _move(offer, Status.PAUSED, by=by)
    _withdrawn(offer, by=by, reason="paused")
    return offer


def _locked_in(offer: Offer, *allowed: str) -> Offer:
    """The offer, locked, if it is in one of ``allowed``: the transition table says what
    may follow what, this says which service may start from where (resuming is not
    approving, though both lead to "published")."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.status not in allowed:
        labels = dict(Offer.Status.choices)
        raise DomainError(
            _("This cannot be done to an offer that is “%(status)s”.")
            % {"status": labels[offer.status]},
            code="transition_refused",
        )
    return offer


@transaction.atomic
def offer_resume(*, offer: Offer, by: User) -> Offer:
    offer = _locked_in(offer, Status.PAUSED)
    return _move(offer, Status.PUBLISHED, by=by, last_confirmed_at=timezone.now())


@transaction.atomic
def offer_close(*, offer: Offer, by: User | None) -> Offer:
    offer = _move(offer, Status.CLOSED, by=by)
    _withdrawn(offer, by=by, reason="closed")
    return offer


@transaction.atomic
def offer_confirm_availability(*, offer: Offer, by: User | None) -> Offer:
    """The owner says the offer still stands: its 30-day clock starts again. An expired
    offer comes back; a paused one stays paused."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    now = timezone.now()
    if offer.status == Status.EXPIRED:
        return _move(offer, Status.PUBLISHED, by=by, note="confirmed", last_confirmed_at=now)
    if offer.status not in (Status.PUBLISHED, Status.PAUSED):
        raise DomainError(
            _("Only a published, paused or expired offer can be confirmed."), code="not_published"
        )
    offer.last_confirmed_at = now
    offer.save(update_fields=["last_confirmed_at", "updated_at"])
    return offer


# --- City staff --------------------------------------------------------------------


def missing_housing_checks(offer: Offer) -> list[str]:
    """The vetting steps (a setting) not yet recorded for a housing offer."""
    if not offer.is_housing:
        return []
    done = set(offer.housing_checks.values_list("step", flat=True))
    return [step for step in settings.ENTRAIDE_HOUSING_VETTING_STEPS if step not in done]


@transaction.atomic
def housing_check_record(
    *, offer: Offer, step: str, done_on: date, by: User, note: str = ""
) -> HousingCheck:
    if not offer.is_housing:
        raise DomainError(_("Only housing offers are vetted."), code="not_housing")
    if step not in HousingCheck.Step.values:
        raise DomainError(_("Unknown vetting step."), code="unknown_step")
    if done_on > timezone.localdate():
        raise DomainError(_("A check cannot be dated in the future."), code="future_check")
    if done_on < timezone.localdate() - timedelta(days=CHECK_VALID_DAYS):
        raise DomainError(
            _("A check more than a year old no longer vouches for the housing: check again."),
            code="old_check",
        )
    check, _created = HousingCheck.objects.update_or_create(
        offer=offer, step=step, defaults={"done_on": done_on, "done_by": by, "note": note}
    )
    audit(actor=by, action="offers.offer.vetting_recorded", target=offer, detail={"step": step})
    return check


@transaction.atomic
def offer_approve(*, offer: Offer, by: User) -> Offer:
    """Publish a pending offer. A housing offer needs its vetting checklist complete."""
    offer = _locked_in(offer, Status.PENDING)
    missing = missing_housing_checks(offer)
    if missing:
        labels = dict(HousingCheck.Step.choices)
        raise DomainError(
            _("Before publishing this housing offer, record: %(steps)s.")
            % {"steps": ", ".join(str(labels[step]) for step in missing)},
            code="vetting_incomplete",
        )
    now = timezone.now()
    _move(offer, Status.PUBLISHED, by=by, published_at=now, last_confirmed_at=now,
          moderation_message="")  # fmt: skip
    audit(actor=by, action="offers.offer.approved", target=offer)
    _tell_owner(offer, "offers.offer_published", f"published:{now.timestamp()}")
    return offer


def offers_approve_many(*, offers: Iterable[Offer], by: User) -> tuple[list[Offer], list[Offer]]:
    """Publish pending offers of goods and skills at once, after staff previewed them:
    ``(published, left aside)``. Housing is never published in bulk (it keeps its vetting
    steps, one offer at a time), nor an offer no longer pending; each offer is its own
    transaction and its own audit entry, as if approved one by one."""
    published, left = [], []
    for offer in offers:
        if offer.kind == HelpKind.HOUSING:
            left.append(offer)
            continue
        try:
            published.append(offer_approve(offer=offer, by=by))
        except DomainError:
            left.append(offer)
    return published, left


@transaction.atomic
def offer_reject(*, offer: Offer, by: User, reason: str) -> Offer:
    """Refuse a pending offer; the resident sees the reason and can change and resubmit."""
    reason = clean_reason(reason)
    if not reason:
        raise DomainError(_("Write the reason: the resident will read it."), code="no_reason")
    _move(offer, Status.REJECTED, by=by, note=reason, moderation_message=reason)
    audit(actor=by, action="offers.offer.rejected", target=offer)
    _tell_owner(offer, "offers.offer_rejected", f"rejected:{timezone.now().timestamp()}")
    return offer


@transaction.atomic
def offer_request_information(*, offer: Offer, by: User, question: str) -> Offer:
    """Send a pending offer back to its owner with a question; they answer by completing it."""
    question = clean_reason(question)
    if not question:
        raise DomainError(_("Write the question for the resident."), code="no_question")
    _move(offer, Status.DRAFT, by=by, note=question, moderation_message=question)
    audit(actor=by, action="offers.offer.information_requested", target=offer)
    _tell_owner(offer, "offers.information_requested", f"asked:{timezone.now().timestamp()}")
    return offer


@transaction.atomic
def offer_withdraw(*, offer: Offer, by: User, reason: str) -> Offer:
    """Staff take a published or paused offer out of matching (a doubt about the host, a
    complaint): it goes back to review with the reason its owner reads, and its
    proposals waiting for an answer are cancelled at once."""
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff withdraw an offer.")
    reason = clean_reason(reason)
    if not reason:
        raise DomainError(_("Write the reason: the resident will read it."), code="no_reason")
    offer = _locked_in(offer, Status.PUBLISHED, Status.PAUSED)
    now = timezone.now()
    _move(offer, Status.PENDING, by=by, note=reason, moderation_message=reason,
          submitted_at=now)  # fmt: skip
    audit(actor=by, action="offers.offer.withdrawn", target=offer)
    _tell_owner(offer, "offers.offer_withdrawn", f"withdrawn:{now.timestamp()}")
    _withdrawn(offer, by=by, reason="withdrawn")
    return offer


def offer_contact_reveal(*, offer: Offer, by: User) -> dict[str, str]:
    """The exact address and the owner's contact, for staff only, each look audited."""
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff see an offer's address and contact.")
    audit(actor=by, action="offers.offer.contact_viewed", target=offer)
    return {
        "name": offer.contact_name,
        "phone": offer.contact_phone,
        "email": offer.contact_email,
        "street_address": offer.street_address,
        "postcode": offer.postcode,
    }


@transaction.atomic
def offer_take_by_phone(
    *,
    by: User,
    kind: str,
    data: Mapping[str, Any],
    caller_name: str,
    caller_phone: str,
    caller_email: str,
    consent: bool,
    charter_accepted: bool = False,
) -> Offer:
    """Staff enter an offer for a caller without an account (the guide's phone line). It
    goes straight to review; the caller gets a link to take it over if they gave an e-mail.
    A housing offer needs the caller's acceptance of the host charter, read to them."""
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff take offers by phone.")
    if not consent:
        raise DomainError(
            _("Record the caller's consent to keep their contact before saving."),
            code="no_consent",
        )
    charter = HostCharter.objects.current() if kind == HelpKind.HOUSING else None
    if charter is not None and not charter_accepted:
        raise DomainError(
            _(
                "Read the host charter (version %(version)s) to the caller and record "
                "that they accept it."
            )
            % {"version": charter.version},
            code="charter_not_accepted",
        )
    if not (normalise_phone(caller_phone) or caller_email.strip()):
        raise DomainError(_("Give the caller's phone or e-mail."), code="no_contact")
    now = timezone.now()
    offer = Offer(
        kind=kind,
        origin=Offer.Origin.PHONE,
        entered_by=by,
        caller_name=caller_name.strip(),
        caller_phone=normalise_phone(caller_phone),
        caller_email=caller_email.strip().lower(),
        consent_recorded_at=now,
        status=Status.PENDING,
        submitted_at=now,
    )
    _assign(offer, data)
    _validated(offer)
    offer.save()
    OfferTransition.objects.create(
        subject=offer, from_status="", to_status=Status.PENDING, by=by, at=now, note="phone"
    )
    audit(actor=by, action="offers.offer.taken_by_phone", target=offer)
    if charter is not None:
        host_charter_accept(charter=charter, user=None, offer=offer, recorded_by=by)
    if offer.caller_email:
        notify(
            type="offers.takeover_invitation",
            key=f"offers.takeover_invitation:{offer.pk}",
            address=offer.caller_email,
            context={
                "offer_id": offer.pk,
                "title": offer.title,
                "url": reverse("offers:take-over", args=[links.takeover_token(offer)]),
            },
        )
    return offer


@transaction.atomic
def offer_take_over(*, offer: Offer, user: User) -> Offer:
    """The caller, now signed in, becomes the owner; their phone-intake contact is
    dropped since their account now holds it."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.owner_id is not None:
        raise DomainError(_("This offer already belongs to an account."), code="owned")
    if offer.caller_email and offer.caller_email.lower() != user.email.lower():
        raise DomainError(
            _("Sign in with the e-mail address the link was sent to, to take this offer over."),
            code="other_email",
        )
    offer.owner = user
    offer.caller_name = offer.caller_phone = offer.caller_email = ""
    offer.save(update_fields=["owner", "caller_name", "caller_phone", "caller_email",
                              "updated_at"])  # fmt: skip
    audit(actor=user, action="offers.offer.taken_over", target=offer)
    return offer


CALL_BACK_ANSWERS = ("available", "pause", "close")


@transaction.atomic
def offer_answer_by_phone(*, offer: Offer, by: User, answer: str) -> Offer:
    """Staff called back the person who gave an offer by phone, and record their answer to
    "is it still available?": confirmed (its clock starts again), paused or closed."""
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff record an answer given on the phone.")
    if answer not in CALL_BACK_ANSWERS:
        raise ValueError(answer)
    if answer == "available":
        offer = offer_confirm_availability(offer=offer, by=by)
    elif answer == "pause":
        offer = _locked_in(offer, Status.PUBLISHED)
        offer = offer_pause(offer=offer, by=by)
    else:
        offer = offer_close(offer=offer, by=by)
    audit(actor=by, action="offers.offer.availability_answered_by_phone", target=offer,
          detail={"answer": answer})  # fmt: skip
    return offer


# --- Periodic ----------------------------------------------------------------------


def offers_send_availability_reminders(*, now: Any = None) -> int:
    """Ask the owner of every offer published for 30 days without a confirmation. An
    offer taken by phone joins the same cycle: it goes on the staff's call-back list
    (``selectors.call_back_list``), its caller gets the link if they gave an e-mail, and it
    expires like the others if nobody confirms it."""
    now = now or timezone.now()
    due = now - timedelta(days=settings.ENTRAIDE_OFFER_CONFIRM_EVERY_DAYS)
    sent = 0
    candidates = (
        Offer.objects.published()
        .filter(last_confirmed_at__lte=due)
        .exclude(reminder_sent_at__gt=F("last_confirmed_at"))
    )
    for offer_id in candidates.values_list("pk", flat=True).iterator():
        sent += _remind(offer_id, now)
    return sent


@transaction.atomic
def _remind(offer_id: int, now: Any) -> int:
    offer = Offer.objects.select_for_update(of=("self",)).select_related("owner").get(pk=offer_id)
    if (
        offer.reminder_sent_at
        and offer.last_confirmed_at
        and (offer.reminder_sent_at > offer.last_confirmed_at)
    ):
        return 0
    offer.reminder_sent_at = now
    offer.save(update_fields=["reminder_sent_at"])
    assert offer.last_confirmed_at is not None
    if offer.owner is None and not offer.caller_email:
        return 1  # on the call-back list only
    notify(
        type="offers.availability_reminder",
        key=f"offers.availability_reminder:{offer.pk}:{offer.last_confirmed_at.timestamp()}",
        recipient=offer.owner,
        address="" if offer.owner else offer.caller_email,
        language=None if offer.owner else offer.language,
        context={
            "offer_id": offer.pk,
            "title": offer.title,
            "days": settings.ENTRAIDE_OFFER_CONFIRM_GRACE_DAYS,
            "url": reverse("offers:availability", args=[links.availability_token(offer)]),
        },
    )
    return 1


def offers_expire_unconfirmed(*, now: Any = None) -> int:
    """Expire published offers whose owner did not answer the reminder in time."""
    now = now or timezone.now()
    deadline = now - timedelta(days=settings.ENTRAIDE_OFFER_CONFIRM_GRACE_DAYS)
    stale = Offer.objects.published().filter(
        reminder_sent_at__lte=deadline, reminder_sent_at__gt=F("last_confirmed_at")
    )
    expired = 0
    for offer_id in stale.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            offer = Offer.objects.select_for_update().get(pk=offer_id)
            if offer.status != Status.PUBLISHED:
                continue
            _move(offer, Status.EXPIRED, by=None, note="not confirmed")
            _withdrawn(offer, by=None, reason="expired")
            _tell_owner(offer, "offers.offer_expired", f"expired:{offer.reminder_sent_at}")
            expired += 1
    return expired


def offers_expire_past_end(*, today: date | None = None) -> int:
    """Published or paused offers whose end date has passed leave the published set (the
    daily task): they are expired, matching frees what their proposals held, and each
    owner is told."""
    today = today or timezone.localdate()
    ended = Offer.objects.filter(
        status__in=(Status.PUBLISHED, Status.PAUSED), available_until__lt=today
    )
    expired = 0
    for offer_id in ended.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            offer = Offer.objects.select_for_update().get(pk=offer_id)
            if offer.status not in (Status.PUBLISHED, Status.PAUSED) or not (
                offer.available_until and offer.available_until < today
            ):
                continue  # changed meanwhile
            _move(offer, Status.EXPIRED, by=None, note="end date passed")
            _withdrawn(offer, by=None, reason="expired")
            until = offer.available_until.isoformat()
            _tell_owner(offer, "offers.offer_ended", f"ended:{until}", until=until)
            expired += 1
    return expired
