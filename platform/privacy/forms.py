from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_phone
from privacy.audit_log import Filters, action_choices


class EraseAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account, my offers' details and my messages will be "
                "erased for good, and that this cannot be undone."),
    )  # fmt: skip


class CloseOrganisationForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that the organisation's open needs will be closed, its members "
                "removed and its contact erased, and that this cannot be undone."),
    )  # fmt: skip


class CallerForm(forms.Form):
    phone = forms.CharField(
        label=_("The caller's phone"), required=False, max_length=30, validators=[validate_phone]
    )
    email = forms.EmailField(label=_("The caller's e-mail"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email"):
            raise forms.ValidationError(_("Give the phone or the e-mail the caller gave."))
        return data


class CallerEraseForm(CallerForm):
    confirm = forms.BooleanField(
        label=_("The caller asked for it: close their offers and erase their contact.")
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Who"), required=False, max_length=120,
        help_text=_("A name, an e-mail, or # and an account number."),
    )  # fmt: skip
    action = forms.ChoiceField(label=_("What"), required=False)
    target = forms.CharField(
        label=_("On what"), required=False, max_length=60,
        help_text=_("For example “offer 12”, “need 3”, or a number."),
    )  # fmt: skip
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Every action")), *action_choices()]  # type: ignore[attr-defined]

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            actor=data["actor"], action=data["action"], target=data["target"],
            start=data["start"], end=data["end"],
        )  # fmt: skip


class StaffEraseAccountForm(forms.Form):
    email = forms.EmailField(label=_("The e-mail address of the account"))
    confirm = forms.BooleanField(
        label=_("The person asked for it (or the data protection officer decided it): erase "
                "the account, close its offers and anonymise its history."),
    )  # fmt: skip
