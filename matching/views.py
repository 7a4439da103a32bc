"""The match pages of the two sides: proposals to answer, confirmed matches and their
contact, and the one-click follow-up answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from core.http import AuthenticatedRequest
from matching import follow_up, services
from matching.access import matches_of, side_match_or_404
from matching.forms import DeclineForm
from matching.models import CheckIn, Match


@login_required
def mine(request: AuthenticatedRequest) -> HttpResponse:
    matches = list(matches_of(request.user).select_related("offer__sector", "need")[:200])
    context = {
        "to_answer": [m for m in matches if m.status in Match.AWAITING_ANSWER],
        "confirmed": [m for m in matches if m.status in Match.CONTACT_VISIBLE],
        "past": [m for m in matches if m.status not in (*Match.HOLDING, Match.Status.COMPLETED)],
    }
    return render(request, "matching/mine.html", context)


@login_required
def proposal(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if roles.is_staff_member(request.user) and services.side_of(request.user, _peek(pk)) is None:
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
    }
    return render(request, "matching/proposal.html", context)


def _peek(pk: int) -> Match:
    match = Match.objects.select_related("offer", "need__organisation").filter(pk=pk).first()
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
