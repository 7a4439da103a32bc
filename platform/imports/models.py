"""Spreadsheet imports: one job per uploaded file, and the column mapping kept for the
next file of the same kind."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Target(models.TextChoices):
    OFFERS = "offers", _("Offers taken by the phone line")
    NEEDS = "needs", _("Needs of an association")


class ImportMapping(models.Model):
    """Which column of the city's spreadsheet holds which field, by target: saved each
    time staff confirm a mapping, and proposed again for the next file."""

    target = models.CharField(
        _("what is imported"), max_length=20, choices=Target.choices, unique=True
    )
    # {field name: column header, normalised (lower case, no accents, no punctuation)}
    columns = models.JSONField(_("columns"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import column mapping")
        verbose_name_plural = _("import column mappings")

    def __str__(self) -> str:
        return str(self.get_target_display())


class ImportJob(models.Model):
    """One file: uploaded, its columns mapped, checked (a dry run through the services,
    rolled back), then imported in one transaction, or cancelled."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Columns to map")
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked, ready to import")
        IMPORTING = "importing", _("Being imported")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Stopped by an error")
        CANCELLED = "cancelled", _("Cancelled")

    S = Status
    TRANSITIONS: dict[str, set[str]] = {
        S.UPLOADED: {S.CHECKING, S.CANCELLED},
        S.CHECKING: {S.CHECKED, S.FAILED, S.CANCELLED},
        S.CHECKED: {S.CHECKING, S.IMPORTING, S.CANCELLED},
        S.IMPORTING: {S.DONE, S.FAILED},
        S.FAILED: {S.CHECKING, S.CANCELLED},
        S.DONE: set(),
        S.CANCELLED: set(),
    }
    RUNNING = (S.CHECKING, S.IMPORTING)

    target = models.CharField(_("what is imported"), max_length=20, choices=Target.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("association"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=10)
    # The file itself until it is imported or cancelled, then emptied: it holds callers'
    # contacts, which then live in the offers themselves (or nowhere).
    content = models.BinaryField(_("file"), default=b"")
    headers = models.JSONField(_("columns of the file"), default=list)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    mapping = models.JSONField(_("mapping"), default=dict)  # {field: header}
    default_kind = models.CharField(_("kind when no column says it"), max_length=20, blank=True)
    consent_declared = models.BooleanField(_("every caller gave consent"), default=False)
    # Housing by phone needs the host charter read to the caller (offers.services).
    charter_declared = models.BooleanField(
        _("the host charter was read to every caller offering housing"), default=False
    )
    publish_needs = models.BooleanField(_("publish the needs at once"), default=True)
    skip_duplicates = models.BooleanField(_("leave out possible duplicates"), default=True)
    language = models.CharField(max_length=10, default="fr")
    # {"valid": n, "errors": [{"row", "messages", "values"}], "duplicates": [...], ...}
    report = models.JSONField(_("report"), default=dict)
    imported = models.PositiveIntegerField(_("rows imported"), default=0)
    failure = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")

    def __str__(self) -> str:
        return self.file_name

    @property
    def running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def error_count(self) -> int:
        return len(self.report.get("errors", []))

    @property
    def duplicate_count(self) -> int:
        return len(self.report.get("duplicates", []))
