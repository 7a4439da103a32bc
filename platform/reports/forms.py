from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.vocabulary import HelpKind
from reports import opendata
from reports.periods import Period
from reports.statistics import MEASURE_LABELS, MEASURES, STOCKS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PeriodForm(forms.Form):
    """The dashboard's filters: a period (a preset, or from and to dates) and a kind."""

    PRESETS = [
        ("30", _("The last 30 days")),
        ("90", _("The last 3 months")),
        ("365", _("The last 12 months")),
        ("all", _("Since the beginning")),
        ("dates", _("Between the dates below")),
    ]
    period = forms.ChoiceField(label=_("Period"), choices=PRESETS, initial="365", required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    kind = forms.ChoiceField(
        label=_("Kind of help"), choices=[("", _("All kinds")), *HelpKind.choices], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == "dates":
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Give the first day of the period."))
            if start and end and end < start:
                self.add_error("end", _("The last day comes before the first."))
        return data

    def result(self) -> tuple[Period, str]:
        """The period and kind asked for; the last 12 months of every kind otherwise."""
        today = timezone.localdate()
        if not self.is_bound or not self.is_valid():
            return Period.last_days(365, today), ""
        data = self.cleaned_data
        kind = data.get("kind") or ""
        preset = data.get("period") or "365"
        if preset == "all":
            return Period(None, today), kind
        if preset == "dates":
            end: date = data.get("end") or today
            return Period(data["start"], min(end, today)), kind
        return Period.last_days(int(preset), today), kind


class NetworkUploadForm(forms.Form):
    """Another city's open-data file (CSV or JSON of our Table Schema)."""

    file = forms.FileField(
        label=_("A file of another city"),
        help_text=_(
            "CSV or JSON, following the Entraide open-data schema (at most 5 MB). "
            "A new file of the same city replaces the previous one."
        ),
    )
    population = forms.IntegerField(
        label=_("Its population (optional)"),
        min_value=1,
        required=False,
        help_text=_("For figures per 10,000 inhabitants, if the file does not give it."),
    )

    city: str = ""
    rows: list[dict[str, Any]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is None:
            return data
        if upload.size > opendata.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        content = upload.read()
        file_format = "json" if upload.name.lower().endswith(".json") else "csv"
        problems = opendata.validate(content, file_format)
        if problems:
            raise forms.ValidationError(
                [_("This file does not follow the schema:"), *problems[:10]]
            )
        self.rows = opendata.read_rows(content, file_format)
        self.city = self.rows[0]["city"]
        return data

    @property
    def chosen_population(self) -> int | None:
        given = self.cleaned_data.get("population")
        if given:
            return int(given)
        found = [row["population"] for row in self.rows if row.get("population")]
        return int(found[0]) if found else None


class NetworkChoiceForm(forms.Form):
    measure = forms.ChoiceField(
        label=_("Figure"),
        choices=[(m, MEASURE_LABELS[m]) for m in MEASURES],
        initial="placements",
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind of help"),
        choices=[("all", _("All kinds")), *HelpKind.choices],
        required=False,
    )

    def chosen_measure(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("measure"):
            return str(self.cleaned_data["measure"])
        return "placements"

    def chosen_kind(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("kind"):
            wanted = str(self.cleaned_data["kind"])
            # Beds are counted for housing only.
            return "housing" if self.chosen_measure() in STOCKS else wanted
        return "housing" if self.chosen_measure() in STOCKS else "all"
