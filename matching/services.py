"""Every write on matches: propose, accept, decline, confirm, cancel, complete, expire.

Units are held from the moment a match is proposed until it is declined, cancelled or
expired, so that nobody is promised a bed twice. Each write that changes what an offer
or a need has left locks the offer's row, then the need's, always in that order, and
counts what the live matches hold inside that lock: two staff members proposing the last
bed at the same moment are served one after the other, and the second one is refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Membership, User
from core.audit import audit
from core.errors import DomainError
from core.lifecycle import transition
from matching import retrieval
from matching.models import CheckIn, Match, MatchTransition
from matching.retrieval import held
from needs.models import Need
from needs.services import need_record_matching
from notifications.services import notify
from offers.models import Offer

Status = Match.Status


def _move(match: Match, to: str, *, by: User | None, note: str = "", **fields: Any) -> Match:
    return transition(
        instance=match,
        to=to,
        table=Match.TRANSITIONS,
        log_model=MatchTransition,
        by=by,
        note=note[:1000],
        locked=True,
        fields=fields,
    )


def _lock(match: Match) -> Match:
    """Lock the offer, then the need, then the match: the one order every write uses."""
    Offer.objects.select_for_update().filter(pk=match.offer_id).first()
    Need.objects.select_for_update().filter(pk=match.need_id).first()
    return (
        Match.objects.select_for_update(of=("self",))
        .select_related("offer", "need")
        .get(pk=match.pk)
    )


def offer_remaining(offer: Offer) -> int:
    return max(retrieval.offer_units(offer) - held(offer=offer), 0)


def need_remaining(need: Need) -> int:
    return max(retrieval.need_units(need) - held(need=need), 0)


def _answer_due() -> Any:
    return timezone.now() + timedelta(days=settings.ENTRAIDE_MATCH_ANSWER_DAYS)


# --- Staff -------------------------------------------------------------------------


@transaction.atomic
def match_suggest(
    *,
    need: Need,
    offer: Offer,
    score: float,
    criteria: list[dict[str, Any]],
    batch: Any = None,
) -> Match:
    """A suggestion for staff to review (from the workbench or a batch run); holds nothing."""
    match, _created = Match.objects.get_or_create(
        need=need,
        offer=offer,
        status=Status.SUGGESTED,
        defaults={"score": score, "criteria": criteria, "batch": batch},
    )
    return match


@transaction.atomic
def match_propose(
    *,
    need: Need,
    offer: Offer,
    by: User,
    units: int | None = None,
    score: float = 0,
    criteria: list[dict[str, Any]] | None = None,
) -> Match:
    """Staff propose the pair to both sides, who are told; the units are held."""
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff propose matches.")
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    need = Need.objects.select_for_update().get(pk=need.pk)
    problems = retrieval.pair_problems(need, offer)
    if problems:
        raise DomainError(
            _("This pair cannot be proposed: %(problems)s.") % {"problems": "; ".join(problems)},
            code="incompatible",
        )
    available = min(offer_remaining(offer), need_remaining(need))
    units = units or available
    if units < 1 or units > available:
        raise DomainError(
            _("The offer or the need has nothing left to propose: someone was faster."),
            code="nothing_left",
        )
    if Match.objects.filter(need=need, offer=offer, status__in=Match.HOLDING).exists():
        raise DomainError(
            _("This offer is already proposed for this need."), code="already_proposed"
        )
    match = Match.objects.filter(need=need, offer=offer, status=Status.SUGGESTED).first()
    if match is None:
        match = Match.objects.create(
            need=need, offer=offer, units=units, score=score, criteria=criteria or []
        )
        MatchTransition.objects.create(
            subject=match, from_status="", to_status=Status.SUGGESTED, by=by, at=timezone.now()
        )
    match.units = units
    _move(
        match,
        Status.PROPOSED,
        by=by,
        proposed_by=by,
        proposed_at=timezone.now(),
        answer_due=_answer_due(),
        units=units,
    )
    audit(actor=by, action="matching.match.proposed", target=match, detail={"units": units})
    _tell_both(match, "proposal")
    return match


@transaction.atomic
def match_propose_suggestion(*, match: Match, by: User) -> list[Match]:
    """Propose a stored suggestion exactly as planned: its units, its reasons, and for a
    combination both offers together, or nothing if one of them no longer fits."""
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff propose matches.")
    members = [match]
    if match.combination is not None:
        members = list(
            Match.objects.filter(combination=match.combination, status=Status.SUGGESTED)
            .select_related("need", "offer")
            .order_by("offer_id")
        )
        if len(members) < 2:
            raise DomainError(_("This combination is no longer complete."), code="incompatible")
        _check_combination(members)
    if match.combination is None:
        return [
            match_propose(
                need=match.need,
                offer=match.offer,
                by=by,
                units=match.units,
                score=match.score,
                criteria=match.criteria,
            )
        ]
    if need_remaining(members[0].need) < 1 or any(offer_remaining(m.offer) < 1 for m in members):
        raise DomainError(
            _("The offer or the need has nothing left to propose: someone was faster."),
            code="nothing_left",
        )
    return [_propose_member(member, by=by) for member in members]


def _check_combination(members: list[Match]) -> None:
    """Each offer breaks no rule but the beds, and together they have enough."""
    for member in members:
        Offer.objects.select_for_update().filter(pk=member.offer_id).first()
    need = Need.objects.select_for_update().get(pk=members[0].need_id)
    problems = retrieval.combination_problems(need, [m.offer for m in members])
    if problems:
        raise DomainError(
            _("This pair cannot be proposed: %(problems)s.") % {"problems": "; ".join(problems)},
            code="incompatible",
        )


def _propose_member(match: Match, *, by: User) -> Match:
    match = Match.objects.select_for_update(of=("self",)).get(pk=match.pk)
    _move(match, Status.PROPOSED, by=by, proposed_by=by, proposed_at=timezone.now(),
          answer_due=_answer_due())  # fmt: skip
    audit(actor=by, action="matching.match.proposed", target=match,
          detail={"units": match.units, "combination": str(match.combination)})  # fmt: skip
    _tell_both(match, "proposal")
    return match


def _end_partners(match: Match, *, by: User | None, note: str) -> None:
    """A household is not split: when one offer of a combination falls through, so does
    the other (cancelled, which frees what it held)."""
    for partner in match.partners().filter(status__in=Match.AWAITING_ANSWER):
        partner = _lock(partner)
        if partner.status in Match.AWAITING_ANSWER:
            _move(partner, Status.CANCELLED, by=by, note=note)
            audit(actor=by, action="matching.match.cancelled", target=partner,
                  detail={"combination": str(match.combination)})  # fmt: skip
            _tell_both(partner, "cancelled")


@transaction.atomic
def match_cancel(*, match: Match, by: User, reason: str = "") -> Match:
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff cancel matches.")
    match = _lock(match)
    was_confirmed = match.status == Status.CONFIRMED
    _move(match, Status.CANCELLED, by=by, note=reason)
    audit(actor=by, action="matching.match.cancelled", target=match)
    if was_confirmed:
        _record_need_progress(match.need, by=by)
    if match.proposed_at:
        _tell_both(match, "cancelled")
    return match


# --- Both sides --------------------------------------------------------------------


def side_of(user: Any, match: Match) -> str | None:
    """Which side of the match ``user`` answers for: the one place for this rule."""
    if match.offer.owner_id is not None and match.offer.owner_id == getattr(user, "pk", None):
        return Match.Side.RESIDENT
    organisation = match.need.organisation
    # Membership, not "may manage needs": staff may enter a need for an association, but
    # they do not answer, or read contacts, in its name.
    if organisation is not None and roles.is_member_of(user, organisation):
        return Match.Side.ASSOCIATION
    if organisation is None and roles.is_staff_member(user):
        return Match.Side.ASSOCIATION  # a person met at a counter: staff answer for them
    if match.offer.owner_id is None and roles.is_staff_member(user):
        return Match.Side.RESIDENT  # a caller of the phone line without an account
    return None


@transaction.atomic
def match_accept(*, match: Match, by: User) -> Match:
    """One side says yes; when both have, the match is confirmed and contacts revealed."""
    match = _lock(match)
    side = side_of(by, match)
    if side is None:
        raise PermissionError("Only the two sides of a match answer it.")
    now = timezone.now()
    if match.accepted_by(side) or match.status not in Match.AWAITING_ANSWER:
        raise DomainError(_("This proposal is not waiting for your answer."), code="answered")
    if match.answer_due is not None and match.answer_due < now:
        raise DomainError(_("This proposal has expired."), code="expired")
    if match.offer.status != Offer.Status.PUBLISHED or match.need.status not in (
        *Need.ACTIVE,
        Need.Status.MATCHED,
    ):
        raise DomainError(
            _("The offer or the need was withdrawn meanwhile: this proposal no longer stands."),
            code="withdrawn",
        )
    stamp: dict[str, Any]
    if side == Match.Side.RESIDENT:
        target, stamp = Status.ACCEPTED_BY_RESIDENT, {"resident_accepted_at": now}
    else:
        target, stamp = Status.ACCEPTED_BY_ASSOCIATION, {"association_accepted_at": now}
    if match.status != Status.PROPOSED:  # the other side said yes already
        target = Status.CONFIRMED
        stamp["confirmed_at"] = now
    _move(match, target, by=by, **stamp)
    audit(actor=by, action="matching.match.accepted", target=match, detail={"side": side})
    if target == Status.CONFIRMED:
        _on_confirmed(match, by=by)
    return match


@transaction.atomic
def match_decline(*, match: Match, by: User, reason: str = "") -> Match:
    match = _lock(match)
    side = side_of(by, match)
    if side is None:
        raise PermissionError("Only the two sides of a match answer it.")
    if match.status not in Match.AWAITING_ANSWER:
        raise DomainError(_("This proposal is not waiting for your answer."), code="answered")
    _move(
        match, Status.DECLINED, by=by, note=reason, declined_by=side, decline_reason=reason.strip()
    )
    audit(actor=by, action="matching.match.declined", target=match, detail={"side": side})
    _tell_both(match, "declined")
    _end_partners(match, by=by, note="the other offer of the combination was declined")
    return match


@transaction.atomic
def match_complete(*, match: Match, by: User) -> Match:
    match = _lock(match)
    if side_of(by, match) is None and not roles.is_staff_member(by):
        raise PermissionError("Only the two sides or staff complete a match.")
    _move(match, Status.COMPLETED, by=by, completed_at=timezone.now())
    audit(actor=by, action="matching.match.completed", target=match)
    return match


def match_contact(*, match: Match, by: User) -> dict[str, str]:
    """What one side sees of the other once both accepted (each look audited)."""
    side = side_of(by, match)
    if side is None or not match.contact_visible:
        raise PermissionError("Contacts are shown to the two sides of a confirmed match.")
    audit(actor=by, action="matching.match.contact_viewed", target=match, detail={"side": side})
    if side == Match.Side.ASSOCIATION:
        offer = match.offer
        return {
            "name": offer.contact_name,
            "phone": offer.contact_phone,
            "email": offer.contact_email,
            "street_address": offer.street_address,
            "postcode": offer.postcode,
        }
    organisation = match.need.organisation
    if organisation is None:
        return {
            "name": str(settings.ENTRAIDE_CITY_NAME),
            "phone": settings.ENTRAIDE_PHONE_LINE,
            "email": settings.ENTRAIDE_CONTACT_EMAIL,
        }
    return {
        "name": f"{organisation.name} — {organisation.contact_name}".strip(" —"),
        "phone": organisation.contact_phone,
        "email": organisation.contact_email,
    }


# --- Consequences ------------------------------------------------------------------


def _record_need_progress(need: Need, *, by: User | None) -> None:
    visible = Match.objects.filter(need=need, status__in=Match.CONTACT_VISIBLE)
    confirmed = retrieval.need_units_held(visible, whole=2).get(need.pk, 0)
    wanted = retrieval.need_units(need)
    target = (
        Need.Status.MATCHED
        if confirmed >= wanted
        else Need.Status.PARTLY_MATCHED
        if confirmed
        else Need.Status.OPEN
    )
    if need.status != target and need.status in (*Need.ACTIVE, Need.Status.MATCHED):
        need_record_matching(need=need, to=target, by=by)


def _on_confirmed(match: Match, *, by: User) -> None:
    _record_need_progress(match.need, by=by)
    if match.offer.kind == "housing" and match.confirmed_at is not None:
        start = match.confirmed_at.date()
        CheckIn.objects.bulk_create(
            [
                CheckIn(match=match, side=side, round=round_, due_on=start + timedelta(days=days))
                for side in (Match.Side.RESIDENT, Match.Side.ASSOCIATION)
                for round_, days in (("week", 7), ("month", 30))
            ],
            ignore_conflicts=True,
        )
    _tell_both(match, "confirmed")


def _association_people(match: Match) -> list[User]:
    if match.need.organisation_id is None:
        return []
    memberships = Membership.objects.filter(organisation_id=match.need.organisation_id)
    return [membership.user for membership in memberships.select_related("user")]


def _tell_both(match: Match, event: str) -> None:
    """Both sides hear of a proposal, a confirmation, a refusal or a cancellation."""
    context = {
        "match_id": match.pk,
        "kind": match.offer.kind,
        "url": reverse("matching:proposal", args=[match.pk]),
    }
    recipients = [match.offer.owner, *_association_people(match)]
    for person in recipients:
        if person is None:
            continue
        notify(
            type=f"matching.{event}",
            key=f"matching.{event}:{match.pk}:{person.pk}",
            recipient=person,
            context=context,
        )


# --- Periodic ----------------------------------------------------------------------


def matches_expire_unanswered(*, now: Any = None) -> int:
    """Proposals nobody answered in time expire, which frees their units."""
    now = now or timezone.now()
    due = Match.objects.filter(status__in=Match.AWAITING_ANSWER, answer_due__lt=now)
    expired = 0
    for match_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            match = Match.objects.select_related("offer", "need").get(pk=match_id)
            match = _lock(match)
            if match.status not in Match.AWAITING_ANSWER:
                continue
            _move(match, Status.EXPIRED, by=None, note="no answer")
            audit(actor=None, action="matching.match.expired", target=match)
            _tell_both(match, "expired")
            expired += 1
    return expired
