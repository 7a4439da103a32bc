"""The messages the offers app sends, and its line in the staff digest."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from core.claims import register_claimable
from core.staff_queues import StaffQueue, register_staff_queue
from notifications.registry import Audience, Channel, NotificationType, register
from offers.models import Offer

_EXAMPLE = {"offer_id": 1, "title": "Chambre pour une personne", "url": "/offres/1/"}

OFFER_PUBLISHED = register(
    NotificationType(
        name="offers.offer_published",
        label=_("Your offer is published"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.RESIDENTS,
        example_context=_EXAMPLE,
    )
)
OFFER_REJECTED = register(
    NotificationType(
        name="offers.offer_rejected",
        label=_("Your offer was not accepted"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.RESIDENTS,
        example_context=_EXAMPLE,
    )
)
OFFER_INFORMATION_REQUESTED = register(
    NotificationType(
        name="offers.information_requested",
        label=_("The city team has a question about your offer"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.RESIDENTS,
        example_context=_EXAMPLE,
    )
)
AVAILABILITY_REMINDER = register(
    NotificationType(
        name="offers.availability_reminder",
        label=_("Is your offer still available?"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.RESIDENTS,
        example_context={**_EXAMPLE, "url": "/offres/disponibilite/token/", "days": 14},
    )
)
OFFER_WITHDRAWN = register(
    NotificationType(
        name="offers.offer_withdrawn",
        label=_("The city team took your offer back for review"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.RESIDENTS,
        example_context=_EXAMPLE,
    )
)
OFFER_EXPIRED = register(
    NotificationType(
        name="offers.offer_expired",
        label=_("Your offer has expired"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.RESIDENTS,
        example_context=_EXAMPLE,
    )
)
OFFER_ENDED = register(
    NotificationType(
        name="offers.offer_ended",
        label=_("Your offer reached its end date"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.RESIDENTS,
        example_context={**_EXAMPLE, "until": "2026-03-01"},
    )
)
TAKEOVER_INVITATION = register(
    NotificationType(
        name="offers.takeover_invitation",
        label=_("Your offer taken by phone"),
        channels=(Channel.EMAIL,),
        audience=Audience.RESIDENTS,
        example_context={**_EXAMPLE, "url": "/offres/reprendre/token/"},
    )
)

register_staff_queue(
    StaffQueue(
        key="offers.call_back",
        label=_("Offers taken by phone to confirm by calling back"),
        count=lambda: (
            Offer.objects.published()
            .filter(owner__isnull=True, reminder_sent_at__gt=F("last_confirmed_at"))
            .count()
        ),
        url="/equipe/offres/a-rappeler/",
    )
)
register_staff_queue(
    StaffQueue(
        key="offers.pending",
        label=_("Offers waiting for review"),
        count=lambda: Offer.objects.pending().count(),
        url="/equipe/offres/",
    )
)

register_claimable("offer", Offer)
