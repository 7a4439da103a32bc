"""The notification types and staff queues of the notifications app itself."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.staff_queues import StaffQueue, register_staff_queue
from notifications.models import Notification
from notifications.registry import Audience, Channel, NotificationType, register

URGENT_CALL = register(
    NotificationType(
        name="notifications.urgent_call",
        label=_("Urgent calls for help"),
        channels=(Channel.EMAIL, Channel.SMS, Channel.IN_APP),
        audience=Audience.RESIDENTS,
        optional=True,
        explicit_opt_in=True,
        example_context={
            "message": "Nous cherchons 20 couvertures pour ce soir.",
            "kind": "donation",
            "url": "/",
        },
    )
)

STAFF_DIGEST = register(
    NotificationType(
        name="notifications.staff_digest",
        label=_("Daily digest for city staff"),
        channels=(Channel.EMAIL,),
        audience=Audience.STAFF,
        optional=True,
        example_context={
            "sections": [{"key": "notifications.failed", "count": 2, "url": "/"}],
            "url": "/equipe/",
        },
    )
)


def _failed_last_day() -> int:
    since = timezone.now() - timedelta(days=1)
    return Notification.objects.filter(
        status__in=[Notification.Status.FAILED, Notification.Status.BOUNCED], updated_at__gte=since
    ).count()


register_staff_queue(
    StaffQueue(
        key="notifications.failed",
        label=_("Messages that could not be sent (last 24 hours)"),
        count=_failed_last_day,
        url="/equipe/notifications/?status=failed",
    )
)
register_staff_queue(
    StaffQueue(
        key="accounts.organisations_to_verify",
        label=_("Organisations waiting for verification"),
        count=lambda: Organisation.objects.to_verify().count(),
        url="/equipe/associations/",
    )
)
