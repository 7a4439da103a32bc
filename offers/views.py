"""The residents' offer pages: list, create step by step, edit, pause, resume, close."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from core.http import AuthenticatedRequest
from core.vocabulary import HelpKind
from offers import links, services
from offers.access import own_offer_or_404
from offers.forms import KindForm, offer_form_class
from offers.models import HostCharter, Offer

STEPS = [
    gettext_lazy("What you offer"),
    gettext_lazy("The details"),
    gettext_lazy("Check and send"),
]


def _steps(current: int) -> list[dict[str, object]]:
    return [
        {"number": number, "label": label, "current": number == current}
        for number, label in enumerate(STEPS, start=1)
    ]


@login_required
def my_offers(request: AuthenticatedRequest) -> HttpResponse:
    offers = Offer.objects.owned_by(request.user).for_lists().order_by("-updated_at", "-id")
    return render(request, "offers/my_offers.html", {"offers": offers})


@login_required
def create(request: AuthenticatedRequest) -> HttpResponse:
    form = KindForm(request.POST or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        return redirect("offers:create-details", kind=form.cleaned_data["kind"])
    return render(request, "offers/create_kind.html", {"form": form, "steps": _steps(1)})


@login_required
def create_details(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    if kind not in HelpKind.values:
        raise Http404
    form_class = offer_form_class(kind)
    form = form_class(request.POST or None, instance=Offer(kind=kind, owner=request.user))
    if request.method == "POST" and form.is_valid():
        offer = services.offer_create(owner=request.user, kind=kind, data=form.content())
        return redirect("offers:review", pk=offer.pk)
    context = {"form": form, "kind": kind, "steps": _steps(2)}
    return render(request, "offers/details_form.html", context)


@login_required
def edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = own_offer_or_404(request.user, pk)
    if offer.status not in Offer.EDITABLE:
        messages.error(request, _("A closed or expired offer cannot be changed."))
        return redirect("offers:detail", pk=pk)
    form = offer_form_class(offer.kind)(request.POST or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        was_public = offer.status in (Offer.Status.PUBLISHED, Offer.Status.PAUSED)
        offer = services.offer_update(offer=offer, by=request.user, data=form.content())
        if offer.status in (Offer.Status.DRAFT, Offer.Status.REJECTED):
            return redirect("offers:review", pk=offer.pk)
        if was_public:
            messages.info(request, _("Saved. The city team will check the changes again."))
        else:
            messages.success(request, _("Your changes are saved."))
        return redirect("offers:detail", pk=offer.pk)
    context = {"form": form, "kind": offer.kind, "offer": offer, "steps": _steps(2)}
    return render(request, "offers/details_form.html", context)


@login_required
def review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = own_offer_or_404(request.user, pk)
    if request.method == "POST":
        services.offer_submit(
            offer=offer, by=request.user, accept_charter=request.POST.get("accept_charter") == "on"
        )
        messages.success(request, _("Thank you! The city team will check your offer soon."))
        return redirect("offers:detail", pk=offer.pk)
    charter = services.charter_to_accept(request.user) if offer.is_housing else None
    context = {"offer": offer, "steps": _steps(3), **_charter_context(charter)}
    return render(request, "offers/review.html", context)


def _charter_context(charter: HostCharter | None) -> dict[str, object]:
    if charter is None:
        return {"charter": None}
    language, text = charter.text_in(get_language())
    return {"charter": charter, "charter_language": language, "charter_text": text}


@require_GET
def charter(request: HttpRequest) -> HttpResponse:
    """The host charter in force, for anyone thinking of offering housing."""
    return render(request, "offers/charter.html", _charter_context(HostCharter.objects.current()))


@login_required
def detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if roles.is_staff_member(request.user):
        return redirect("offers-staff:detail", pk=pk)
    offer = own_offer_or_404(request.user, pk)
    return render(request, "offers/detail.html", {"offer": offer})


_OWNER_ACTIONS = {
    "pause": (
        services.offer_pause,
        gettext_lazy("Your offer is paused: nobody will be proposed it."),
    ),
    "resume": (services.offer_resume, gettext_lazy("Your offer is published again.")),
    "close": (services.offer_close, gettext_lazy("Your offer is closed. Thank you for your help!")),
    "confirm": (
        lambda *, offer, by: services.offer_confirm_availability(offer=offer, by=by),
        gettext_lazy("Thank you: your offer is confirmed as still available."),
    ),
}


@login_required
@require_POST
def act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    if action not in _OWNER_ACTIONS:
        raise Http404
    offer = own_offer_or_404(request.user, pk)
    service, message = _OWNER_ACTIONS[action]
    service(offer=offer, by=request.user)
    messages.success(request, message)
    return redirect("offers:detail", pk=offer.pk)


def availability(request: HttpRequest, token: str) -> HttpResponse:
    """The page of the e-mailed link: one button to confirm, one to pause. No sign-in, so
    the link works from a phone's mail app; a GET changes nothing (mail scanners open
    links), the button does."""
    offer = links.read_availability_token(token)
    if offer is None:
        return render(request, "offers/link_invalid.html", status=410)
    if request.method == "POST":
        if request.POST.get("answer") == "pause":
            if offer.status == Offer.Status.PUBLISHED:
                services.offer_pause(offer=offer, by=offer.owner)
                messages.success(request, _("Your offer is paused: nobody will be proposed it."))
        else:
            services.offer_confirm_availability(offer=offer, by=offer.owner)
            messages.success(request, _("Thank you: your offer is confirmed as still available."))
        return render(request, "offers/availability_done.html", {"offer": offer})
    return render(request, "offers/availability.html", {"offer": offer})


@login_required
def take_over(request: AuthenticatedRequest, token: str) -> HttpResponse:
    offer = links.read_takeover_token(token)
    if offer is None:
        return render(request, "offers/link_invalid.html", status=410)
    if request.method == "POST":
        services.offer_take_over(offer=offer, user=request.user)
        messages.success(request, _("The offer is now in your account."))
        return redirect("offers:detail", pk=offer.pk)
    return render(request, "offers/take_over.html", {"offer": offer})
