"""The offer forms: one per kind, each a page of a few clear groups, usable on a phone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_phone
from core.form_choices import ModelChoiceReadOnce
from core.models import Category
from core.vocabulary import SPOKEN_LANGUAGES, HelpKind, HouseholdType
from offers.models import WEEKLY_SLOTS, HostCharter, HousingCheck, Offer


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to offer?"),
        choices=HelpKind.choices,
        widget=forms.RadioSelect,
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# The groups each kind's page shows, in order: (legend, fields). The legend tells who sees.
FIELDSETS: dict[str, list[tuple[Any, list[str]]]] = {
    HelpKind.HOUSING: [
        (_("The housing"), ["title", "housing_type", "capacity", "sector", "step_free_access",
                            "pets_at_home", "contribution_per_month"]),
        (_("Who and when"), ["household_types", "households_at_once", "available_from",
                             "available_until", "min_stay_nights", "max_stay_nights",
                             "languages"]),
        (_("Private: only the city team sees this"), ["street_address", "postcode"]),
        (_("Anything else"), ["description"]),
    ],
    HelpKind.DONATION: [
        (_("The goods"), ["title", "category", "quantity", "sizes", "condition", "best_before"]),
        (_("Where and when to pick them up"), ["sector", "available_from", "available_until",
                                               "pickup_hours"]),
        (_("Anything else"), ["description"]),
    ],
    HelpKind.SKILL: [
        (_("What you can do"), ["title", "category", "languages", "language_pairs",
                                "capacity", "hours_per_month"]),
        (_("When and where"), ["weekly_slots", "remote_possible", "sector", "available_from",
                               "available_until"]),
        (_("Anything else"), ["description"]),
    ],
}  # fmt: skip


def fields_of(kind: str) -> list[str]:
    return [name for _legend, names in FIELDSETS[kind] for name in names]


class OfferForm(forms.ModelForm):
    """The details of one kind of offer. Build it with :func:`offer_form_class`."""

    household_types = forms.MultipleChoiceField(
        label=_("Who is welcome"),
        choices=HouseholdType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=SPOKEN_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    weekly_slots = forms.MultipleChoiceField(
        label=_("When you are available"),
        choices=WEEKLY_SLOTS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Offer
        fields: list[str] = []
        widgets = {
            "housing_type": forms.RadioSelect,
            "condition": forms.RadioSelect,
            "available_from": DateInput(),
            "available_until": DateInput(),
            "best_before": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        # An import puts many rows through one form: it reads their choices once.
        field_classes = {"sector": ModelChoiceReadOnce, "category": ModelChoiceReadOnce}

    kind: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "category" in self.fields:
            field = self.fields["category"]
            field.queryset = Category.objects.active().of_kind(self.kind)  # type: ignore[attr-defined]
            field.label_from_instance = lambda category: category.label  # type: ignore[attr-defined]
            field.required = True
        if "housing_type" in self.fields:
            self.fields["housing_type"].choices = Offer.HousingType.choices  # type: ignore[attr-defined]
        if "condition" in self.fields:
            self.fields["condition"].choices = Offer.Condition.choices  # type: ignore[attr-defined]
        if self.kind == HelpKind.SKILL and "capacity" in self.fields:
            self.fields["capacity"].label = _("How many people you can follow")
            self.fields["capacity"].help_text = _("At the same time. Leave empty for one.")
        if self.kind == HelpKind.HOUSING and "capacity" in self.fields:
            self.fields["capacity"].label = _("Number of beds")
            self.fields["capacity"].help_text = ""
        if "street_address" in self.fields:
            # The phone intake page looks for duplicates as staff type the address.
            self.fields["street_address"].widget.attrs["class"] = "duplicate-key"
        if self.kind == HelpKind.DONATION and "sector" in self.fields:
            self.fields["sector"].label = _("District where they can be picked up")

    def _post_clean(self) -> None:
        """Django's model validation, without its queries (``Offer.validate_without_queries``):
        the district and the category were just read by their fields' choices. (Django's
        hook; its stubs do not declare the helpers it calls.)"""
        form: Any = self
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
        except ValidationError as error:
            form._update_errors(error)
        try:
            self.instance.validate_without_queries(exclude=form._get_validation_exclusions())
        except ValidationError as error:
            form._update_errors(error)
        if form._validate_unique:  # as Django does; the offer has no unique field today
            form.validate_unique()

    def fieldsets(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in FIELDSETS[self.kind]
        ]

    def content(self) -> dict[str, Any]:
        """The cleaned values, for the services (which own every write)."""
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}


def offer_form_class(kind: str) -> type[OfferForm]:
    if kind not in HelpKind.values:
        raise ValueError(f"Unknown kind {kind!r}")
    meta = type("Meta", (OfferForm.Meta,), {"fields": fields_of(kind)})
    return type(f"{kind.title()}OfferForm", (OfferForm,), {"Meta": meta, "kind": kind})


class CallerForm(forms.Form):
    """The caller's contact for an offer taken by phone, and their consent."""

    caller_name = forms.CharField(label=_("Caller's name"), max_length=120, required=False)
    caller_phone = forms.CharField(
        label=_("Caller's phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"class": "duplicate-key", "autocomplete": "off"}),
        validators=[validate_phone],
    )
    caller_email = forms.EmailField(
        label=_("Caller's e-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"class": "duplicate-key", "autocomplete": "off"}),
        help_text=_("They will receive a link to take the offer over with an account."),
    )
    consent = forms.BooleanField(
        label=_(
            "The caller agrees that the city keeps their contact and offer to find them "
            "someone to help, and knows they can ask for it to be erased."
        ),
    )
    not_a_duplicate = forms.BooleanField(
        label=_("I checked the possible duplicates: this is a new offer."), required=False
    )
    charter_accepted = forms.BooleanField(
        label=_("I read the host charter to the caller, who accepts it."), required=False
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("caller_phone") or cleaned.get("caller_email")):
            raise forms.ValidationError(_("Give the caller's phone or e-mail."))
        return cleaned


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason, shown to the resident"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is taken out of matching (shown to the resident)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Your question to the resident"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class HousingCheckForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"), choices=HousingCheck.Step.choices)
    done_on = forms.DateField(label=_("Done on"), widget=DateInput())
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("done_on", timezone.localdate())


class CharterForm(forms.Form):
    """A new version of the host charter: one text per site language, French required."""

    def __init__(self, *args: Any, current: HostCharter | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.ENTRAIDE_FULL_LANGUAGES:
            self.fields[f"text_{code}"] = forms.CharField(
                label=format_lazy(_("Charter in {language}"), language=name),
                required=code == settings.LANGUAGE_CODE,
                max_length=20_000,
                widget=forms.Textarea(attrs={"rows": 8, "lang": code, "dir": "auto"}),
                initial=(current.texts.get(code, "") if current else ""),
            )

    def texts(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"text_{code}", "")
            for code, _name in settings.ENTRAIDE_FULL_LANGUAGES
            if self.cleaned_data.get(f"text_{code}", "")
        }
