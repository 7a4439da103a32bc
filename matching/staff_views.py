"""City staff's matching workbench: urgent needs, suggestions with their reasons, one click
to propose, batch runs whose suggestions are reviewed and proposed in bulk."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.http import AuthenticatedRequest
from core.permissions import staff_required
from matching import retrieval, services, tasks
from matching.forms import CancelForm
from matching.models import BatchRun, Match
from needs.models import Need
from offers.models import Offer

URGENCY_ORDER = Case(
    When(urgency=Need.Urgency.CRITICAL, then=Value(0)),
    When(urgency=Need.Urgency.HIGH, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@staff_required
def workbench(request: HttpRequest) -> HttpResponse:
    needs = (
        Need.objects.active()
        .select_related("category", "organisation")
        .annotate(urgency_order=URGENCY_ORDER)
        .order_by("urgency_order", "opened_at", "id")[:50]
    )
    suggested = (
        Match.objects.filter(status=Match.Status.SUGGESTED)
        .select_related("need__category", "offer__sector", "offer__category")
        .order_by("-need__urgency", "-score")[:200]
    )
    context = {
        "needs": needs,
        "suggested": suggested,
        "runs": BatchRun.objects.all()[:5],
        "live": Match.objects.filter(status__in=Match.AWAITING_ANSWER).count(),
    }
    return render(request, "matching/staff/workbench.html", context)


@staff_required
def need(request: HttpRequest, pk: int) -> HttpResponse:
    """One need and its best offers side by side, with why each scores what it does."""
    need = get_object_or_404(Need.objects.select_related("category", "organisation"), pk=pk)
    suggestions = retrieval.suggestions_for_need(need)
    elsewhere = retrieval.planned_elsewhere(need, [s.subject.pk for s in suggestions])
    context = {
        "need": need,
        "remaining": services.need_remaining(need),
        "suggestions": [(s, elsewhere.get(s.subject.pk, [])) for s in suggestions],
        "plan": need.matches.filter(status=Match.Status.SUGGESTED).select_related("offer__sector"),
        "shortfall": [] if suggestions else retrieval.shortfall(need),
        "matches": need.matches.exclude(status=Match.Status.SUGGESTED).select_related("offer"),
    }
    return render(request, "matching/staff/need.html", context)


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
    need = get_object_or_404(Need, pk=request.POST.get("need"))
    offer = get_object_or_404(Offer, pk=request.POST.get("offer"))
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
    ids = [int(value) for value in request.POST.getlist("match") if value.isdigit()]
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
    context = {
        "match": match,
        "history": match.transitions.select_related("by").order_by("-at", "-id"),
        "check_ins": match.check_ins.all(),
        "cancel_form": CancelForm(),
    }
    return render(request, "matching/staff/match.html", context)


@staff_required
@require_POST
def cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    match = get_object_or_404(Match, pk=pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.match_cancel(match=match, by=request.user, reason=reason)
    messages.success(request, _("The match is cancelled; what it held is free again."))
    return redirect("matching-staff:match", pk=pk)
