"""Pages of figures: the staff dashboard and its exports, the public statistics, the open
data files, and the staff's page comparing the city with others of the network."""

from __future__ import annotations

import json
from datetime import date, datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.csv_files import spreadsheet_response
from core.http import AuthenticatedRequest
from core.permissions import staff_required
from core.vocabulary import HelpKind
from reports import dashboard, opendata, public_pages, services, statistics
from reports.forms import NetworkChoiceForm, NetworkUploadForm, PeriodForm
from reports.models import NetworkDataset


def _filters(request: HttpRequest) -> tuple[PeriodForm, dashboard.Period, str]:
    form = PeriodForm(request.GET or None)
    period, kind = form.result()
    return form, period, kind


@staff_required
@require_GET
def staff_dashboard(request: HttpRequest) -> HttpResponse:
    form, period, kind = _filters(request)
    context = {
        "form": form,
        "period": period,
        "kind": kind,
        "sections": dashboard.sections(period, kind),
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/dashboard.html", context)


@staff_required
@require_GET
def staff_export(request: HttpRequest, table: str) -> HttpResponse:
    """One table of the dashboard as a CSV file: aggregated figures only, with the
    small-count rule applied (``core.small_counts``)."""
    section = dashboard.TABLES.get(table)
    if section is None:
        raise Http404
    _form, period, kind = _filters(request)
    found = next(t for t in dashboard.section(section, period, kind).tables if t.slug == table)
    start = period.start.isoformat() if period.start else "start"
    name = f"entraide-{table}{'-' + kind if kind else ''}-{start}-{period.end.isoformat()}.csv"
    return spreadsheet_response(name, found.header, found.for_export())


# --- Public statistics -----------------------------------------------------------------


def _kind_choice(request: HttpRequest) -> str:
    kind = request.GET.get("type", statistics.ALL)
    return kind if kind in (*statistics.KINDS, statistics.ALL) else statistics.ALL


@require_GET
def public_statistics(request: HttpRequest) -> HttpResponse:
    """For the council and the press: what was offered and achieved, month by month and
    kind by kind, and the needs of the moment; every small count withheld."""
    stats = statistics.published()
    kind = _kind_choice(request)
    context = {
        "stats": stats,
        "kind": kind,
        "kinds": [(statistics.ALL, _("All kinds")), *HelpKind.choices],
        **public_pages.statistics_context(stats, kind),
    }
    return render(request, "reports/statistics.html", context)


# --- Open data -----------------------------------------------------------------------------


def _open_file(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body.encode("utf-8"), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Open data: any site may read it, in a browser too.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _months_file(months: list[date], file_format: str, filename: str) -> HttpResponse:
    rows = opendata.rows(statistics.published(), months)
    if file_format == "csv":
        return _open_file(opendata.as_csv(rows), "text/csv", f"{filename}.csv")
    return _open_file(opendata.as_json(rows), "application/json", f"{filename}.json")


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    stats = statistics.published()
    context = {
        "stats": stats,
        "months": list(reversed(stats.complete_months)),
        "fields": opendata.schema_descriptor()["fields"],
    }
    return render(request, "reports/open_data.html", context)


@require_GET
def open_data_month(request: HttpRequest, month: str, file_format: str) -> HttpResponse:
    try:
        wanted = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise Http404 from None
    if wanted not in statistics.published().complete_months:
        raise Http404
    return _months_file([wanted], file_format, f"entraide-{month}")


@require_GET
def open_data_all(request: HttpRequest, file_format: str) -> HttpResponse:
    months = statistics.published().complete_months
    return _months_file(months, file_format, "entraide-all-months")


@require_GET
def open_data_schema(request: HttpRequest) -> HttpResponse:
    body = json.dumps(opendata.schema_descriptor(), ensure_ascii=False, indent=2)
    return _open_file(body, "application/json", "schema.json")


@require_GET
def open_data_package(request: HttpRequest) -> HttpResponse:
    body = json.dumps(opendata.data_package(statistics.published()), ensure_ascii=False, indent=2)
    return _open_file(body, "application/json", "datapackage.json")


# --- The city network (staff) ------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def network(request: AuthenticatedRequest) -> HttpResponse:
    """Other cities' open data, uploaded by staff, side by side with ours."""
    upload = NetworkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload.is_valid():
        dataset = services.network_dataset_create(
            by=request.user,
            city=upload.city,
            population=upload.chosen_population,
            file_name=upload.cleaned_data["file"].name,
            rows=upload.rows,
        )
        messages.success(request, _("The figures of %(city)s are added.") % {"city": dataset.city})
        return redirect("reports-staff:network")
    choice = NetworkChoiceForm(request.GET or None)
    context = {
        "upload": upload,
        "choice": choice,
        "datasets": NetworkDataset.objects.select_related("uploaded_by"),
        **public_pages.network_context(choice.chosen_measure(), choice.chosen_kind()),
    }
    return render(request, "reports/network.html", context)


@staff_required
@require_POST
def network_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(NetworkDataset, pk=pk)
    services.network_dataset_delete(dataset=dataset, by=request.user)
    messages.success(request, _("The figures of %(city)s are removed.") % {"city": dataset.city})
    return redirect("reports-staff:network")
