"""Staff pages of spreadsheet imports: upload, map the columns, see the check, import,
follow the progress, download what was left out."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.csv_files import spreadsheet_response
from core.errors import DomainError
from core.http import AuthenticatedRequest
from core.permissions import staff_required
from imports import fields, services
from imports.forms import MappingForm, StartForm, UploadForm
from imports.models import ImportJob, Target

SHOWN_PROBLEMS = 100


def _job(pk: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.select_related("organisation", "created_by", "imported_by"), pk=pk
    )


@staff_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = ImportJob.objects.select_related("organisation", "created_by").defer("content")
    page = Paginator(jobs, 30).get_page(request.GET.get("page"))
    return render(request, "imports/list.html", {"page": page, "targets": Target.choices})


@staff_required
@require_http_methods(["GET", "POST"])
def job_new(request: AuthenticatedRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_upload(
                by=request.user,
                target=form.cleaned_data["target"],
                organisation=form.cleaned_data.get("organisation"),
                file_name=upload.name,
                content=upload.read(),
            )
        except DomainError as error:
            form.add_error("file", str(error.message))
        else:
            return redirect("imports:mapping", pk=job.pk)
    return render(request, "imports/new.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def job_mapping(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED,
                          ImportJob.Status.FAILED):  # fmt: skip
        return redirect("imports:detail", pk=job.pk)
    form = MappingForm(
        request.POST or None, job=job, initial_mapping=services.proposed_mapping(job)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.import_map(
                job=job,
                by=request.user,
                mapping=form.mapping(),
                default_kind=form.cleaned_data.get("default_kind") or "",
                consent_declared=bool(form.cleaned_data.get("consent_declared")),
                charter_declared=bool(form.cleaned_data.get("charter_declared")),
                publish_needs=bool(form.cleaned_data.get("publish_needs", True)),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            return redirect("imports:detail", pk=job.pk)
    context = {"job": job, "form": form, "samples": _samples(job)}
    return render(request, "imports/mapping.html", context)


def _samples(job: ImportJob) -> list[tuple[str, str]]:
    """The first values of each column, to help choose; an e-mail address or a phone
    number is not shown (any member of staff opens this page, and reading a caller's
    contact is audited elsewhere): the column's name says enough."""
    from imports import reading

    try:
        sheet = reading.read(bytes(job.content), job.file_format)
    except DomainError:
        return []
    samples = []
    for header in sheet.headers:
        values = [fields._plain(row.get(header)) for row in sheet.rows[:3]]
        shown = [_("(contact details, not shown)") if _is_contact(v) else v for v in values if v]
        samples.append((header, ", ".join(dict.fromkeys(shown))[:80]))
    return samples


def _is_contact(value: str) -> bool:
    """An e-mail address, or a phone number (six digits or more)."""
    return "@" in value or sum(character.isdigit() for character in value) >= 6


@staff_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    report = job.report or {}
    context = {
        "job": job,
        "progress": services.progress(job),
        "errors": report.get("errors", [])[:SHOWN_PROBLEMS],
        "duplicates": report.get("duplicates", [])[:SHOWN_PROBLEMS],
        "start": StartForm(),
        "target_label": dict(Target.choices)[job.target],
    }
    return render(request, "imports/detail.html", context)


@staff_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx while the job runs; once it is over, htmx
    reloads the page to show the result."""
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    response = render(
        request, "imports/_progress.html", {"job": job, "progress": services.progress(job)}
    )
    if not job.running:
        response["HX-Refresh"] = "true"
    return response


@staff_required
@require_POST
def job_start(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    form = StartForm(request.POST)
    skip = form.cleaned_data["skip_duplicates"] if form.is_valid() else True
    services.import_start(job=job, by=request.user, skip_duplicates=skip)
    return redirect("imports:detail", pk=job.pk)


@staff_required
@require_POST
def job_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    services.import_cancel(job=_job(pk), by=request.user)
    messages.success(request, _("The import is cancelled and its file deleted."))
    return redirect("imports:list")


@staff_required
@require_POST
def job_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    services.import_delete(job=_job(pk), by=request.user)
    messages.success(request, _("The import and its report are deleted."))
    return redirect("imports:list")


@staff_required
@require_GET
def job_report(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    header, rows = services.error_report(job=job, by=request.user)
    stem = job.file_name.rsplit(".", 1)[0]
    return spreadsheet_response(f"{stem}-left-out.csv", header, rows)


@staff_required
@require_GET
def template_file(request: HttpRequest, target: str) -> HttpResponse:
    """An empty spreadsheet with one column per field, for a city starting its own."""
    if target not in Target.values:
        target = Target.OFFERS
    header = [str(item.label) for item in fields.fields_of(target)]
    return spreadsheet_response(f"entraide-{target}.csv", header, [])
