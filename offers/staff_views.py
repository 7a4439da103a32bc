"""City staff's offer pages: the moderation queue, one offer's review, phone intake."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from core.claims import attach_claims, claim_on, claim_release, claim_take
from core.errors import DomainError
from core.http import AuthenticatedRequest, parse_id
from core.keyset import CURSOR_PARAMETER, KeysetPage, page_from_request
from core.permissions import staff_required
from core.pii import PersonalDataKind
from core.staff_filters import ALL_FILTERS, QUEUE_KEYS, QueueFilterForm, apply_filters
from core.vocabulary import HelpKind
from offers import selectors, services
from offers.forms import (
    CallerForm,
    CharterForm,
    HousingCheckForm,
    KindForm,
    QuestionForm,
    RejectForm,
    WithdrawForm,
    offer_form_class,
)
from offers.models import HostCharter, HousingCheck, Offer

QUEUE_FILTERS = ("kind", "category", "district", "urgency", "age")
BULK_MAX = 200  # ticked offers published at once (a page holds core.keyset.PAGE_SIZE)


def _filtered(
    request: HttpRequest, offers: QuerySet[Offer], filters: tuple[str, ...], **kwargs: Any
) -> tuple[QueueFilterForm, KeysetPage[Offer]]:
    form = QueueFilterForm(request.GET or None, filters=filters, **kwargs)
    offers = apply_filters(offers, form, paths=selectors.OFFER_FILTER_PATHS)
    return form, page_from_request(offers, request.GET, keys=QUEUE_KEYS)


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Pending offers by urgency then waiting time, filtered and paged by keyset."""
    form, page = _filtered(request, selectors.moderation_queue(), QUEUE_FILTERS)
    attach_claims(page)
    return render(request, "offers/staff/queue.html", {"filters": form, "page": page})


def _ticked(request: HttpRequest) -> list[Offer]:
    ids = [pk for pk in map(parse_id, request.POST.getlist("offer")) if pk is not None]
    return list(Offer.objects.pending().filter(pk__in=ids[:BULK_MAX]).for_lists().order_by("id"))


@staff_required
@require_POST
def bulk_preview(request: AuthenticatedRequest) -> HttpResponse:
    """What publishing the ticked offers would publish, before staff confirm. Housing is
    left out: it keeps its vetting steps, one offer at a time."""
    ticked = _ticked(request)
    context = {
        "offers": [offer for offer in ticked if not offer.is_housing],
        "housing": [offer for offer in ticked if offer.is_housing],
        "queue": request.POST.get("queue", ""),
    }
    return render(request, "offers/staff/bulk_preview.html", context)


@staff_required
@require_POST
def bulk_approve(request: AuthenticatedRequest) -> HttpResponse:
    published, left = services.offers_approve_many(offers=_ticked(request), by=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d offer is published and its owner told.",
            "%(count)d offers are published and their owners told.",
            len(published),
        )
        % {"count": len(published)},
    )
    if left:
        messages.warning(
            request,
            ngettext(
                "%(count)d offer was left aside: housing, or no longer waiting.",
                "%(count)d offers were left aside: housing, or no longer waiting.",
                len(left),
            )
            % {"count": len(left)},
        )
    queue = QueryDict(request.POST.get("queue", ""))
    return redirect(reverse("offers-staff:queue") + (f"?{queue.urlencode()}" if queue else ""))


@staff_required
@require_GET
def call_back(request: HttpRequest) -> HttpResponse:
    """Offers taken by phone to confirm: call the person back and record the answer."""
    form, page = _filtered(request, selectors.call_back_list(), QUEUE_FILTERS)
    context = {"filters": form, "page": page, "offers": selectors.with_expiry(page)}
    return render(request, "offers/staff/call_back.html", context)


@staff_required
@require_POST
def call_back_answer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = _offer(pk)
    answer = request.POST.get("answer", "")
    if answer not in services.CALL_BACK_ANSWERS:
        raise Http404
    services.offer_answer_by_phone(offer=offer, by=request.user, answer=answer)
    messages.success(request, _("The answer of “%(title)s” is recorded.") % {"title": offer.title})
    return redirect("offers-staff:call-back")


