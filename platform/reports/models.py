"""What reports keep of their own: the daily count of beds, and other cities' open data.

Every other figure is computed from the rows of offers, needs and matches (counts,
statuses, kinds, districts and dates, never a personal field), so that it stays the same
after old records are anonymised.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BedsDay(models.Model):
    """Beds in published housing offers, and beds taken by confirmed housing matches, on
    one day. A stock cannot be read back from the rows once they change, so the periodic
    task ``reports.snapshot_beds`` writes today's figures every hour (the last write of a
    day holds its figures)."""

    day = models.DateField(_("day"), unique=True)
    beds_offered = models.PositiveIntegerField(_("beds offered"))
    beds_occupied = models.PositiveIntegerField(_("beds occupied"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("beds on a day")
        verbose_name_plural = _("beds by day")

    def __str__(self) -> str:
        return f"{self.day}: {self.beds_occupied}/{self.beds_offered}"

    @property
    def beds_free(self) -> int:
        return max(self.beds_offered - self.beds_occupied, 0)


class NetworkDataset(models.Model):
    """One file of another city's open data (our Table Schema), uploaded by staff to
    compare figures on the network page. Only aggregated, already published figures."""

    city = models.CharField(_("city"), max_length=120)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    # The validated rows: {"month", "kind", "measure", "value", "status"}.
    rows = models.JSONField(_("figures"), default=list)
    first_month = models.CharField(_("first month"), max_length=7)
    last_month = models.CharField(_("last month"), max_length=7)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["city", "-uploaded_at"]
        verbose_name = _("city network file")
        verbose_name_plural = _("city network files")

    def __str__(self) -> str:
        return f"{self.city} ({self.first_month} – {self.last_month})"
