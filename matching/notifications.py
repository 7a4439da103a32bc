"""The messages of the match workflow. They say that something happened and link to the
page; who the other side is, and how to reach them, is only on the page, after both
sides have accepted."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.claims import register_claimable
from core.staff_queues import StaffQueue, register_staff_queue
from matching.models import CheckIn, Match
from notifications.registry import Audience, Channel, NotificationType, register

_EXAMPLE = {"match_id": 1, "kind": "housing", "url": "/mises-en-relation/1/"}
_EVENTS = {
    "proposal": _("A proposal to answer"),
    "confirmed": _("Both sides accepted: contacts are shared"),
    "declined": _("A proposal was declined"),
    "cancelled": _("A proposal was cancelled by city staff"),
    "expired": _("A proposal expired without an answer"),
    "completed": _("A match is recorded as ended"),
    "withdrawn": _("A proposal no longer stands"),
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

REMINDER = register(
    NotificationType(
        name="matching.reminder",
        label=_("A proposal still waits for your answer"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.EVERYONE,
        example_context={**_EXAMPLE, "due": "2026-03-01T09:00:00+01:00"},
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
ROOM_QUESTION = register(
    NotificationType(
        name="matching.room_question",
        label=_("After a stay: is your room available again?"),
        channels=(Channel.EMAIL, Channel.IN_APP),
        audience=Audience.RESIDENTS,
        example_context={
            **_EXAMPLE,
            "title": "Chambre",
            "url": "/mises-en-relation/logement-libre/t/",
        },
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

register_staff_queue(
    StaffQueue(
        key="matching.suggested",
        label=_("Suggested matches to review"),
        count=lambda: Match.objects.filter(status=Match.Status.SUGGESTED).count(),
        url="/equipe/mises-en-relation/",
    )
)
register_staff_queue(
    StaffQueue(
        key="matching.to_call",
        label=_("People without an account to call about a proposal or a room"),
        count=lambda: _to_call_count(),
        url="/equipe/mises-en-relation/a-appeler/",
    )
)


def _to_call_count() -> int:
    from matching.selectors import answers_to_collect, check_ins_to_call, rooms_to_ask_about

    return answers_to_collect().count() + check_ins_to_call().count() + rooms_to_ask_about().count()


register_staff_queue(
    StaffQueue(
        key="matching.difficult",
        label=_("Stays reported difficult or ended"),
        count=lambda: CheckIn.objects.filter(
            Q(answer=CheckIn.Answer.DIFFICULT) | Q(answer=CheckIn.Answer.ENDED),
            answered_at__gte=timezone.now() - timedelta(days=7),
        ).count(),
        url="/equipe/mises-en-relation/",
    )
)

register_claimable("check_in", CheckIn)
