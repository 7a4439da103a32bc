from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.models import Match


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why? (optional, helps the city team)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown in the history)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompleteForm(forms.Form):
    """The end of a confirmed match: when, how it went, and (for the association and
    staff) whether the household still needs help."""

    ended_on = forms.DateField(
        label=_("It ended on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    outcome = forms.ChoiceField(
        label=_("How did it go? (optional)"),
        choices=[("", _("I prefer not to say")), *Match.Outcome.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    still_needed = forms.ChoiceField(
        label=_("Does the household still need this help?"),
        choices=[
            ("no", _("No: this need is met")),
            ("yes", _("Yes: look for another offer, first in the city team's queue")),
        ],
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "If you say nothing, a stay that broke down or ended early is looked at again."
        ),
    )

    def __init__(self, *args: Any, ask_still_needed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()
        if not ask_still_needed:
            del self.fields["still_needed"]

    def still_needed_value(self) -> bool | None:
        value = self.cleaned_data.get("still_needed", "")
        return None if not value else value == "yes"


class RoomAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[(a, a) for a in ("available", "paused", "closed")])


class OnBehalfForm(forms.Form):
    """Staff answer for a side without an account (a caller of the phone line, a person
    met at a counter), after asking them."""

    side = forms.ChoiceField(choices=Match.Side.choices, widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=_(
            "The person agreed to this proposal, and to share their contact with the other "
            "side once both accept (asked on the phone or at the counter)."
        ),
        required=False,
    )
    reason = forms.CharField(
        label=_("If they decline: why? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StaffSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search offers and needs"),
        max_length=100,
        help_text=_(
            "Words of a title or a note, a street, a postcode, a caller's phone or e-mail, "
            "an internal reference of a need met at a counter, or a number."
        ),
    )
