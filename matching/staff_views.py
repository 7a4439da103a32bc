"""City staff's matching workbench: urgent needs, suggestions with their reasons, one click
to propose, batch runs whose suggestions are reviewed and proposed in bulk."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit import audit
from core.claims import attach_claims, claim_on
from core.errors import DomainError
from core.http import AuthenticatedRequest, object_or_404, parse_id
from core.keyset import LOOK_AHEAD, bounded_count, page_from_request
from core.permissions import staff_required
from core.staff_filters import QUEUE_KEYS, QueueFilterForm, apply_filters
from matching import follow_up, retrieval, services, tasks
from matching.forms import (
    CancelForm,
    CompleteForm,
    OnBehalfForm,
    RoomAnswerForm,
    StaffSearchForm,
)
from matching.models import BatchRun, CheckIn, Match
from matching.selectors import (
    AWAITING_STATES,
    CHECK_IN_FILTER_PATHS,
    MATCH_FILTER_PATHS,
    SUGGESTION_KEYS,
    answers_to_collect,
    awaiting_answers,
    check_ins_to_call,
    rooms_to_ask_about,
    suggestions_to_review,
)
from needs.models import Need
from needs.selectors import NEED_FILTER_PATHS, TO_PLACE_KEYS, need_search, staff_queue
from offers.models import Offer
from offers.selectors import offer_search, search_kind

QUEUE_FILTERS = ("kind", "category", "district", "urgency", "age")
PAIR_CANDIDATES = 10
SUGGESTIONS_SHOWN = 20  # cards to read, a page at a time


def _filters(request: HttpRequest, **kwargs: object) -> QueueFilterForm:
    return QueueFilterForm(request.GET or None, **kwargs)  # type: ignore[arg-type]


@staff_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    """Needs to place and the engine's suggestions, both by urgency rank then waiting
    time, filtered alike, each list paged by keyset with its own cursor."""
    form = _filters(request, filters=QUEUE_FILTERS)
    needs = apply_filters(staff_queue(), form, paths=NEED_FILTER_PATHS)
    suggested = apply_filters(suggestions_to_review(), form, paths=MATCH_FILTER_PATHS)
    needs_page = page_from_request(
        needs, request.GET, keys=TO_PLACE_KEYS, size=20, parameter="needs_after"
    )
    attach_claims(needs_page)
    context = {
        "filters": form,
        "needs": needs_page,
        "suggested": page_from_request(
            suggested, request.GET, keys=SUGGESTION_KEYS, size=SUGGESTIONS_SHOWN
        ),
        "runs": BatchRun.objects.all()[:5],
        "live": bounded_count(Match.objects.filter(status__in=Match.AWAITING_ANSWER)),
        "look_ahead": LOOK_AHEAD,
    }
    return render(request, "matching/staff/workbench.html", context)


@staff_required
@require_GET
def awaiting(request: HttpRequest) -> HttpResponse:
    """Proposals waiting for an answer, by urgency then the longest waiting."""
    form = _filters(request, filters=(*QUEUE_FILTERS, "state"), states=AWAITING_STATES)
    matches = apply_filters(awaiting_answers(), form, paths=MATCH_FILTER_PATHS)
    context = {"filters": form, "page": page_from_request(matches, request.GET, keys=QUEUE_KEYS)}
    return render(request, "matching/staff/awaiting.html", context)


@staff_required
@require_GET
def to_call(request: HttpRequest) -> HttpResponse:
    """People without an account whose answer staff must ask for by phone or at the
    counter: proposals waiting for them, check-ins due (the alerts), and rooms to ask
    about after a stay; each list by urgency then waiting time, with its own cursor."""
    form = _filters(request, filters=QUEUE_FILTERS)

    def page(queryset: QuerySet[Any], paths: dict[str, str], parameter: str) -> Any:
        filtered = apply_filters(queryset, form, paths=paths)
        return page_from_request(filtered, request.GET, keys=QUEUE_KEYS, parameter=parameter)

    context = {
        "filters": form,
        "to_collect": page(answers_to_collect(), MATCH_FILTER_PATHS, "answers_after"),
        "check_ins": attach_claims(
            page(check_ins_to_call(), CHECK_IN_FILTER_PATHS, "check_ins_after")
        ),
        "rooms": page(rooms_to_ask_about(), MATCH_FILTER_PATHS, "rooms_after"),
    }
    return render(request, "matching/staff/to_call.html", context)


@staff_required
def need(request: HttpRequest, pk: int) -> HttpResponse:
    """One need and its best offers side by side, with why each scores what it does."""
    need = get_object_or_404(Need.objects.select_related("category", "organisation"), pk=pk)
    suggestions = retrieval.suggestions_for_need(need)
    elsewhere = retrieval.planned_elsewhere(need, [s.subject.pk for s in suggestions])
    pair_query, candidates = _pair_candidates(request, need)
    context = {
        "need": need,
        "claim": claim_on(need),
        "pair_query": pair_query,
        "candidates": candidates,
        "remaining": services.need_remaining(need),
        "suggestions": [(s, elsewhere.get(s.subject.pk, [])) for s in suggestions],
        "plan": need.matches.filter(status=Match.Status.SUGGESTED).select_related("offer__sector"),
        "shortfall": [] if suggestions else retrieval.shortfall(need),
        "matches": need.matches.exclude(status=Match.Status.SUGGESTED).select_related("offer"),
    }
    return render(request, "matching/staff/need.html", context)


@staff_required
@require_POST
def pair(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Pair the need with an offer staff searched for; the hard rules are checked."""
    need = object_or_404(Need, str(pk))
    offer = object_or_404(Offer, request.POST.get("offer"))
    try:
        match = services.match_pair_by_hand(need=need, offer=offer, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("matching-staff:need", pk=need.pk)
    messages.success(request, _("Proposed. Both sides are told and asked to answer."))
    return redirect("matching-staff:match", pk=match.pk)


def _pair_candidates(request: HttpRequest, need: Need) -> tuple[str, list[Any]]:
    """Published offers staff searched for on a need's page, each with the rules the pair
    would break (none: it can be proposed)."""
    query = request.GET.get("offer_q", "").strip()[:100]
    if not query:
        return "", []
    # Words, a street or a number only: a contact never goes in an address.
    found = list(offer_search(query, Offer.objects.published(), contact=False)[:PAIR_CANDIDATES])
    problems = retrieval.problems_of_pairs(need, found)
    return query, [(offer, problems[offer.pk]) for offer in found]


@staff_required
def offer(request: HttpRequest, pk: int) -> HttpResponse:
    """One offer and the needs it could serve best."""
    offer = get_object_or_404(Offer.objects.select_related("sector", "category"), pk=pk)
    context = {
        "offer": offer,
        "remaining": services.offer_remaining(offer),
        "suggestions": retrieval.suggestions_for_offer(offer),
    }
    return render(request, "matching/staff/offer.html", context)


@staff_required
@require_POST
def propose(request: AuthenticatedRequest) -> HttpResponse:
    need = object_or_404(Need, request.POST.get("need"))
    offer = object_or_404(Offer, request.POST.get("offer"))
    suggestion = retrieval.scored_pair(need, offer)
    match = services.match_propose(
        need=need,
        offer=offer,
        by=request.user,
        score=suggestion.total if suggestion else 0,
        criteria=suggestion.criteria if suggestion else [],
    )
    messages.success(request, _("Proposed. Both sides are told and asked to answer."))
    return redirect("matching-staff:match", pk=match.pk)


@staff_required
@require_POST
def propose_selected(request: AuthenticatedRequest) -> HttpResponse:
    """Propose the ticked suggestions of a batch run; the ones that no longer fit are
    reported and left as suggestions."""
    ids = [pk for pk in map(parse_id, request.POST.getlist("match")) if pk is not None]
    suggestions = Match.objects.filter(pk__in=ids, status=Match.Status.SUGGESTED)
    proposed, refused = 0, 0
    for match in suggestions.select_related("need", "offer").order_by("pk"):
        if (
            match.combination is not None
            and not Match.objects.filter(pk=match.pk, status=Match.Status.SUGGESTED).exists()
        ):
            continue  # proposed already, with the other offer of its combination
        try:
            services.match_propose_suggestion(match=match, by=request.user)
            proposed += 1
        except DomainError:
            refused += 1
    messages.success(
        request,
        ngettext("%(count)d proposal sent.", "%(count)d proposals sent.", proposed)
        % {"count": proposed},
    )
    if refused:
        messages.warning(
            request,
            ngettext(
                "%(count)d suggestion no longer fits and was left aside.",
                "%(count)d suggestions no longer fit and were left aside.",
                refused,
            )
            % {"count": refused},
        )
    return redirect("matching-staff:workbench")


@staff_required
@require_POST
def run_batch(request: AuthenticatedRequest) -> HttpResponse:
    tasks.run_batch.delay(started_by=request.user.pk)
    messages.success(request, _("The batch run has started; its suggestions appear here."))
    return redirect("matching-staff:workbench")


@staff_required
def match(request: HttpRequest, pk: int) -> HttpResponse:
    match = get_object_or_404(
        Match.objects.select_related("need__category", "need__organisation", "offer__sector"),
        pk=pk,
    )
    return render(request, "matching/staff/match.html", _match_context(match))


def _match_context(match: Match, **forms: object) -> dict[str, object]:
    confirmed = match.status == Match.Status.CONFIRMED
    return {
        "match": match,
        "history": match.transitions.select_related("by").order_by("-at", "-id"),
        "check_ins": match.check_ins.all(),
        "cancel_form": CancelForm(),
        "complete_form": CompleteForm(
            ask_still_needed=services.asks_still_needed(match, Match.Side.STAFF)
        )
        if confirmed
        else None,
        "on_behalf": _on_behalf_forms(match),
        "check_ins_to_ask": list(check_ins_to_call().filter(match=match)),
        # A host without an account says by phone whether the room is free again.
        "room_question": match.status == Match.Status.COMPLETED
        and match.offer.kind == "housing"
        and match.offer.owner_id is None
        and match.offer.status == Offer.Status.PAUSED,
        **forms,
    }


def _on_behalf_forms(match: Match) -> list[tuple[str, str, OnBehalfForm]]:
    """For each side without an account still to answer: its label and a form."""
    if not match.awaiting_answer:
        return []
    labels = {
        Match.Side.RESIDENT: _("The host, a caller of the phone line without an account"),
        Match.Side.ASSOCIATION: _("The person met at the counter"),
    }
    return [
        (side, str(labels[side]), OnBehalfForm(initial={"side": side}, auto_id=f"id_{side}_%s"))
        for side in (Match.Side.RESIDENT, Match.Side.ASSOCIATION)
        if services.on_behalf(match, side) and not match.accepted_by(side)
    ]


@staff_required
@require_POST
def answer_for(request: AuthenticatedRequest, pk: int, decision: str) -> HttpResponse:
    """Staff answer for a side without an account, its consent recorded."""
    match = get_object_or_404(Match.objects.select_related("offer", "need"), pk=pk)
    form = OnBehalfForm(request.POST)
    if decision not in ("accept", "decline") or not form.is_valid():
        raise Http404
    side, data = form.cleaned_data["side"], form.cleaned_data
    if decision == "accept":
        match = services.match_accept(
            match=match, by=request.user, side=side, consent=data["consent"]
        )
        messages.success(
            request,
            _("Both sides accepted: contacts are shared.")
            if match.status == Match.Status.CONFIRMED
            else _("Their answer is recorded. Waiting for the other side."),
        )
    else:
        services.match_decline(match=match, by=request.user, side=side, reason=data["reason"])
        messages.success(request, _("Their refusal is recorded."))
    return redirect("matching-staff:match", pk=pk)


@staff_required
@require_POST
def check_in_for(request: AuthenticatedRequest, pk: int, check: int) -> HttpResponse:
    """Staff relay the answer to a check-in of a side without an account, asked by phone."""
    found = get_object_or_404(check_ins_to_call().filter(match_id=pk), pk=check)
    answer = request.POST.get("answer", "")
    if answer not in CheckIn.Answer.values:
        raise Http404
    follow_up.check_in_answer(check=found, answer=answer, by=request.user)
    messages.success(request, _("Their answer is recorded."))
    return redirect("matching-staff:match", pk=pk)


@staff_required
@require_POST
def complete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    match = get_object_or_404(Match.objects.select_related("offer", "need"), pk=pk)
    form = CompleteForm(
        request.POST, ask_still_needed=services.asks_still_needed(match, Match.Side.STAFF)
    )
    if not form.is_valid():
        context = _match_context(match, complete_form=form)
        return render(request, "matching/staff/match.html", context)
    services.match_complete(
        match=match, by=request.user, ended_on=form.cleaned_data["ended_on"],
        outcome=form.cleaned_data["outcome"], still_needed=form.still_needed_value(),
    )  # fmt: skip
    messages.success(request, _("The end of this match is recorded."))
    return redirect("matching-staff:match", pk=pk)


@staff_required
@require_POST
def room_answer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Staff relay the answer of a host without an account: is the room free again?"""
    match = get_object_or_404(Match.objects.select_related("offer"), pk=pk)
    form = RoomAnswerForm(request.POST)
    if not form.is_valid():
        raise Http404
    services.match_room_answer(match=match, by=request.user, answer=form.cleaned_data["answer"])
    messages.success(request, _("The host's answer is recorded."))
    return redirect("matching-staff:match", pk=pk)


@staff_required
@require_POST
def cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    match = get_object_or_404(Match, pk=pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.match_cancel(match=match, by=request.user, reason=reason)
    messages.success(request, _("The match is cancelled; what it held is free again."))
    return redirect("matching-staff:match", pk=pk)


SEARCH_SHOWN = 50


@staff_required
@require_http_methods(["GET", "POST"])
def search(request: AuthenticatedRequest) -> HttpResponse:
    """One search box over offers and needs. Posted, never in the address: a caller's
    phone or e-mail must not sit in a log or a browser's history. Each search is
    audited (what it looked for, never the text); results show no contact."""
    form = StaffSearchForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["q"]
        offers = list(offer_search(text)[: SEARCH_SHOWN + 1])
        needs = list(need_search(text, request.user)[: SEARCH_SHOWN + 1])
        audit(actor=request.user, action="matching.staff_search.done", detail={
            "by": search_kind(text), "offers": len(offers), "needs": len(needs),
        })  # fmt: skip
        context |= {
            "searched": True,
            "offers": offers[:SEARCH_SHOWN],
            "needs": needs[:SEARCH_SHOWN],
            "more_offers": len(offers) > SEARCH_SHOWN,
            "more_needs": len(needs) > SEARCH_SHOWN,
            "shown": SEARCH_SHOWN,
        }
    return render(request, "matching/staff/search.html", context)
