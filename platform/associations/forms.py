from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation
from associations.models import PublicListing
from core.models import Sector
from core.vocabulary import SPOKEN_LANGUAGES


class ApplicationForm(forms.ModelForm):
    """What an organisation tells city staff when it applies (all checked by people)."""

    sectors = forms.ModelMultipleChoiceField(
        label=_("Districts you serve"),
        queryset=Sector.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "registration_number",
            "description",
            "sectors",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"].required = True
        self.fields["contact_name"].required = True
        self.fields["contact_email"].required = True
        self.fields["contact_email"].help_text = _(
            "Only city staff and, after a match both sides confirmed, the resident who helps "
            "see the contact details."
        )
        self.fields["kind"].choices = Organisation.Kind.choices  # type: ignore[attr-defined]


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refusal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("The applicants read it: say what would let you verify them."),
    )


class AccreditationWithdrawalForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the accreditation ends (kept in the audit log)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        required=False,
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person to invite"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        widget=forms.RadioSelect,
        help_text=_("Admins can also invite and remove members."),
    )


class HttpsURLField(forms.URLField):
    """An address typed without a scheme is taken as https://."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(assume_scheme="https", **kwargs)


class ListingForm(forms.ModelForm):
    """What the organisation shows on the public "Find help" page."""

    help_kinds = forms.MultipleChoiceField(
        label=_("Kinds of help you give"),
        choices=PublicListing.Help.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("Districts where people can come to you"),
        queryset=Sector.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None: you are listed for the whole city."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken by your team"),
        choices=SPOKEN_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = PublicListing
        fields = [
            "listed",
            "help_kinds",
            "sectors",
            "summary",
            "phone",
            "email",
            "address",
            "opening_hours",
            "languages",
            "website",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"website": HttpsURLField}
        help_texts = {
            "listed": _("People who arrive find you there, in their language."),
            "phone": _("The organisation's public number, never a volunteer's own."),
            "email": _("The organisation's public address, never a volunteer's own."),
            "address": _("Your premises or where you receive people, if they may come."),
            "opening_hours": _("For example: Tuesday and Thursday 2 pm to 6 pm."),
        }


class FindHelpFilterForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django's label suffix would come from the French catalogue in languages it lacks.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    sector = forms.ModelChoiceField(
        label=_("District"),
        queryset=Sector.objects.all(),
        required=False,
        empty_label=_("All districts"),
    )
    kind = forms.ChoiceField(
        label=_("Kind of help"),
        choices=[("", _("All kinds of help")), *PublicListing.Help.choices],
        required=False,
    )
