from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.vocabulary import HelpKind
from imports import fields, reading
from imports.models import ImportJob, Target


class UploadForm(forms.Form):
    target = forms.ChoiceField(
        label=_("What does the file hold?"), choices=Target.choices, widget=forms.RadioSelect
    )
    organisation = forms.ModelChoiceField(
        label=_("Association"),
        queryset=Organisation.objects.verified(),
        required=False,
        help_text=_("For needs: the association they come from."),
    )
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("CSV or XLSX, at most 10 MB and 20,000 rows; the first row gives the columns."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > reading.MAX_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(_("The file is larger than 10 MB: split it."))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("target") == Target.NEEDS and not data.get("organisation"):
            self.add_error("organisation", _("Choose the association these needs are for."))
        return data


class MappingForm(forms.Form):
    """For each field, the column of the file that holds it (or none)."""

    def __init__(self, *args: Any, job: ImportJob, initial_mapping: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.job = job
        columns = [("", _("— not in this file —")), *[(h, h) for h in job.headers]]
        for item in fields.fields_of(job.target):
            kinds = ", ".join(str(HelpKind(k).label) for k in item.kinds)
            help_text = _("Required.") if item.required else ""
            if len(item.kinds) < len(HelpKind.values):
                help_text = f"{help_text} {_('For: %(kinds)s.') % {'kinds': kinds}}".strip()
            self.fields[f"field_{item.name}"] = forms.ChoiceField(
                label=item.label,
                choices=columns,
                required=False,
                initial=initial_mapping.get(item.name, ""),
                help_text=help_text,
            )
        self.fields["default_kind"] = forms.ChoiceField(
            label=_("Kind of help of the rows that do not say it"),
            choices=[("", _("None: every row says it")), *HelpKind.choices],
            required=False,
            initial=job.default_kind,
        )
        if job.target == Target.OFFERS:
            self.fields["consent_declared"] = forms.BooleanField(
                label=_(
                    "The file has no consent column: every caller in it agreed on the phone "
                    "that the city keeps their contact and offer (recorded in the audit log)."
                ),
                required=False,
                initial=job.consent_declared,
            )
            self.fields["charter_declared"] = forms.BooleanField(
                label=_(
                    "The host charter in force was read to every caller who offers housing, "
                    "and they accepted it (recorded with each offer and in the audit log)."
                ),
                required=False,
                initial=job.charter_declared,
            )
        else:
            self.fields["publish_needs"] = forms.BooleanField(
                label=_("Publish the needs at once (otherwise they stay drafts)"),
                required=False,
                initial=job.publish_needs,
            )

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("field_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("field_") and value
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [value for name, value in data.items() if name.startswith("field_") and value]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("One column is chosen for two fields."))
        return data


class StartForm(forms.Form):
    skip_duplicates = forms.TypedChoiceField(
        label=_("Rows that may repeat a record"),
        choices=[
            ("1", _("Leave them out (they are in the report to check)")),
            ("0", _("Import them too")),
        ],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
