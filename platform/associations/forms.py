from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation
from core.models import Sector


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