@staff_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Every offer, filtered by kind, category, district, urgency, age and state."""
    form, page = _filtered(
        request, selectors.staff_offers(), ALL_FILTERS, states=Offer.Status.choices
    )
    return render(request, "offers/staff/search.html", {"filters": form, "page": page})


def _review_context(offer: Offer, **extra: Any) -> dict[str, Any]:
    checks = {check.step: check for check in offer.housing_checks.select_related("done_by")}
    return {
        "offer": offer,
        "claim": claim_on(offer),
        "claim_kind": "offer",
        "steps": [
            {"code": code, "label": label, "check": checks.get(code)}
            for code, label in HousingCheck.Step.choices
        ],
        "missing_checks": services.missing_housing_checks(offer),
        "check_form": HousingCheckForm(),
        "reject_form": RejectForm(),
        "question_form": QuestionForm(),
        "withdraw_form": WithdrawForm(),
        "history": offer.transitions.select_related("by").order_by("-at", "-id")[:20],
        "charter_acceptance": offer.charter_acceptances.select_related("charter").first(),
        "text_flag_labels": [
            str(PersonalDataKind(flag).label)
            for flag in offer.text_flags
            if flag in PersonalDataKind.values
        ],
        "duplicates": selectors.possible_duplicates(
            phone=offer.contact_phone,
            email=offer.contact_email,
            street_address=offer.street_address,
            exclude=offer,
        ),
        **extra,
    }


def _offer(pk: int) -> Offer:
    return get_object_or_404(Offer.objects.select_related("sector", "category", "owner"), pk=pk)


@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "offers/staff/detail.html", _review_context(_offer(pk)))


@staff_required
@require_POST
def reveal_contact(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Shown in this response only (never stored in the session), after an audit entry."""
    offer = _offer(pk)
    contact = services.offer_contact_reveal(offer=offer, by=request.user)
    return render(request, "offers/staff/detail.html", _review_context(offer, contact=contact))


