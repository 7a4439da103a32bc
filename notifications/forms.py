from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.models import Sector
from core.vocabulary import SPOKEN_LANGUAGES, HelpKind
from notifications.channels.sms import sms_enabled
from notifications.models import UrgentCall


class PreferenceForm(forms.Form):
    email_optional = forms.BooleanField(
        label=_("Send me reminders and news by e-mail"),
        required=False,
        help_text=_("Messages about your own offers, needs and matches always come."),
    )
    sms = forms.BooleanField(
        label=_("Also send me important messages by text message"),
        required=False,
        help_text=_(
            "Needs a phone number in your account. A text never contains anyone's details."
        ),
    )
    urgent_calls = forms.BooleanField(
        label=_("I want to receive urgent calls for help"),
        required=False,
        help_text=_(
            "When the city urgently needs something (a bed tonight, blankets, an interpreter), "
            "it can write to the people who said yes here. At most a few times a day."
        ),
    )
    urgent_kinds = forms.MultipleChoiceField(
        label=_("Kinds of help I can give"),
        choices=HelpKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    urgent_languages = forms.MultipleChoiceField(
        label=_("Languages I can read"),
        choices=SPOKEN_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    urgent_sectors = forms.ModelMultipleChoiceField(
        label=_("Districts where I can help"),
        queryset=Sector.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Choose none to hear about the whole city."),
    )

    def __init__(self, *args: Any, phone: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # "I want to… :" reads oddly beside a box
        super().__init__(*args, **kwargs)
        if not sms_enabled():
            del self.fields["sms"]
        elif not phone:
            self.fields["sms"].disabled = True
            # A disabled field keeps its initial value: a choice made before the phone
            # number was removed would then be refused on every save.
            self.initial["sms"] = False
            self.fields["sms"].help_text = _(
                "Add a phone number in your account first to receive text messages."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("urgent_calls"):
            if not data.get("urgent_kinds"):
                self.add_error("urgent_kinds", _("Choose at least one kind of help."))
            if not data.get("urgent_languages"):
                self.add_error("urgent_languages", _("Choose at least one language."))
        data.setdefault("sms", False)
        return data


class UrgentCallForm(forms.ModelForm):
    class Meta:
        model = UrgentCall
        fields = ["kind", "sector", "language", "message"]
        widgets = {
            "message": forms.Textarea(attrs={"rows": 4, "maxlength": 480}),
        }
        help_texts = {
            "message": _(
                "Short and concrete: what is needed, where, until when. Never a name, an "
                "address or a phone number: people answer through Entraide."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].empty_label = _("The whole city")  # type: ignore[attr-defined]
        self.fields["language"].initial = settings.LANGUAGE_CODE


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from notifications.models import Notification
        from notifications.registry import Channel, registry

        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        choices = {
            "status": everything + list(Notification.Status.choices),
            "channel": everything + [c for c in Channel.choices if c[0] != Channel.IN_APP],
            "type": everything + [(t.name, t.label) for t in registry],
        }
        for name, field_choices in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = field_choices  # type: ignore[assignment]
