"""Importing the city's spreadsheets: every row goes through the same forms and services
as an offer taken by phone (``offers.services.offer_take_by_phone``: consent recorded,
contact data kept from the text, duplicates looked for) or a need entered by staff for an
association (``needs.services.need_create``: personal details in the note flagged).

The check is a dry run: every row through the services inside a transaction that is
rolled back, so staff see exactly what the import will refuse. The import itself is one
transaction: either every valid row is in, or (on a crash) none is, and the job can be
started again. Both run as Celery tasks, eager in the demo; progress is kept in the
cache, where the page polls it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Organisation, User
from core.audit import audit
from core.errors import DomainError
from core.form_choices import read_choices_once
from core.lifecycle import transition
from imports import fields, reading
from imports.models import ImportJob, ImportMapping, Target
from needs.forms import NeedForm
from needs.models import Need
from needs.services import accepts_minors, has_districts, need_create, need_publish
from offers.forms import CallerForm, offer_form_class
from offers.models import Offer, normalise_phone
from offers.selectors import duplicates_in_bulk

logger = logging.getLogger(__name__)
# The web form of each kind of offer, built once (building a form class is not cheap).
_offer_form = functools.cache(offer_form_class)
Status = ImportJob.Status
PROGRESS_EVERY = 25
CALLER_FIELDS = ("caller_name", "caller_phone", "caller_email", "consent")


def _staff(by: User) -> None:
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff import spreadsheets.")


def _move(job: ImportJob, to: str, *, by: User | None = None, **values: Any) -> ImportJob:
    return transition(
        instance=job, to=to, table=ImportJob.TRANSITIONS, log_model=None, by=by, fields=values
    )


# --- Upload and mapping ------------------------------------------------------------------


@transaction.atomic
def import_upload(
    *,
    by: User,
    target: str,
    file_name: str,
    content: bytes,
    organisation: Organisation | None = None,
) -> ImportJob:
    """Keep an uploaded file and read its columns; nothing is imported yet."""
    _staff(by)
    kind = reading.file_format(file_name)
    sheet = reading.read(content, kind)
    if target == Target.NEEDS and (organisation is None or not organisation.is_verified):
        raise DomainError(_("Choose the verified association these needs are for."), code="org")
    return ImportJob.objects.create(
        target=target,
        organisation=organisation if target == Target.NEEDS else None,
        file_name=file_name[:200],
        file_format=kind,
        content=content,
        headers=sheet.headers,
        row_count=len(sheet.rows),
        created_by=by,
        language=translation.get_language() or "fr",
    )


def saved_mapping(target: str) -> dict[str, str]:
    found = ImportMapping.objects.filter(target=target).first()
    return dict(found.columns) if found else {}


def proposed_mapping(job: ImportJob) -> dict[str, str]:
    """The job's own mapping if staff made one, else what the last file's mapping and the
    column titles suggest."""
    if job.mapping:
        return dict(job.mapping)
    return fields.guess_mapping(job.target, job.headers, saved_mapping(job.target))


def mapping_problems(job: ImportJob, mapping: dict[str, str], default_kind: str) -> list[str]:
    """What the mapping misses before a check makes sense, in words."""
    problems = []
    unknown = set(mapping.values()) - set(job.headers)
    if unknown:
        problems.append(_("Some chosen columns are not in the file."))
    for item in fields.fields_of(job.target):
        if item.required and not mapping.get(item.name):
            problems.append(_("Choose the column of “%(field)s”.") % {"field": item.label})
    if not mapping.get("kind") and not default_kind:
        problems.append(_("Choose the column of the kind of help, or one kind for every row."))
    if job.target == Target.OFFERS and not (
        mapping.get("caller_phone") or mapping.get("caller_email")
    ):
        problems.append(_("Choose the column of the caller's phone or e-mail."))
    return problems


@transaction.atomic
def import_map(
    *,
    job: ImportJob,
    by: User,
    mapping: dict[str, str],
    default_kind: str = "",
    consent_declared: bool = False,
    charter_declared: bool = False,
    publish_needs: bool = True,
) -> ImportJob:
    """Keep the mapping (for this file and, by column title, for the next one) and start
    the check."""
    _staff(by)
    mapping = {name: header for name, header in mapping.items() if header}
    problems = mapping_problems(job, mapping, default_kind)
    if problems:
        raise DomainError(" ".join(problems), code="mapping")
    ImportMapping.objects.update_or_create(
        target=job.target,
        defaults={
            "columns": {name: reading.normalise(header) for name, header in mapping.items()},
            "updated_by": by,
        },
    )
    job = _move(
        job,
        Status.CHECKING,
        by=by,
        mapping=mapping,
        default_kind=default_kind,
        consent_declared=consent_declared and job.target == Target.OFFERS,
        charter_declared=charter_declared and job.target == Target.OFFERS,
        publish_needs=publish_needs,
        report={},
        failure="",
    )
    _enqueue("check", job)
    return job


def _enqueue(step: str, job: ImportJob) -> None:
    from imports import tasks  # the tasks module imports this one

    task = tasks.check if step == "check" else tasks.run
    cache.set(_progress_key(job), {"done": 0, "total": job.row_count}, 24 * 3600)
    task.delay_on_commit(job.pk)


# --- Reading one row ------------------------------------------------------------------------


@dataclass
class Row:
    number: int  # in the spreadsheet: the header is row 1
    values: list[str]
    kind: str = ""
    messages: list[str] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)  # existing offers or needs
    same_as: list[int] = field(default_factory=list)  # earlier rows of the file
    call: Callable[[], Any] | None = None  # the service call, once the forms accept it
    title: str = ""
    keys: list[Any] = field(default_factory=list)  # what a duplicate would share
    unreadable: set[str] = field(default_factory=set)  # fields whose cell could not be read


def _column(job: ImportJob, name: str, label: Any) -> str:
    header = job.mapping.get(name)
    return f"“{header}”" if header else str(label)


def _form_messages(job: ImportJob, form: Any, labels: dict[str, Any], row: Row) -> list[str]:
    messages = []
    for name, errors in form.errors.items():
        if name in row.unreadable:
            continue  # already said why
        if name == "consent":
            messages.append(
                f"{_column(job, name, labels.get(name, name))}: "
                + _("the caller's consent is not recorded.")
            )
            continue
        for error in errors:
            if name == "__all__":
                messages.append(str(error))
            else:
                messages.append(f"{_column(job, name, labels.get(name, name))}: {error}")
    return messages


def _cells(
    job: ImportJob, raw: dict[str, Any], kind: str, lookups: fields.Lookups, row: Row
) -> dict:
    data: dict[str, Any] = {}
    for item in fields.fields_of(job.target):
        header = job.mapping.get(item.name)
        if item.name == "kind" or not header or kind not in item.kinds:
            continue
        try:
            value = fields.convert(item, raw.get(header), lookups, kind)
        except fields.CellError as error:
            row.messages.append(f"“{header}”: {error}")
            row.unreadable.add(item.name)
            continue
        if value not in ("", []):
            data[item.name] = value
    return data


def _offer_row(job: ImportJob, raw: dict[str, Any], row: Row, by: User, lookups: Any) -> None:
    data = {**fields.OFFER_DEFAULTS, **_cells(job, raw, row.kind, lookups, row)}
    caller = {name: data.pop(name, "") for name in CALLER_FIELDS}
    if job.consent_declared:
        caller["consent"] = "on"
    form = _offer_form(row.kind)(data=data, instance=Offer(kind=row.kind))
    read_choices_once(form, lookups.choice_rows)
    caller_form = CallerForm(data={**caller, "not_a_duplicate": "on"})
    labels = {item.name: item.label for item in fields.OFFER_FIELDS}
    if not form.is_valid():
        row.messages += _form_messages(job, form, labels, row)
    if not caller_form.is_valid():
        row.messages += _form_messages(job, caller_form, labels, row)
    row.title = str(data.get("title", ""))
    if row.messages:
        return
    contact = caller_form.cleaned_data

    def call() -> Offer:
        return offer_take_by_phone(form.content(), contact)

    def offer_take_by_phone(content: dict[str, Any], contact: dict[str, Any]) -> Offer:
        from offers.services import offer_take_by_phone as take

        return take(
            by=by,
            kind=row.kind,
            data=content,
            caller_name=contact["caller_name"],
            caller_phone=contact["caller_phone"],
            caller_email=contact["caller_email"],
            consent=contact["consent"],
            charter_accepted=job.charter_declared,
        )

    row.call = call


def _need_row(job: ImportJob, raw: dict[str, Any], row: Row, by: User, lookups: Any) -> None:
    data = {**fields.NEED_DEFAULTS, **_cells(job, raw, row.kind, lookups, row)}
    form = NeedForm(
        data=data,
        kind=row.kind,
        show_reference=False,
        allow_minors=accepts_minors(job.organisation),
        located_elsewhere=has_districts(job.organisation),
    )
    read_choices_once(form, lookups.choice_rows)
    labels = {item.name: item.label for item in fields.NEED_FIELDS}
    if not form.is_valid():
        row.messages += _form_messages(job, form, labels, row)
    if row.messages:
        return
    cleaned = dict(form.cleaned_data)
    sectors = cleaned.pop("sectors")
    organisation = job.organisation

    @transaction.atomic
    def call() -> Need:
        need = need_create(
            by=by,
            kind=row.kind,
            organisation=organisation,
            origin=Need.Origin.STAFF_FOR_ASSOCIATION,
            sectors=sectors,
            **cleaned,
        )
        if job.publish_needs:
            need = need_publish(need=need, by=by)
        return need

    row.call = call
    row.title = _need_key_text(cleaned, row.kind)
    row.keys = [_need_key(cleaned, row.kind)]


def _need_key(cleaned: dict[str, Any], kind: str) -> tuple[Any, ...]:
    category = cleaned.get("category")
    return (
        kind,
        getattr(category, "pk", category),
        cleaned.get("urgency"),
        cleaned.get("adults"),
        cleaned.get("children"),
        cleaned.get("household_type") or "",
    )


def _need_key_text(cleaned: dict[str, Any], kind: str) -> str:
    category = cleaned.get("category")
    what = category.label if category is not None else str(fields.HelpKind(kind).label)
    return f"{what} — {cleaned.get('adults', 0)} + {cleaned.get('children', 0)}"


def _read_rows(job: ImportJob, by: User) -> list[Row]:
    sheet = reading.read(bytes(job.content), job.file_format)
    lookups = fields.Lookups()
    rows = []
    for index, raw in enumerate(sheet.rows, start=2):
        row = Row(index, [fields._plain(raw.get(h)) for h in sheet.headers])
        try:
            row.kind = fields.row_kind(raw, job.mapping, job.default_kind, lookups)
        except fields.CellError as error:
            row.messages.append(str(error))
            rows.append(row)
            continue
        if job.target == Target.OFFERS:
            _offer_row(job, raw, row, by, lookups)
        else:
            _need_row(job, raw, row, by, lookups)
        rows.append(row)
    _find_duplicates(job, sheet, rows)
    return rows


# --- Possible duplicates --------------------------------------------------------------------


def _offer_keys(job: ImportJob, raw: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    def cell(name: str) -> str:
        header = job.mapping.get(name)
        return fields._plain(raw.get(header)) if header else ""

    keys = []
    phone = normalise_phone(cell("caller_phone"))
    if len(phone) == 9 and not phone.startswith("0"):
        phone = "0" + phone
    if len(phone) >= 6:
        keys.append(("phone", phone))
    if cell("caller_email"):
        keys.append(("email", cell("caller_email").lower()))
    address = " ".join(cell("street_address").split()).lower()
    if kind == fields.H and len(address) >= 5:
        keys.append(("address", address))
    return keys


def _find_duplicates(job: ImportJob, sheet: reading.Sheet, rows: list[Row]) -> None:
    """Rows that may repeat a record already in the platform, or an earlier row: for
    offers the same phone, e-mail or address as an open offer; for needs an active need
    of the same association with the same kind, category, urgency and household."""
    existing: dict[Any, list[int]]
    if job.target == Target.OFFERS:
        for raw, row in zip(sheet.rows, rows, strict=True):
            row.keys = _offer_keys(job, raw, row.kind) if row.kind else []
        existing = duplicates_in_bulk(
            phones={v for row in rows for k, v in row.keys if k == "phone"},
            emails={v for row in rows for k, v in row.keys if k == "email"},
            addresses={v for row in rows for k, v in row.keys if k == "address"},
        )
    else:
        existing = {}
        active = Need.objects.active().filter(organisation=job.organisation)
        for values in active.values_list("pk", "kind", "category_id", "urgency", "adults",
                                         "children", "household_type"):  # fmt: skip
            existing.setdefault(tuple(values[1:]), []).append(values[0])
    first_row: dict[Any, int] = {}
    for row in rows:
        row.duplicates = sorted({pk for key in row.keys for pk in existing.get(key, [])})
        row.same_as = sorted({first_row[key] for key in row.keys if key in first_row})
        for key in row.keys:
            first_row.setdefault(key, row.number)


# --- Check and import -------------------------------------------------------------------------


def _progress_key(job: ImportJob) -> str:
    return f"imports:progress:{job.pk}"


def progress(job: ImportJob) -> dict[str, int]:
    found = cache.get(_progress_key(job)) or {}
    done = job.row_count if job.status in (Status.CHECKED, Status.DONE) else found.get("done", 0)
    return {"done": min(done, job.row_count), "total": job.row_count}


def _report(rows: list[Row], *, imported: int | None = None, flagged: int = 0) -> dict[str, Any]:
    errors = [
        {"row": row.number, "messages": row.messages, "values": row.values}
        for row in rows
        if row.messages
    ]
    duplicates = [
        {
            "row": row.number,
            "title": row.title,
            "existing": row.duplicates[:5],
            "same_as": row.same_as[:5],
            "values": row.values,
        }
        for row in rows
        if not row.messages and (row.duplicates or row.same_as)
    ]
    report: dict[str, Any] = {
        "rows": len(rows),
        "valid": sum(1 for row in rows if not row.messages),
        "errors": errors,
        "duplicates": duplicates,
        "flagged": flagged,
    }
    if imported is not None:
        report["imported"] = imported
    return report


def _through_services(job: ImportJob, rows: list[Row], *, skip_duplicates: bool) -> tuple[int, int]:
    """Each accepted row through its service, in a savepoint of its own: a row the
    service refuses is reported and the others go on. (imported, notes flagged)"""
    done, flagged = 0, 0
    for position, row in enumerate(rows, start=1):
        if position % PROGRESS_EVERY == 0:
            cache.set(_progress_key(job), {"done": position, "total": len(rows)}, 24 * 3600)
        if row.call is None or (skip_duplicates and (row.duplicates or row.same_as)):
            continue
        try:
            # Each service is atomic: a refusal rolls its own savepoint back, and the two
            # calls of a need (create, publish) run in one of ours.
            created = row.call()
        except DomainError as error:
            row.messages.append(str(error.message))
            continue
        done += 1
        flagged += bool(getattr(created, "note_flags", None))
    return done, flagged


def import_check(*, job_id: int) -> ImportJob:
    """The dry run: every row through the forms and the services, all rolled back."""
    job = ImportJob.objects.select_related("organisation", "created_by").get(pk=job_id)
    if job.status != Status.CHECKING:
        return job  # delivered twice, or cancelled meanwhile
    by = job.created_by
    try:
        with translation.override(job.language), transaction.atomic():
            assert by is not None
            rows = _read_rows(job, by)
            valid, flagged = _through_services(job, rows, skip_duplicates=False)
            transaction.set_rollback(True)  # a check changes nothing
        report = _report(rows, flagged=flagged)
        report["valid"] = valid
    except Exception as error:
        logger.exception("Import %s: the check failed", job.pk)
        return _failed(job, error)
    return _move(job, Status.CHECKED, report=report)


@transaction.atomic
def import_start(*, job: ImportJob, by: User, skip_duplicates: bool = True) -> ImportJob:
    """Staff start the import of a checked file."""
    _staff(by)
    job = _move(job, Status.IMPORTING, by=by, skip_duplicates=skip_duplicates, imported_by=by)
    _enqueue("run", job)
    return job


def import_run(*, job_id: int) -> ImportJob:
    """The import: one transaction for the whole file, with one audit entry."""
    try:
        with translation.override(_language(job_id)), transaction.atomic():
            job = (
                ImportJob.objects.select_for_update(of=("self",))
                .select_related("organisation", "imported_by")
                .get(pk=job_id)
            )
            if job.status != Status.IMPORTING:
                return job  # delivered twice: the first delivery did it
            by = job.imported_by
            assert by is not None
            rows = _read_rows(job, by)
            imported, flagged = _through_services(job, rows, skip_duplicates=job.skip_duplicates)
            report = _report(rows, imported=imported, flagged=flagged)
            report["skipped_duplicates"] = (
                sum(1 for r in rows if not r.messages and (r.duplicates or r.same_as))
                if job.skip_duplicates
                else 0
            )
            _move(
                job,
                Status.DONE,
                by=by,
                report=report,
                imported=imported,
                content=b"",
                finished_at=timezone.now(),
            )
            audit(
                actor=by,
                action="imports.job.imported",
                target=job,
                detail={
                    "target": job.target,
                    "rows": len(rows),
                    "imported": imported,
                    "errors": len(report["errors"]),
                    "duplicates_skipped": report["skipped_duplicates"],
                    "notes_flagged": flagged,
                    "consent_declared": job.consent_declared,
                    "charter_declared": job.charter_declared,
                },
            )
            return job
    except Exception as error:
        logger.exception("Import %s failed: nothing was imported", job_id)
        return _failed(ImportJob.objects.get(pk=job_id), error)


def _language(job_id: int) -> str:
    return ImportJob.objects.values_list("language", flat=True).get(pk=job_id) or "fr"


def _failed(job: ImportJob, error: Exception) -> ImportJob:
    job.refresh_from_db()
    if job.status not in ImportJob.RUNNING:
        return job
    message = str(getattr(error, "message", "")) or _(
        "An unexpected error stopped it; nothing was imported. Try again, or tell the "
        "platform's administrators."
    )
    return _move(job, Status.FAILED, failure=message)


@transaction.atomic
def import_cancel(*, job: ImportJob, by: User) -> ImportJob:
    _staff(by)
    job = _move(job, Status.CANCELLED, by=by, content=b"", finished_at=timezone.now())
    audit(actor=by, action="imports.job.cancelled", target=job)
    return job


@transaction.atomic
def import_delete(*, job: ImportJob, by: User) -> None:
    """Forget a finished or cancelled import: its error report (which holds the refused
    rows' contacts) goes with it. What it imported stays."""
    _staff(by)
    if job.running:
        raise DomainError(_("Wait until this import is over."), code="running")
    audit(actor=by, action="imports.job.deleted", target=job, detail={"file": job.file_name})
    job.delete()


def error_report(*, job: ImportJob, by: User) -> tuple[list[str], list[list[Any]]]:
    """The rows left out (refused, or possible duplicates skipped), as in the file, with
    a column saying why: fix them and import that file again. It holds callers'
    contacts: each download is audited."""
    _staff(by)
    audit(actor=by, action="imports.error_report.downloaded", target=job)
    header = [_("Row"), _("Problems"), *job.headers]
    rows: list[list[Any]] = [
        [entry["row"], " | ".join(entry["messages"]), *entry["values"]]
        for entry in job.report.get("errors", [])
    ]
    if job.status != Status.DONE or job.skip_duplicates:
        for entry in job.report.get("duplicates", []):
            rows.append([entry["row"], _duplicate_text(entry), *entry["values"]])
    rows.sort(key=lambda row: row[0])
    return header, rows


def _duplicate_text(entry: dict[str, Any]) -> str:
    parts = []
    if entry.get("existing"):
        parts.append(
            _("May repeat record(s) %(ids)s already in the platform.")
            % {"ids": ", ".join(f"#{pk}" for pk in entry["existing"])}
        )
    if entry.get("same_as"):
        parts.append(
            _("Same contact or need as row(s) %(rows)s of this file.")
            % {"rows": ", ".join(str(n) for n in entry["same_as"])}
        )
    return " ".join(parts)
