"""Pages of the data lifecycle: a person's data and erasure, an organisation's export and
closing, a caller's data for staff, the audit log and the retention table for staff."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import roles
from accounts.models import Organisation, User
from core.audit import audit
from core.csv_files import spreadsheet_response
from core.errors import DomainError
from core.http import AuthenticatedRequest, object_or_404
from core.models import AuditEntry
from core.permissions import staff_required
from privacy import audit_log, export, services
from privacy.forms import (
    AuditFilterForm,
    CallerEraseForm,
    CallerForm,
    CloseOrganisationForm,
    EraseAccountForm,
    StaffEraseAccountForm,
)
from privacy.retention import rules

AUDIT_PAGE_SIZE = 50
AUDIT_CSV_LIMIT = 50_000


def _json_file(data: dict[str, Any], filename: str) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- A person ---------------------------------------------------------------------------


@login_required
@require_GET
def my_data(request: AuthenticatedRequest) -> HttpResponse:
    """Everything the platform holds about the signed-in person, readable."""
    found = export.user_export(request.user, services.offers_of(request.user))
    response = render(request, "privacy/my_data.html", {"export": found})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def my_data_json(request: AuthenticatedRequest) -> HttpResponse:
    found = export.user_export(request.user, services.offers_of(request.user))
    audit(actor=request.user, action="privacy.export.downloaded", target=request.user)
    day = timezone.localdate().isoformat()
    return _json_file(found.as_json(), f"entraide-mes-donnees-{day}.json")


@login_required
@require_http_methods(["GET", "POST"])
def erase_account(request: AuthenticatedRequest) -> HttpResponse:
    form = EraseAccountForm(request.POST if request.method == "POST" else None)
    staff = roles.is_staff_member(request.user)
    if request.method == "POST" and not staff and form.is_valid():
        services.user_erase(user=request.user, by=request.user)
        logout(request)
        return redirect("privacy:erased")
    context = {
        "form": form,
        "staff": staff,
        "offers": services.offers_of(request.user).exclude(status="closed").count(),
        "memberships": roles.active_memberships(request.user),
    }
    return render(request, "privacy/erase.html", context)


@require_GET
def erased(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/erased.html")


# --- An organisation ----------------------------------------------------------------------


def _administered(request: AuthenticatedRequest, pk: Any) -> Organisation:
    organisation = object_or_404(Organisation, pk)
    if not roles.is_admin_of(request.user, organisation):
        raise Http404  # the same answer as for an organisation that does not exist
    return organisation


@login_required
@require_GET
def organisation_data(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = _administered(request, str(pk))
    found = export.organisation_export(organisation)
    response = render(
        request, "privacy/organisation_data.html", {"export": found, "organisation": organisation}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def organisation_data_json(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = _administered(request, str(pk))
    found = export.organisation_export(organisation)
    audit(actor=request.user, action="privacy.organisation.exported", target=organisation)
    day = timezone.localdate().isoformat()
    return _json_file(found.as_json(), f"entraide-organisation-{organisation.pk}-{day}.json")


@login_required
@require_http_methods(["GET", "POST"])
def organisation_close(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = _administered(request, str(pk))
    form = CloseOrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        closure = services.organisation_close(organisation=organisation, by=request.user)
        messages.success(
            request,
            _("%(name)s is closed: %(needs)d needs closed, %(members)d members removed.")
            % {"name": organisation.name, "needs": closure.needs_closed,
               "members": closure.members_removed},
        )  # fmt: skip
        return redirect("associations:mine")
    context = {
        "organisation": organisation,
        "form": form,
        "open_needs": organisation.needs.exclude(status__in=("closed", "cancelled")).count(),
        "members": organisation.memberships.count(),
    }
    return render(request, "privacy/organisation_close.html", context)


# --- A caller without an account (staff) ---------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def caller(request: AuthenticatedRequest) -> HttpResponse:
    """Find the offers taken by phone with a caller's contact; download or erase them.
    Everything is posted: a caller's phone never sits in an address (logs, history)."""
    action = request.POST.get("action", "")
    form_class = CallerEraseForm if action == "erase" else CallerForm
    form = form_class(request.POST if request.method == "POST" else None)
    offers: list[Any] = []
    if form.is_bound and form.is_valid():
        contact = {"phone": form.cleaned_data["phone"], "email": form.cleaned_data["email"]}
        found = services.caller_offers(**contact)
        if request.method == "POST" and action == "export":
            audit(actor=request.user, action="privacy.caller.exported",
                  detail={"offers": found.count()})  # fmt: skip
            data = export.caller_export(found, contact["email"] or contact["phone"]).as_json()
            return _json_file(data, f"entraide-appelant-{timezone.localdate().isoformat()}.json")
        if request.method == "POST" and action == "erase":
            try:
                erasure = services.caller_erase(**contact, by=request.user)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(
                    request,
                    _("The caller's data is erased: %(count)d offers closed and anonymised.")
                    % {"count": erasure.offers_anonymised},
                )
                return redirect("privacy-staff:caller")
        offers = list(found.select_related("sector")[:100])
    context = {
        "form": form,
        "offers": offers,
        "erase_form": CallerEraseForm(),
        "searched": form.is_bound,
    }
    return render(request, "privacy/staff/caller.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_erase_account(request: AuthenticatedRequest) -> HttpResponse:
    """A coordinator erases an account on the person's request (by letter, at the counter),
    through the same erasure as the person's own: never a delete in the admin."""
    if not roles.is_coordinator(request.user):
        raise PermissionDenied
    form = StaffEraseAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        account = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if account is None:
            form.add_error("email", _("No account has this e-mail address."))
        elif account.pk == request.user.pk:
            form.add_error("email", _("Another coordinator closes your own account."))
        else:
            erasure = services.user_erase(user=account, by=request.user, reason="request")
            messages.success(
                request,
                _("The account is erased: %(count)d offers closed and anonymised.")
                % {"count": erasure.offers_anonymised},
            )
            return redirect("privacy-staff:erase-account")
    return render(request, "privacy/staff/erase_account.html", {"form": form})


# --- The audit log (staff) -----------------------------------------------------------------


def _entries(request: AuthenticatedRequest) -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.GET or None)
    entries = audit_log.filtered(audit_log.readable_entries(request.user), form.filters())
    return form, entries.order_by("-created_at", "-id")


