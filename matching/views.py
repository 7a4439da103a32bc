"""The match pages of the two sides: proposals to answer, confirmed matches and their
contact, and the one-click follow-up answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from core.http import AuthenticatedRequest, parse_id
from matching import follow_up, links, services
from matching.access import matches_of, side_match_or_404
from matching.forms import CompleteForm, DeclineForm, RoomAnswerForm
from matching.models import CheckIn, Match
from offers.models import Offer

MINE_SHOWN = 200


@login_required
def mine(request: AuthenticatedRequest) -> HttpResponse:
    """The proposals and matches of the person, which a volunteer handling many
    households can narrow to one need (``?besoin=<number>``)."""
    matches = list(matches_of(request.user).select_related("offer__sector", "need")[:MINE_SHOWN])
    needs = _needs_of(matches)
    chosen = parse_id(request.GET.get("besoin"))
    if chosen not in needs:
        chosen = None
    if chosen is not None:
        matches = [m for m in matches if m.need_id == chosen]
    context = {
        "to_answer": [m for m in matches if m.status in Match.AWAITING_ANSWER],
        "confirmed": [m for m in matches if m.status in Match.CONTACT_VISIBLE],
        "past": [m for m in matches if m.status not in (*Match.HOLDING, Match.Status.COMPLETED)],
        "need_choices": sorted(needs.items(), reverse=True),
        "chosen_need": chosen,
    }
    return render(request, "matching/mine.html", context)


def _needs_of(matches: list[Match]) -> dict[int, str]:
    """The needs these matches are for, as "#12 · REF-7" for the association's members."""
    choices = {}
    for match in matches:
        label = f"#{match.need_id}"
        if getattr(match, "shows_reference", False) and match.need.internal_reference:
            label += f" · {match.need.internal_reference}"
        choices[match.need_id] = label
    return choices


@login_required
def proposal(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if roles.is_staff_member(request.user) and not services.sides_of(
        request.user, _peek(pk), on_behalf=False
    ):
        # Staff answer for people without an account from the match's staff page.
        return redirect("matching-staff:match", pk=pk)
    match, side = side_match_or_404(request.user, pk)
    contact = None
    if match.contact_visible:
        contact = services.match_contact(match=match, by=request.user)
    context = {
        "match": match,
        "side": side,
        "contact": contact,
        "can_answer": match.awaiting_answer and not match.accepted_by(side),
        "decline_form": DeclineForm(),
        "complete_form": _complete_form(match, side),
        "room_link": _room_link(match, side),
        "show_reference": _shows_reference(request, match, side),
    }
    return render(request, "matching/proposal.html", context)


def _shows_reference(request: AuthenticatedRequest, match: Match, side: str) -> bool:
    """The association's own reference for the household: to the association only."""
    return side == Match.Side.ASSOCIATION and roles.can_see_internal_reference(
        request.user, match.need.organisation
    )


def _complete_form(match: Match, side: str, data: object = None) -> CompleteForm | None:
    if match.status != Match.Status.CONFIRMED:
        return None
    return CompleteForm(data, ask_still_needed=services.asks_still_needed(match, side))


def _room_link(match: Match, side: str) -> str | None:
    """The host's "is your room available again?" while their offer waits for it."""
    if side != Match.Side.RESIDENT or match.status != Match.Status.COMPLETED:
        return None
    if match.offer.kind != "housing" or match.offer.status != Offer.Status.PAUSED:
        return None
    return reverse("matching:room", args=[links.room_token(match)])


@login_required
@require_POST
def complete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Either side records that the stay or the help is over."""
    match, side = side_match_or_404(request.user, pk)
    form = _complete_form(match, side, request.POST)
    if form is None:
        messages.error(request, _("Only a confirmed match can be recorded as ended."))
        return redirect("matching:proposal", pk=pk)
    if not form.is_valid():
        return _proposal_with(request, match, side, complete_form=form)
    match = services.match_complete(
        match=match, by=request.user, ended_on=form.cleaned_data["ended_on"],
        outcome=form.cleaned_data["outcome"], still_needed=form.still_needed_value(),
    )  # fmt: skip
    messages.success(request, _("Thank you: the end of this match is recorded."))
    match.offer.refresh_from_db(fields=["status"])
    room = _room_link(match, side)
    return redirect(room) if room else redirect("matching:proposal", pk=pk)


def _proposal_with(
    request: AuthenticatedRequest, match: Match, side: str, **forms: object
) -> HttpResponse:
    context = {
        "match": match,
        "side": side,
        "contact": services.match_contact(match=match, by=request.user),
        "can_answer": False,
        "decline_form": DeclineForm(),
        "complete_form": _complete_form(match, side),
        "room_link": None,
        "show_reference": _shows_reference(request, match, side),
        **forms,
    }
    return render(request, "matching/proposal.html", context)


@login_required
def agreement(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The one-page hosting agreement, to print, in the reader's language: for both sides
    of a confirmed housing match and for staff."""
    if roles.is_staff_member(request.user):
        match = _peek(pk)
        back = reverse("matching-staff:match", args=[pk])
    else:
        match, _side = side_match_or_404(request.user, pk)
        back = reverse("matching:proposal", args=[pk])
    if match.offer.kind != "housing" or not match.contact_visible:
        raise Http404
    terms = services.match_agreement(match=match, by=request.user)
    return render(request, "matching/agreement.html", {"agreement": terms, "back": back})


def room(request: HttpRequest, token: str) -> HttpResponse:
    """The host's link after a stay: is the room available again? A GET only asks."""
    match = links.read_room_token(token)
    if match is None or match.offer.owner is None:
        return render(request, "matching/link_invalid.html", status=410)
    offer = match.offer
    answerable = offer.status in (Offer.Status.PAUSED, Offer.Status.PUBLISHED)
    form = RoomAnswerForm(request.POST or None)
    if request.method == "POST" and answerable and form.is_valid():
        answer = form.cleaned_data["answer"]
        offer = services.match_room_answer(match=match, by=offer.owner, answer=answer)
        return render(request, "matching/room_done.html", {"offer": offer, "answer": answer})
    return render(request, "matching/room.html", {"offer": offer, "answerable": answerable})


def _peek(pk: int) -> Match:
    match = (
        Match.objects.select_related("offer__sector", "offer__owner", "need__organisation")
        .filter(pk=pk)
        .first()
    )
    if match is None:
        raise Http404
    return match


@login_required
@require_POST
def answer(request: AuthenticatedRequest, pk: int, decision: str) -> HttpResponse:
    match, _side = side_match_or_404(request.user, pk)
    if decision == "accept":
        match = services.match_accept(match=match, by=request.user)
        if match.status == Match.Status.CONFIRMED:
            messages.success(request, _("Both sides accepted: you can now reach each other."))
        else:
            messages.success(request, _("Thank you. We are waiting for the other side."))
    elif decision == "decline":
        form = DeclineForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.match_decline(match=match, by=request.user, reason=reason)
        messages.success(request, _("You declined this proposal. Thank you for answering."))
    else:
        raise Http404
    return redirect("matching:proposal", pk=match.pk)


def check_in(request: HttpRequest, token: str) -> HttpResponse:
    """The follow-up link of an e-mail: a GET shows the question, the button answers."""
    check = follow_up.read_token(token)
    if check is None:
        return render(request, "matching/link_invalid.html", status=410)
    answer = request.POST.get("answer", "")
    if request.method == "POST" and answer in CheckIn.Answer.values:
        check = follow_up.check_in_answer(check=check, answer=answer)
        return render(request, "matching/check_in_done.html", {"check": check})
    return render(request, "matching/check_in.html", {"check": check})
