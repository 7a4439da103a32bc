"""The message this app sends: the warning before an inactive account is erased."""

from django.utils.translation import gettext_lazy as _

from notifications.registry import Audience, Channel, NotificationType, register

INACTIVITY_WARNING = register(
    NotificationType(
        name="privacy.inactivity_warning",
        label=_("Your account will be erased for lack of use"),
        channels=(Channel.EMAIL,),
        audience=Audience.EVERYONE,
        example_context={"erase_on": "2026-05-01", "months": 24, "url": "/compte/"},
    )
)
