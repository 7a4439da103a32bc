from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.form_choices import ModelChoiceReadOnce
from core.models import Sector
from core.pii import PersonalDataKind
from core.staff_filters import QueueFilterForm
from core.vocabulary import SPOKEN_LANGUAGES, HelpKind, HouseholdType
from needs.models import Need
from needs.selectors import categories_for
from needs.services import DISTANCE_WITHOUT_LOCATION, MINORS_REFUSED, SCANNED, note_flags


def flag_labels(flags: list[str]) -> list[str]:
    return [str(PersonalDataKind(flag).label) for flag in flags if flag in PersonalDataKind.values]


KIND_HELP = {
    HelpKind.HOUSING: _("A bed, a room, a dwelling or a few emergency nights."),
    HelpKind.DONATION: _("Clothing, bedding, furniture, food, a bike..."),
    HelpKind.SKILL: _("Interpreting, French lessons, accompaniment, school support..."),
}


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is needed?"), choices=HelpKind.choices, widget=forms.RadioSelect
    )


class StaffIntakeForm(KindForm):
    origin = forms.ChoiceField(
        label=_("For whom?"),
        choices=[
            (Need.Origin.STAFF_FOR_ASSOCIATION, _("For an association (by phone or e-mail)")),
            (Need.Origin.COUNTER, _("For a person met at a counter")),
        ],
        widget=forms.RadioSelect,
    )
    organisation = forms.ModelChoiceField(
        label=_("Association"),
        queryset=Organisation.objects.verified(),
        required=False,
        help_text=_("Only for a need entered for an association."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("origin") == Need.Origin.STAFF_FOR_ASSOCIATION and not data.get("organisation"):
            self.add_error("organisation", _("Choose the association."))
        if data.get("origin") == Need.Origin.COUNTER:
            data["organisation"] = None
        return data


class NeedForm(forms.ModelForm):
    """Step 2: the details of a need, fields depending on its kind."""

    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=SPOKEN_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    housing_types = forms.MultipleChoiceField(
        label=_("Housing that fits"),
        choices=Need.HousingType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("Preferred districts"),
        queryset=Sector.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Choose none if anywhere in the city fits."),
    )

    KIND_FIELDS = {
        HelpKind.HOUSING: ["housing_types"],
        HelpKind.DONATION: ["category", "quantity", "sizes"],
        HelpKind.SKILL: ["category"],
    }

    class Meta:
        model = Need
        fields = [
            "urgency",
            "category",
            "quantity",
            "sizes",
            "housing_types",
            "adults",
            "children",
            "household_type",
            "languages",
            "step_free_access",
            "no_pets",
            "accessibility",
            "wanted_from",
            "wanted_until",
            "sectors",
            "max_distance_km",
            "note",
            "internal_reference",
        ]
        # An import puts many rows through one form: it reads their choices once.
        field_classes = {"category": ModelChoiceReadOnce}
        widgets = {
            "urgency": forms.RadioSelect,
            "household_type": forms.RadioSelect,
            "wanted_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "wanted_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 4}),
        }

    keep_as_written = forms.BooleanField(
        label=_("I checked: keep these texts as written (city staff will check them)"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        show_reference: bool = True,
        allow_minors: bool = False,
        located_elsewhere: bool = False,
        warn_personal_details: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.allow_minors = allow_minors
        # True when the need's organisation has districts to measure a distance from.
        self.located_elsewhere = located_elsewhere
        # The pages warn the writer before saving a text that seems to hold personal
        # details; an import (which reports flagged rows) and the API do not ask.
        self.warn_personal_details = warn_personal_details
        self.personal_details_found = False
        if not warn_personal_details:
            self.fields.pop("keep_as_written")
        for other_kind, names in self.KIND_FIELDS.items():
            if other_kind != kind:
                for name in names:
                    if name not in self.KIND_FIELDS[HelpKind(kind)]:
                        self.fields.pop(name, None)
        if not show_reference:
            self.fields.pop("internal_reference")
        self.fields["urgency"].choices = Need.Urgency.choices  # type: ignore[attr-defined]
        household: Any = self.fields["household_type"]
        # Fiche 7: only an organisation accredited for the care of minors is offered the
        # choice (the service refuses it from anyone else too).
        types = [
            (value, label)
            for value, label in HouseholdType.choices
            if allow_minors or value != HouseholdType.MINOR
        ]
        if not allow_minors:
            household.help_text = _(
                "Unaccompanied minors: only an organisation accredited by the city for "
                "their care can post a need for them."
            )
        if kind == HelpKind.HOUSING:
            household.choices = types
            household.required = True
            self.fields["housing_types"].required = True
        else:
            household.choices = [("", _("Not relevant")), *types]
        if "category" in self.fields:
            category = self.fields["category"]
            category.queryset = categories_for(kind)  # type: ignore[attr-defined]
            category.required = True
            category.label = _("Which skill?") if kind == HelpKind.SKILL else _("What?")
        if kind == HelpKind.SKILL:
            self.fields["adults"].label = _("Adults concerned")
            self.fields["children"].label = _("Children concerned")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("wanted_from"), data.get("wanted_until")
        if start and end and end < start:
            self.add_error("wanted_until", _("The end date comes before the start date."))
        if (data.get("adults") or 0) + (data.get("children") or 0) < 1:
            self.add_error("adults", _("A need concerns at least one person."))
        if data.get("household_type") == HouseholdType.MINOR and not self.allow_minors:
            self.add_error("household_type", MINORS_REFUSED)
        if data.get("max_distance_km") and not data.get("sectors") and not self.located_elsewhere:
            self.add_error("max_distance_km", DISTANCE_WITHOUT_LOCATION)
        if self.warn_personal_details and not data.get("keep_as_written"):
            self._warn(data)
        return data

    def _warn(self, data: dict[str, Any]) -> None:
        for name in SCANNED:
            if name not in self.fields or not data.get(name):
                continue
            kinds = note_flags(data[name])
            unchanged = self.instance.pk is not None and getattr(self.instance, name) == data[name]
            if kinds and not (unchanged and not self.instance.note_flags):
                self.personal_details_found = True
                self.add_error(
                    name,
                    _(
                        "This seems to hold personal details (%(kinds)s). Describe the need, "
                        "not the person: remove them, or tick “keep these texts as written” "
                        "below if it is a false alarm."
                    )
                    % {"kinds": ", ".join(flag_labels(kinds))},
                )


class NeedFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("State"), choices=[("", _("All states")), *Need.Status.choices], required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=[("", _("All urgencies")), *Need.Urgency.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind of help"), choices=[("", _("All kinds")), *HelpKind.choices], required=False
    )


class StaffNeedFilterForm(QueueFilterForm):
    """The staff's needs list: the queue filters, and the notes to clean."""

    flagged = forms.BooleanField(label=_("Only notes to clean"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, states=Need.Status.choices, **kwargs)


class CleanNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=2000,
        help_text=_(
            "Remove names, addresses, phone numbers, e-mails, dates of birth, document "
            "numbers, and any nationality, status, religion or health condition."
        ),
    )
    accessibility = forms.CharField(
        label=_("Other accessibility needs"), required=False, max_length=300
    )
    sizes = forms.CharField(label=_("Sizes"), required=False, max_length=200)
    erase_reference = forms.BooleanField(
        label=_("Erase the association's internal reference (you cannot read it; the "
                "association is told nothing and can write a new one)"),
        required=False,
    )  # fmt: skip