@staff_required
@require_POST
def moderate(request: AuthenticatedRequest, pk: int, decision: str) -> HttpResponse:
    offer = _offer(pk)
    if decision == "approve":
        services.offer_approve(offer=offer, by=request.user)
        messages.success(request, _("The offer is published and its owner told."))
        return _after_decision(request, offer)
    forms_by_decision = {
        "reject": RejectForm,
        "ask": QuestionForm,
        "check": HousingCheckForm,
        "withdraw": WithdrawForm,
    }
    if decision not in forms_by_decision:
        raise Http404
    form = forms_by_decision[decision](request.POST)
    if not form.is_valid():
        context = _review_context(offer, **{f"{_form_name(decision)}": form})
        return render(request, "offers/staff/detail.html", context, status=400)
    if decision == "reject":
        services.offer_reject(offer=offer, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The offer is refused and its owner told why."))
        return _after_decision(request, offer)
    if decision == "withdraw":
        services.offer_withdraw(offer=offer, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request, _("The offer is back in review; its pending proposals are cancelled.")
        )
        return redirect("offers-staff:detail", pk=offer.pk)
    if decision == "ask":
        services.offer_request_information(
            offer=offer, by=request.user, question=form.cleaned_data["question"]
        )
        messages.success(request, _("Your question is sent; the offer waits for an answer."))
        return _after_decision(request, offer)
    services.housing_check_record(offer=offer, by=request.user, **form.cleaned_data)
    messages.success(request, _("The check is recorded."))
    return redirect("offers-staff:detail", pk=offer.pk)


def _after_decision(request: AuthenticatedRequest, decided: Offer) -> HttpResponse:
    """Back to the queue; or, for "… and next", straight to the next pending offer of the
    queue as the agent filtered it (one click, one page per offer)."""
    queue = QueryDict(request.POST.get("queue", ""), mutable=True)
    queue.pop(CURSOR_PARAMETER, None)
    if (held := claim_on(decided)) is not None and held.holder_id == request.user.pk:
        claim_release(target=decided, by=request.user)
    suffix = f"?{queue.urlencode()}" if queue else ""
    if request.POST.get("then") != "next":
        return redirect(reverse("offers-staff:queue") + suffix)
    following = selectors.next_to_review(
        queue, after=decided, by=request.user, filters=QUEUE_FILTERS
    )
    if following is None:
        messages.info(request, _("Nothing more to review in this queue."))
        return redirect(reverse("offers-staff:queue") + suffix)
    # Taken by someone between the read and the claim: its page will say by whom.
    with suppress(DomainError):
        claim_take(target=following, by=request.user)
    return redirect(reverse("offers-staff:detail", args=[following.pk]) + suffix)


def _form_name(decision: str) -> str:
    return {"reject": "reject_form", "ask": "question_form", "check": "check_form",
            "withdraw": "withdraw_form"}[decision]  # fmt: skip


@staff_required
def phone_intake(request: AuthenticatedRequest) -> HttpResponse:
    """An offer told on the phone by someone without an account, typed by staff."""
    kind = request.GET.get("kind") or request.POST.get("kind")
    if kind not in HelpKind.values:
        kind_form = KindForm(request.GET or None)
        return render(request, "offers/staff/phone_kind.html", {"form": kind_form})
    assert kind is not None
    form = offer_form_class(kind)(request.POST or None, instance=Offer(kind=kind))
    caller = CallerForm(request.POST or None)
    duplicates: list[Offer] = []
    if request.method == "POST" and form.is_valid() and caller.is_valid():
        duplicates = selectors.possible_duplicates(
            phone=caller.cleaned_data["caller_phone"],
            email=caller.cleaned_data["caller_email"],
            street_address=form.cleaned_data.get("street_address", ""),
        )
        if not duplicates or caller.cleaned_data["not_a_duplicate"]:
            try:
                offer = services.offer_take_by_phone(
                    by=request.user,
                    kind=kind,
                    data=form.content(),
                    caller_name=caller.cleaned_data["caller_name"],
                    caller_phone=caller.cleaned_data["caller_phone"],
                    caller_email=caller.cleaned_data["caller_email"],
                    consent=caller.cleaned_data["consent"],
                    charter_accepted=caller.cleaned_data["charter_accepted"],
                )
            except DomainError as error:
                caller.add_error(None, str(error.message))
            else:
                messages.success(request, _("The offer is saved and waits for review."))
                return redirect("offers-staff:detail", pk=offer.pk)
    context = {
        "form": form,
        "caller": caller,
        "kind": kind,
        "duplicates": duplicates,
        "charter": HostCharter.objects.current() if kind == HelpKind.HOUSING else None,
    }
    return render(request, "offers/staff/phone_intake.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def charter(request: AuthenticatedRequest) -> HttpResponse:
    """The host charter's versions; coordinators publish a new one (staff read them)."""
    current = HostCharter.objects.current()
    form = CharterForm(request.POST or None, current=current)
    if request.method == "POST":
        if not roles.is_coordinator(request.user):
            raise PermissionDenied
        if form.is_valid():
            published = services.host_charter_publish(by=request.user, texts=form.texts())
            messages.success(
                request,
                _("Version %(version)s of the host charter is published.")
                % {"version": published.version},
            )
            return redirect("offers-staff:charter")
    context = {
        "form": form,
        "current": current,
        "versions": HostCharter.objects.select_related("published_by")[:20],
        "can_publish": roles.is_coordinator(request.user),
    }
    return render(request, "offers/staff/charter.html", context, status=400 if form.errors else 200)


@staff_required
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    """The live list of possible duplicates under the phone intake form (htmx)."""
    found = selectors.possible_duplicates(
        phone=request.GET.get("caller_phone", ""),
        email=request.GET.get("caller_email", ""),
        street_address=request.GET.get("street_address", ""),
    )
    return render(request, "offers/staff/_duplicates.html", {"duplicates": found})
