"""Every write on matches: propose, accept, decline, confirm, cancel, complete, expire.

Units are held from the moment a match is proposed until it is declined, cancelled or
expired, so that nobody is promised a bed twice. Each write that changes what an offer
or a need has left locks the offer's row, then the need's, always in that order, and
counts what the live matches hold inside that lock: two staff members proposing the last
bed at the same moment are served one after the other, and the second one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Membership, User
from core.audit import audit
from core.errors import DomainError
from core.lifecycle import transition
from core.pii import refuse_personal_data
from core.text import clean_reason
from core.vocabulary import HelpKind
from matching import links, retrieval
from matching.models import CheckIn, Match, MatchTransition
from matching.retrieval import held
from needs.models import Need
from needs.services import need_fulfil_after_match, need_record_matching, need_reopen_after_match
from notifications.services import notify
from offers.models import Offer
from offers.services import offer_close, offer_confirm_availability, offer_pause, offer_resume

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


def answer_time(urgency: str) -> timedelta:
    """How long both sides have to answer a proposal for a need of this urgency."""
    if urgency == Need.Urgency.CRITICAL:
        return timedelta(hours=settings.ENTRAIDE_MATCH_ANSWER_HOURS_CRITICAL)
    if urgency == Need.Urgency.HIGH:
        return timedelta(days=settings.ENTRAIDE_MATCH_ANSWER_DAYS_HIGH)
    return timedelta(days=settings.ENTRAIDE_MATCH_ANSWER_DAYS)


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
    now = timezone.now()
    _move(
        match,
        Status.PROPOSED,
        by=by,
        proposed_by=by,
        proposed_at=now,
        answer_due=now + answer_time(need.urgency),
        units=units,
    )
    audit(actor=by, action="matching.match.proposed", target=match, detail={"units": units})
    _tell_both(match, "proposal")
    return match


@transaction.atomic
def match_pair_by_hand(*, need: Need, offer: Offer, by: User) -> Match:
    """Staff pair a need with a published offer they found themselves (the engine did not
    suggest it). The engine's hard constraints (``matching/engine/constraints.py``, read
    through ``retrieval.pair_problems``) are checked first: a pair that breaks one is
    refused with the rule's name; a fitting pair is proposed like any other, its score
    and reasons computed."""
    problems = retrieval.pair_problems(need, offer)
    if problems:
        raise DomainError(
            _("This pair breaks a rule of matching: %(rules)s.") % {"rules": "; ".join(problems)},
            code="breaks_rule",
        )
    suggestion = retrieval.scored_pair(need, offer)
    match = match_propose(
        need=need,
        offer=offer,
        by=by,
        score=suggestion.total if suggestion else 0,
        criteria=suggestion.criteria if suggestion else [],
    )
    audit(actor=by, action="matching.match.paired_by_hand", target=match)
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
    match = Match.objects.select_for_update(of=("self",)).select_related("need").get(pk=match.pk)
    now = timezone.now()
    _move(match, Status.PROPOSED, by=by, proposed_by=by, proposed_at=now,
          answer_due=now + answer_time(match.need.urgency))  # fmt: skip
    audit(actor=by, action="matching.match.proposed", target=match,
          detail={"units": match.units, "combination": str(match.combination)})  # fmt: skip
    _tell_both(match, "proposal")
    return match


def _end_partners(match: Match, *, by: User | None, note: str, rows_locked: bool = False) -> None:
    """A household is not split: when one offer of a combination falls through, so does
    the other (cancelled, which frees what it held). ``rows_locked``: the caller holds an
    offer's or a need's lock already (a withdrawal), so only the partner's own row is
    locked, never its offer and need after them (that order could deadlock)."""
    for partner in match.partners().filter(status__in=Match.AWAITING_ANSWER):
        if rows_locked:
            partner = Match.objects.select_for_update(of=("self",)).get(pk=partner.pk)
        else:
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
    reason = clean_reason(reason)
    refuse_personal_data(reason)
    match = _lock(match)
    was_confirmed = match.status == Status.CONFIRMED
    _move(match, Status.CANCELLED, by=by, note=reason)
    audit(actor=by, action="matching.match.cancelled", target=match)
    if was_confirmed:
        _record_need_progress(match.need, by=by)
    if match.proposed_at:
        _tell_both(match, "cancelled")
    _end_partners(match, by=by, note="the other offer of the combination was cancelled")
    return match


# --- Both sides --------------------------------------------------------------------


def sides_of(user: Any, match: Match, *, on_behalf: bool = True) -> tuple[str, ...]:
    """The sides of the match ``user`` answers for: the one place for this rule.

    The owner of the offer answers for the resident side, a member of the need's
    organisation for the association side. Staff answer for a side that has no account
    (``on_behalf``): a person met at a counter (a need without organisation) and a caller
    of the phone line (an offer without owner), both at once for such a pair."""
    sides: list[str] = []
    if match.offer.owner_id is not None and match.offer.owner_id == getattr(user, "pk", None):
        sides.append(Match.Side.RESIDENT)
    organisation = match.need.organisation
    # Membership, not "may manage needs": staff may enter a need for an association, but
    # they do not answer, or read contacts, in its name.
    if organisation is not None and roles.is_member_of(user, organisation):
        sides.append(Match.Side.ASSOCIATION)
    if on_behalf and roles.is_staff_member(user):
        if organisation is None and Match.Side.ASSOCIATION not in sides:
            sides.append(Match.Side.ASSOCIATION)
        if match.offer.owner_id is None:
            sides.append(Match.Side.RESIDENT)
    return tuple(sides)


def side_of(user: Any, match: Match) -> str | None:
    """The side ``user`` answers for; for staff answering both sides of a pair without
    accounts, the association side (``sides_of`` gives both)."""
    sides = sides_of(user, match)
    if Match.Side.ASSOCIATION in sides:
        return Match.Side.ASSOCIATION
    return sides[0] if sides else None


def on_behalf(match: Match, side: str) -> bool:
    """Whether ``side`` has no account, so that staff answer for it (with consent)."""
    if side == Match.Side.RESIDENT:
        return match.offer.owner_id is None
    return match.need.organisation_id is None


def _answering_side(match: Match, by: User, side: str | None) -> str:
    sides = sides_of(by, match)
    if not sides or (side is not None and side not in sides):
        raise PermissionError("Only the two sides of a match answer it.")
    if side is not None:
        return side
    waiting = [s for s in sides if not match.accepted_by(s)]
    if len(sides) > 1 and len(waiting) != 1:
        raise DomainError(_("Say which side you answer for."), code="which_side")
    return waiting[0] if len(sides) > 1 else sides[0]


@transaction.atomic
def match_accept(
    *, match: Match, by: User, side: str | None = None, consent: bool = False
) -> Match:
    """One side says yes; when both have, the match is confirmed and contacts revealed.

    Staff answering for a side without an account (``side``, when they answer for both)
    must record that the person agreed, on the phone or at the counter (``consent``)."""
    match = _lock(match)
    side = _answering_side(match, by, side)
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
    behalf = on_behalf(match, side)
    if behalf and not consent:
        raise DomainError(
            _(
                "Record that the person agreed to this proposal, and to share their contact "
                "with the other side, before answering for them."
            ),
            code="no_consent",
        )
    stamp: dict[str, Any]
    if side == Match.Side.RESIDENT:
        target, stamp = Status.ACCEPTED_BY_RESIDENT, {"resident_accepted_at": now}
    else:
        target, stamp = Status.ACCEPTED_BY_ASSOCIATION, {"association_accepted_at": now}
    if behalf:
        stamp[f"{side}_consent_at"] = now
    if match.status != Status.PROPOSED:  # the other side said yes already
        target = Status.CONFIRMED
        stamp["confirmed_at"] = now
    _move(match, target, by=by, note="on behalf, consent recorded" if behalf else "", **stamp)
    audit(actor=by, action="matching.match.accepted_on_behalf" if behalf else
          "matching.match.accepted", target=match, detail={"side": side})  # fmt: skip
    if target == Status.CONFIRMED:
        _on_confirmed(match, by=by)
    return match


@transaction.atomic
def match_decline(*, match: Match, by: User, reason: str = "", side: str | None = None) -> Match:
    reason = clean_reason(reason)
    refuse_personal_data(reason)
    match = _lock(match)
    side = _answering_side(match, by, side)
    if match.status not in Match.AWAITING_ANSWER:
        raise DomainError(_("This proposal is not waiting for your answer."), code="answered")
    _move(match, Status.DECLINED, by=by, note=reason, declined_by=side, decline_reason=reason)
    audit(actor=by, action="matching.match.declined", target=match, detail={"side": side})
    _tell_both(match, "declined")
    _end_partners(match, by=by, note="the other offer of the combination was declined")
    return match


def asks_still_needed(match: Match, side: str) -> bool:
    """Whether ``side`` says, at the end, if the household still needs help: the
    association and staff know; the host does not, and a donation leaves nothing open."""
    return side != Match.Side.RESIDENT and match.offer.kind != "donation"


@transaction.atomic
def match_complete(
    *,
    match: Match,
    by: User,
    ended_on: date | None = None,
    outcome: str = "",
    still_needed: bool | None = None,
) -> Match:
    """The stay or the help is over: either side or staff record it, with the day it
    ended and, if they wish, how it went. What the match held is freed (a room waits for
    its host to say it is free again), and the need moves on: fulfilled, or open again at
    the top of the staff queue when the household still needs help (``still_needed``;
    by default when the stay broke down or ended early)."""
    match = _lock(match)
    side = side_of(by, match)
    if side is None and not roles.is_staff_member(by):
        raise PermissionError("Only the two sides or staff complete a match.")
    if still_needed is not None and not asks_still_needed(match, side or Match.Side.STAFF):
        raise DomainError(
            _("Only the association or staff say whether the household still needs help."),
            code="still_needed",
        )
    return _complete(
        match, by=by, side=side or Match.Side.STAFF, ended_on=ended_on, outcome=outcome,
        still_needed=still_needed,
    )  # fmt: skip


@transaction.atomic
def match_end_after_check_in(*, match: Match, side: str, difficult: bool) -> Match:
    """A check-in answer from one side ends the stay, if it is still running (the other
    side may have said so first): "It has ended" as a stay over; "It is difficult" as a
    breakdown, so that the household is placed again first, away from this offer."""
    match = _lock(match)
    if match.status != Status.CONFIRMED:
        return match
    return _complete(
        match,
        by=None,
        side=side,
        ended_on=None,
        outcome=Match.Outcome.BROKE_DOWN if difficult else "",
        still_needed=True if difficult else None,
        reason=Need.Attention.DIFFICULT if difficult else "",
    )


def _complete(
    match: Match,
    *,
    by: User | None,
    side: str,
    ended_on: date | None,
    outcome: str,
    still_needed: bool | None,
    reason: str = "",
) -> Match:
    """``match`` is locked (``_lock``)."""
    if match.status != Status.CONFIRMED:
        raise DomainError(_("Only a confirmed match can be recorded as ended."), code="not_live")
    today = timezone.localdate()
    ended_on = ended_on or today
    if ended_on > today:
        raise DomainError(_("The end date cannot be in the future."), code="future_end")
    if match.confirmed_at and ended_on < timezone.localdate(match.confirmed_at):
        raise DomainError(_("The end date comes before the match was confirmed."), code="dates")
    if outcome and outcome not in Match.Outcome.values:
        raise DomainError(_("Choose how it went from the list."), code="outcome")
    _move(
        match,
        Status.COMPLETED,
        by=by,
        note=reason or outcome,
        completed_at=timezone.now(),
        ended_on=ended_on,
        outcome=outcome,
        ended_by=side,
    )
    audit(actor=by, action="matching.match.completed", target=match,
          detail={"side": side, "outcome": outcome})  # fmt: skip
    if still_needed is None:
        still_needed = outcome in (Match.Outcome.ENDED_EARLY, Match.Outcome.BROKE_DOWN)
    _need_after_end(match, by=by, still_needed=still_needed, reason=reason)
    _offer_after_end(match)
    _tell_both(match, "completed")
    return match


# Why a need goes back to the top of the staff queue, from how its match ended.
_ATTENTION: dict[str, str] = {
    Match.Outcome.BROKE_DOWN: Need.Attention.BROKE_DOWN,
    Match.Outcome.ENDED_EARLY: Need.Attention.ENDED_EARLY,
}


def _need_after_end(match: Match, *, by: User | None, still_needed: bool, reason: str) -> None:
    need = Need.objects.get(pk=match.need_id)
    if need.status not in (*Need.ACTIVE, Need.Status.MATCHED):
        return  # closed or cancelled meanwhile: nothing more to plan
    if need.kind == HelpKind.DONATION:
        # Goods handed over stay given: the need is fulfilled once all of it was received.
        if _units_given(need) >= retrieval.need_units(need):
            need_fulfil_after_match(need=need, by=by, note=f"match {match.pk} completed")
        return
    confirmed = _confirmed_units(need)
    if still_needed:
        need_reopen_after_match(
            need=need,
            to=Need.Status.PARTLY_MATCHED if confirmed else Need.Status.OPEN,
            reason=reason or _ATTENTION.get(match.outcome, str(Need.Attention.STILL_NEEDED)),
            by=by,
            note=f"match {match.pk} ended",
        )
    elif not Match.objects.filter(need=need, status__in=Match.HOLDING).exists():
        need_fulfil_after_match(need=need, by=by, note=f"match {match.pk} completed")
    else:
        _record_need_progress(need, by=by)


def _units_given(need: Need) -> int:
    completed = Match.objects.filter(need=need, status=Status.COMPLETED)
    return completed.aggregate(total=Sum("units"))["total"] or 0


def _offer_after_end(match: Match) -> None:
    """A room whose stay is over is paused until its host says it is free again (one
    click from a message, or staff for a host without an account); a volunteer's time
    is free at once; goods given are gone. An offer still hosting someone else, or with
    proposals pending, stays as it is."""
    offer = Offer.objects.get(pk=match.offer_id)
    if offer.kind != HelpKind.HOUSING or offer.status not in (
        Offer.Status.PUBLISHED,
        Offer.Status.PAUSED,
    ):
        return
    if offer.status == Offer.Status.PUBLISHED and not Match.objects.holding().filter(offer=offer):
        offer_pause(offer=offer, by=None)
    if offer.owner is not None:
        notify(
            type="matching.room_question",
            key=f"matching.room_question:{match.pk}",
            recipient=offer.owner,
            context={
                "match_id": match.pk,
                "kind": offer.kind,
                "title": offer.title,
                "url": reverse("matching:room", args=[links.room_token(match)]),
            },
        )


ROOM_ANSWERS = ("available", "paused", "closed")


@transaction.atomic
def match_room_answer(*, match: Match, by: User | None, answer: str) -> Offer:
    """The host says, after a stay, whether the room is available again: published
    again, kept paused, or closed. ``by`` is the host (a signed link) or staff relaying a
    host without an account."""
    if answer not in ROOM_ANSWERS:
        raise ValueError(answer)
    offer = Offer.objects.select_for_update().get(pk=match.offer_id)
    host = offer.owner
    if by is not None and by != host and not roles.is_staff_member(by):
        raise PermissionError("Only the host or staff say whether the room is free again.")
    if match.status != Status.COMPLETED or offer.status not in (
        Offer.Status.PUBLISHED,
        Offer.Status.PAUSED,
    ):
        raise DomainError(_("This offer can no longer be changed from here."), code="room_done")
    actor = by or host
    if actor is None:
        raise PermissionError("Someone must answer for the host.")
    if answer == "available":
        if offer.status == Offer.Status.PAUSED:
            offer = offer_resume(offer=offer, by=actor)
        else:
            offer = offer_confirm_availability(offer=offer, by=actor)
    elif answer == "closed":
        offer = offer_close(offer=offer, by=actor)
    if by is not None and by != host:
        audit(actor=by, action="matching.room.answered_for_host", target=match,
              detail={"answer": answer})  # fmt: skip
    return offer


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


@dataclass(frozen=True)
class Agreement:
    """What the printable hosting agreement says. It names the host and the association,
    never anyone who is helped: the household is counts and a type."""

    match: Match
    host_name: str
    address: str
    association: dict[str, str]
    city_name: str
    city_phone: str
    city_email: str
    starts_on: date
    planned_end: date | None
    follow_up: list[date]


def match_agreement(*, match: Match, by: User) -> Agreement:
    """The hosting agreement of a confirmed (or completed) housing match, for its two
    sides and staff. It carries the address and contacts: each look is audited."""
    staff = roles.is_staff_member(by)
    if side_of(by, match) is None and not staff:
        raise PermissionError("The agreement is for the two sides of the match and staff.")
    if match.offer.kind != HelpKind.HOUSING or not match.contact_visible:
        raise DomainError(
            _("An agreement exists once both sides accepted a housing proposal."),
            code="no_agreement",
        )
    reader = side_of(by, match) or "staff"
    audit(actor=by, action="matching.match.agreement_viewed", target=match, detail={"side": reader})
    offer, need = match.offer, match.need
    assert match.confirmed_at is not None
    starts_on = max(timezone.localdate(match.confirmed_at), need.wanted_from or date.min)
    ends = [day for day in (need.wanted_until, offer.available_until) if day is not None]
    return Agreement(
        match=match,
        host_name=offer.contact_name,
        address=" ".join(part for part in (offer.street_address, offer.postcode) if part),
        association=_association_contact(match),
        city_name=str(settings.ENTRAIDE_CITY_NAME),
        city_phone=settings.ENTRAIDE_PHONE_LINE,
        city_email=settings.ENTRAIDE_CONTACT_EMAIL,
        starts_on=starts_on,
        planned_end=min(ends) if ends else None,
        follow_up=sorted(set(match.check_ins.values_list("due_on", flat=True))),
    )


def _association_contact(match: Match) -> dict[str, str]:
    organisation = match.need.organisation
    if organisation is None:  # a person met at a counter: the city team follows them
        return {
            "name": str(settings.ENTRAIDE_CITY_NAME),
            "person": "",
            "phone": settings.ENTRAIDE_PHONE_LINE,
            "email": settings.ENTRAIDE_CONTACT_EMAIL,
        }
    return {
        "name": organisation.name,
        "person": organisation.contact_name,
        "phone": organisation.contact_phone,
        "email": organisation.contact_email,
    }


# --- Consequences ------------------------------------------------------------------


def _confirmed_units(need: Need) -> int:
    """What confirmed matches give the need: live ones, and goods already handed over; the
    two offers of a combination count once, and only when both are confirmed."""
    confirmed = Match.objects.holding().filter(need=need, status__in=Match.CONTACT_VISIBLE)
    return retrieval.need_units_held(confirmed, whole=2).get(need.pk, 0)


def _record_need_progress(need: Need, *, by: User | None) -> None:
    confirmed = _confirmed_units(need)
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
        start = timezone.localdate(match.confirmed_at)
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


# --- Withdrawals (receivers of the offers' and needs' signals) -----------------------


def matches_withdraw(
    *, offer: Offer | None = None, need: Need | None = None, by: User | None, reason: str
) -> int:
    """The offer or the need left what can be proposed (closed, paused, cancelled...):
    its proposals waiting for an answer are cancelled at once, which frees their units,
    and the other side is told in neutral words; its suggestions go. A confirmed match is
    a stay or a help in progress: it is never ended silently; when the offer or the need
    is closed for good, staff are alerted to check on it.

    Runs inside the offer's or the need's own transaction, which holds that row's lock:
    only the matches' rows are locked here, so the offer → need → match order of the other
    writes is never reversed (freeing units needs no other lock)."""
    assert (offer is None) != (need is None)
    about = "offer" if offer is not None else "need"
    mine = (
        Match.objects.filter(offer=offer) if offer is not None else Match.objects.filter(need=need)
    )
    mine.filter(status=Status.SUGGESTED).delete()
    waiting = (
        mine.filter(status__in=Match.AWAITING_ANSWER)
        .select_for_update(of=("self",))
        .select_related("offer__owner", "need__organisation")
    )
    cancelled = 0
    for match in waiting:
        _move(match, Status.CANCELLED, by=by, note=f"withdrawn: {reason}")
        detail = {"reason": reason, "of": about}
        audit(actor=by, action="matching.match.withdrawn", target=match, detail=detail)
        _tell_other_side(match, withdrawn=about)
        _end_partners(match, by=by, note=f"the other offer of the combination: {reason}",
                      rows_locked=True)  # fmt: skip
        cancelled += 1
    if reason in ("closed", "withdrawn", "cancelled"):
        for match in mine.filter(status=Status.CONFIRMED).select_related("need"):
            _alert_staff_of_live_stay(match, about=about)
    return cancelled


def _tell_other_side(match: Match, *, withdrawn: str) -> None:
    """Only the side that did not withdraw hears of it, without blame."""
    people = _association_people(match) if withdrawn == "offer" else [match.offer.owner]
    context = {"match_id": match.pk, "kind": match.offer.kind, "about": withdrawn,
               "url": reverse("matching:proposal", args=[match.pk])}  # fmt: skip
    for person in people:
        if person is not None:
            notify(type="matching.withdrawn", key=f"matching.withdrawn:{match.pk}:{person.pk}",
                   recipient=person, context=context)  # fmt: skip


def _alert_staff_of_live_stay(match: Match, *, about: str) -> None:
    for person in roles.active_staff():
        notify(
            type="matching.staff_alert",
            key=f"matching.staff_alert:{about}_closed:{match.pk}:{person.pk}",
            recipient=person,
            context={
                "match_id": match.pk,
                "answer": f"{about}_closed",
                "url": reverse("matching-staff:match", args=[match.pk]),
            },
        )


# --- Periodic ----------------------------------------------------------------------


def matches_remind_halfway(*, now: Any = None) -> int:
    """Halfway to its deadline, a proposal still waiting reminds the side(s) that have not
    answered, once. Sides without an account are on the staff's list instead."""
    now = now or timezone.now()
    waiting = Match.objects.filter(
        status__in=Match.AWAITING_ANSWER,
        reminded_at__isnull=True,
        answer_due__gt=now,
        proposed_at__isnull=False,
    ).select_related("offer__owner", "need__organisation")
    reminded = 0
    for match in waiting.iterator():
        assert match.proposed_at is not None
        assert match.answer_due is not None
        if now < match.proposed_at + (match.answer_due - match.proposed_at) / 2:
            continue
        with transaction.atomic():
            claimed = Match.objects.filter(pk=match.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed:
                _remind(match)
                reminded += 1
    return reminded


def _remind(match: Match) -> None:
    people: list[User | None] = []
    if not match.accepted_by(Match.Side.RESIDENT):
        people.append(match.offer.owner)
    if not match.accepted_by(Match.Side.ASSOCIATION):
        people.extend(_association_people(match))
    assert match.answer_due is not None
    context = {
        "match_id": match.pk,
        "kind": match.offer.kind,
        "url": reverse("matching:proposal", args=[match.pk]),
        "due": match.answer_due.isoformat(),
    }
    for person in people:
        if person is not None:
            notify(
                type="matching.reminder",
                key=f"matching.reminder:{match.pk}:{person.pk}",
                recipient=person,
                context=context,
            )


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
            _end_partners(match, by=None, note="the other offer of the combination expired")
            expired += 1
    return expired
