"""The messages of association onboarding: decisions on an application, invitations."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.claims import register_claimable
from notifications.registry import Audience, Channel, NotificationType, register

ORGANISATION_VERIFIED = register(
    NotificationType(
        name="associations.organisation_verified",
        label=_("Your organisation is verified"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.ASSOCIATIONS,
        example_context={"organisation": "Accueil Solidaire", "url": "/associations/1/"},
    )
)

ORGANISATION_REFUSED = register(
    NotificationType(
        name="associations.organisation_refused",
        label=_("Your organisation's application was not accepted"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.ASSOCIATIONS,
        example_context={
            "organisation": "Accueil Solidaire",
            "reason": "Nous n'avons pas pu vérifier le numéro RNA.",
            "url": "/associations/1/",
        },
    )
)

INVITATION = register(
    NotificationType(
        name="associations.invitation",
        label=_("Invitation to join an organisation"),
        channels=(Channel.EMAIL,),
        audience=Audience.ASSOCIATIONS,
        example_context={
            "organisation": "Accueil Solidaire",
            "url": "/associations/invitation/abc/",
        },
    )
)

register_claimable("organisation", Organisation)
