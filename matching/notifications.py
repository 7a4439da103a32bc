"""The messages of the match workflow. They say that something happened and link to the
page; who the other side is, and how to reach them, is only on the page, after both
sides have accepted."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.models import CheckIn, Match
from notifications.digest import DigestSection, register_digest_section
from notifications.registry import Audience, Channel, NotificationType, register

_EXAMPLE = {"match_id": 1, "kind": "housing", "url": "/mises-en-relation/1/"}
_EVENTS = {
    "proposal": _("A proposal to answer"),
    "confirmed": _("Both sides accepted: contacts are shared"),
    "declined": _("A proposal was declined"),
    "cancelled": _("A proposal was cancelled by city staff"),
    "expired": _("A proposal expired without an answer"),
}
for _event, _label in _EVENTS.items():
    register(
        NotificationType(
            name=f"matching.{_event}",
            label=_label,
            channels=(Channel.EMAIL, Channel.IN_APP),
            audience=Audience.EVERYONE,
            example_context=_EXAMPLE,
        )
    )

CHECK_IN = register(
    NotificationType(
        name="matching.check_in",
        label=_("How is the stay going?"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.EVERYONE,
        example_context={**_EXAMPLE, "round": "week", "url": "/mises-en-relation/suivi/t/"},
    )
)
STAFF_ALERT = register(
    NotificationType(
        name="matching.staff_alert",
        label=_("A stay needs attention"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.STAFF,
        example_context={**_EXAMPLE, "answer": "difficult", "url": "/equipe/mises-en-relation/1/"},
    )
)

URGENT_NEED = register(
    NotificationType(
        name="matching.urgent_need",
        label=_("A critical need was just published"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.STAFF,
        example_context={
            "need_id": 1,
            "kind": "housing",
            "planned": 1,
            "url": "/equipe/mises-en-relation/besoin/1/",
        },
    )
)

register_digest_section(
    DigestSection(
        key="matching.suggested",
        label=_("Suggested matches to review"),
        count=lambda: Match.objects.filter(status=Match.Status.SUGGESTED).count(),
        url="/equipe/mises-en-relation/",
    )
)
register_digest_section(
    DigestSection(
        key="matching.difficult",
        label=_("Stays reported difficult or ended"),
        count=lambda: CheckIn.objects.filter(
            Q(answer=CheckIn.Answer.DIFFICULT) | Q(answer=CheckIn.Answer.ENDED),
            answered_at__gte=timezone.now() - timedelta(days=7),
        ).count(),
        url="/equipe/mises-en-relation/?suivi=alerte",
    )
)