def _detail_text(detail: dict[str, Any]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted(detail.items()))


@staff_required
@require_GET
def audit_page(request: AuthenticatedRequest) -> HttpResponse:
    form, entries = _entries(request)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": entry,
            "who": audit_log.actor_name(entry),
            "what": audit_log.action_label(entry.action),
            "target": audit_log.target_name(entry),
            "detail": _detail_text(entry.detail),
        }
        for entry in page
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "everyone": roles.is_coordinator(request.user),
        "query": request.GET.urlencode(),
    }
    return render(request, "privacy/staff/audit.html", context)


@staff_required
@require_GET
def audit_csv(request: AuthenticatedRequest) -> HttpResponse:
    """The same entries as the page, for the data protection officer: every cell that a
    spreadsheet could run as a formula is escaped (``core.csv_files``)."""
    _form, entries = _entries(request)
    audit(actor=request.user, action="privacy.audit_log.exported",
          detail={"filters": {k: v for k, v in request.GET.items() if k != "page"}})  # fmt: skip
    header = [_("When"), _("Who"), _("Account number"), _("Action"), _("Action code"),
              _("Object"), _("Details")]  # fmt: skip
    rows = (
        [
            timezone.localtime(entry.created_at).isoformat(timespec="seconds"),
            audit_log.actor_name(entry),
            entry.actor_ref or "",
            audit_log.action_label(entry.action),
            entry.action,
            audit_log.target_name(entry),
            _detail_text(entry.detail),
        ]
        for entry in entries[:AUDIT_CSV_LIMIT]
    )
    name = f"entraide-journal-{timezone.localdate().isoformat()}.csv"
    return spreadsheet_response(name, header, rows)


# --- Retention (staff) ---------------------------------------------------------------------


@staff_required
@require_GET
def retention(request: AuthenticatedRequest) -> HttpResponse:
    last = AuditEntry.objects.filter(action=services.PURGE_ACTION).order_by("-created_at").first()
    return render(
        request,
        "privacy/staff/retention.html",
        {"rules": rules(), "last_run": last, "can_change": roles.is_coordinator(request.user)},
    )
