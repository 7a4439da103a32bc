"""Pages of needs: the public summary, an association's needs and the step-by-step form,
and the staff's list, intake and note cleaning."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from accounts.models import Organisation
from associations.selectors import acting_organisation
from core.audit import audit
from core.http import AuthenticatedRequest, object_or_404
from core.keyset import page_from_request
from core.permissions import staff_required
from core.staff_filters import QUEUE_KEYS, apply_filters
from core.vocabulary import SPOKEN_LANGUAGES, HelpKind
from needs import selectors, services
from needs.forms import (
    KIND_HELP,
    CleanNoteForm,
    KindForm,
    NeedFilterForm,
    NeedForm,
    StaffIntakeForm,
    StaffNeedFilterForm,
    flag_labels,
)
from needs.models import Need, NeedQuerySet
from needs.panels import panels_for

PAGE_SIZE = 20
LANGUAGE_LABELS = dict(SPOKEN_LANGUAGES)
STATUS_LABELS = dict(Need.Status.choices)


URGENCIES = ("critical", "high", "normal")


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """Counts of open needs; small ones read "fewer than 5", and no total beside them, nor
    the public statistics read with them, can give them away (``core.small_counts``)."""
    table = selectors.public_needs_table()
    cells = table.cells
    published = [
        (row, {"row": row, "cells": [cells[("row", index, u)] for u in selectors.URGENCIES]})
        for index, row in enumerate(table.rows)
    ]
    kinds = [
        (kind, label, [line for row, line in published if row.kind == kind])
        for kind, label in HelpKind.choices
    ]
    everything = (selectors.ALL, selectors.ALL)
    critical = (selectors.ALL, Need.Urgency.CRITICAL)
    context = {
        "kinds": kinds,
        "any_open": table.counts[everything] > 0,
        "total": cells[everything],
        "critical": cells[critical],
        "any_critical": table.counts[critical] > 0,
    }
    return render(request, "needs/public.html", context)


def _acting(request: AuthenticatedRequest) -> Organisation:
    organisation = acting_organisation(request)
    if organisation is None:
        raise PermissionDenied
    return organisation


def _filtered(needs: NeedQuerySet, form: NeedFilterForm) -> NeedQuerySet:
    if form.is_valid():
        for name in ("status", "urgency", "kind"):
            if form.cleaned_data.get(name):
                needs = needs.filter(**{name: form.cleaned_data[name]})
        if form.cleaned_data.get("flagged"):
            needs = needs.flagged()
    return needs


def _page(request: HttpRequest, needs: QuerySet[Need]) -> Any:
    page = Paginator(needs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    readable = roles.internal_reference_access(request.user)
    for need in page:
        need.show_reference = readable(need.organisation_id)  # type: ignore[attr-defined]
    return page


@login_required
@require_GET
def association_list(request: AuthenticatedRequest) -> HttpResponse:
    organisation = _acting(request)
    form = NeedFilterForm(request.GET or None)
    needs = _filtered(
        selectors.needs_visible_to(request.user).filter(organisation=organisation), form
    )
    context = {
        "organisation": organisation,
        "form": form,
        "page": _page(request, needs),
        "memberships": roles.active_memberships(request.user),
    }
    return render(request, "needs/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def create_kind(request: AuthenticatedRequest) -> HttpResponse:
    organisation = _acting(request)
    form = KindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect("needs:create-details", kind=form.cleaned_data["kind"])
    return render(
        request,
        "needs/create_kind.html",
        {"form": form, "organisation": organisation, "kind_help": KIND_HELP},
    )


def _intake(request: AuthenticatedRequest) -> tuple[str, Organisation | None]:
    """Who a need being created is for: the member's organisation, or what staff chose
    at the intake step (``?origine=...&organisation=...``)."""
    origin = request.GET.get("origine")
    if origin is None:
        return Need.Origin.ASSOCIATION, _acting(request)
    if not roles.is_staff_member(request.user):
        raise PermissionDenied
    if origin == Need.Origin.COUNTER:
        return origin, None
    if origin == Need.Origin.STAFF_FOR_ASSOCIATION:
        return origin, object_or_404(
            Organisation.objects.verified(), request.GET.get("organisation")
        )
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def create_details(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    if kind not in HelpKind.values:
        raise Http404
    origin, organisation = _intake(request)
    show_reference = roles.can_see_internal_reference(request.user, organisation)
    form = NeedForm(
        request.POST or None,
        kind=kind,
        show_reference=show_reference,
        allow_minors=roles.can_post_for_minors(request.user, organisation),
        located_elsewhere=services.has_districts(organisation),
        warn_personal_details=True,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        sectors = data.pop("sectors")
        data.pop("keep_as_written", None)
        need = services.need_create(
            by=request.user,
            kind=kind,
            organisation=organisation,
            origin=origin,
            sectors=sectors,
            **data,
        )
        _warn_if_flagged(request, need)
        return redirect("needs:detail", pk=need.pk)
    context = {
        "form": form,
        "kind": HelpKind(kind),
        "organisation": organisation,
        "origin": origin,
        "step": 2,
    }
    return render(request, "needs/form.html", context)


def _warn_if_flagged(request: HttpRequest, need: Need) -> None:
    if need.note_flags:
        messages.warning(
            request,
            _(
                "The note seems to hold personal details (%(kinds)s). Please remove them: "
                "describe the need, not the person. City staff will check it."
            )
            % {"kinds": ", ".join(_flag_labels(need.note_flags))},
        )


def _flag_labels(flags: list[str]) -> list[str]:
    return flag_labels(flags)


def _audit_staff_read(request: AuthenticatedRequest, need: Need) -> None:
    """City staff reading a flagged need's texts (its page, its edit form) is a look at
    what may be personal data: audited, once per page."""
    member = need.organisation is not None and roles.is_member_of(request.user, need.organisation)
    if roles.is_staff_member(request.user) and need.note_flags and not member:
        audit(actor=request.user, action="needs.note.viewed", target=need)


def _visible_need(request: AuthenticatedRequest, pk: int) -> Need:
    need = selectors.needs_visible_to(request.user).filter(pk=pk).first()
    if need is None:
        raise Http404
    return need


@login_required
@require_GET
def detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = _visible_need(request, pk)
    is_staff = roles.is_staff_member(request.user)
    _audit_staff_read(request, need)
    context = {
        "need": need,
        "show_reference": roles.can_see_internal_reference(request.user, need.organisation),
        "flag_labels": _flag_labels(need.note_flags),
        "is_staff": is_staff,
        "languages_display": [str(LANGUAGE_LABELS.get(code, code)) for code in need.languages],
        "history": [
            (row.at, STATUS_LABELS.get(row.from_status), STATUS_LABELS.get(row.to_status))
            for row in need.transitions.all()
        ],
        "allowed": Need.TRANSITIONS.get(need.status, set()),
        "step": 3 if need.status == Need.Status.DRAFT else None,
        "panels": panels_for(request, need),
    }
    return render(request, "needs/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = _visible_need(request, pk)
    if not need.is_editable:
        messages.error(request, _("A need in this state can no longer be changed."))
        return redirect("needs:detail", pk=need.pk)
    show_reference = roles.can_see_internal_reference(request.user, need.organisation)
    form = NeedForm(
        request.POST or None,
        instance=need,
        kind=need.kind,
        show_reference=show_reference,
        allow_minors=roles.can_post_for_minors(request.user, need.organisation),
        located_elsewhere=services.has_districts(need.organisation),
        warn_personal_details=True,
    )
    if request.method == "GET":
        _audit_staff_read(request, need)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        sectors = data.pop("sectors")
        data.pop("keep_as_written", None)
        need = services.need_update(need=need, by=request.user, sectors=sectors, **data)
        _warn_if_flagged(request, need)
        messages.success(request, _("The need is saved."))
        return redirect("needs:detail", pk=need.pk)
    context = {
        "form": form,
        "kind": HelpKind(need.kind),
        "organisation": need.organisation,
        "origin": need.origin,
        "need": need,
        "step": 2 if need.status == Need.Status.DRAFT else None,
    }
    return render(request, "needs/form.html", context)


ACTIONS = {
    "publish": (services.need_publish, gettext_lazy("The need is published.")),
    "close": (services.need_close, gettext_lazy("The need is closed.")),
    "fulfil": (
        services.need_mark_fulfilled,
        gettext_lazy("The need is marked as fulfilled. Thank you."),
    ),
    "cancel": (services.need_cancel, gettext_lazy("The need is cancelled.")),
    "reopen": (services.need_reopen, gettext_lazy("The need is open again.")),
}


@login_required
@require_POST
def act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    need = _visible_need(request, pk)
    service, done = ACTIONS[action]
    service(need=need, by=request.user)
    messages.success(request, str(done))
    return redirect("needs:detail", pk=need.pk)


@staff_required
@require_GET
def staff_list(request: AuthenticatedRequest) -> HttpResponse:
    """Every need by urgency then waiting time, filtered, paged by keyset."""
    form = StaffNeedFilterForm(request.GET or None)
    needs = apply_filters(
        selectors.staff_needs(selectors.needs_visible_to(request.user)),
        form,
        paths=selectors.NEED_FILTER_PATHS,
    )
    if form.is_valid() and form.cleaned_data.get("flagged"):
        needs = needs.exclude(note_flags=[])
    page = page_from_request(needs, request.GET, keys=QUEUE_KEYS)
    readable = roles.internal_reference_access(request.user)
    for need in page:
        need.show_reference = readable(need.organisation_id)
    return render(request, "needs/staff/list.html", {"filters": form, "page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_intake(request: AuthenticatedRequest) -> HttpResponse:
    form = StaffIntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        url = reverse("needs:create-details", kwargs={"kind": data["kind"]})
        query = f"?origine={data['origin']}"
        if data.get("organisation"):
            query += f"&organisation={data['organisation'].pk}"
        return redirect(url + query)
    return render(request, "needs/staff/intake.html", {"form": form, "kind_help": KIND_HELP})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_clean_note(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(Need.objects.select_related("organisation", "category"), pk=pk)
    if request.method == "POST" and request.POST.get("action") == "dismiss":
        services.need_dismiss_flags(need=need, by=request.user)
        messages.success(request, _("The flag is cleared: nothing personal."))
        return redirect("needs:detail", pk=need.pk)
    initial = {"note": need.note, "accessibility": need.accessibility, "sizes": need.sizes}
    form = CleanNoteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        need = services.need_clean_note(need=need, by=request.user, **form.cleaned_data)
        if need.note_flags:
            messages.warning(
                request, _("The note is saved, but it still seems to hold personal details.")
            )
        else:
            messages.success(request, _("The note is clean."))
        return redirect("needs:detail", pk=need.pk)
    if request.method == "GET":
        audit(actor=request.user, action="needs.note.viewed", target=need)
    fields = {
        str(form.fields[name].label): flag_labels(kinds)
        for name, kinds in services.flagged_fields(need).items()
        if name in form.fields
    }
    if services.flagged_fields(need).get("internal_reference"):
        fields[str(_("The association's internal reference"))] = flag_labels(
            services.flagged_fields(need)["internal_reference"]
        )
    context = {
        "need": need,
        "form": form,
        "flag_labels": _flag_labels(need.note_flags),
        "flagged": fields,
    }
    return render(request, "needs/staff/clean_note.html", context)
