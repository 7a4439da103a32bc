"""factory_boy factories and helpers of the notifications tests (pages, API, webhook)."""

from __future__ import annotations

import factory
from django.core import mail
from django.core.mail import EmailMessage

from accounts.models import User
from core.models import Sector
from notifications import services
from notifications.models import Notification
from notifications.registry import Channel
from tests.factories import UserFactory

URGENT_CALL = "notifications.urgent_call"
STAFF_DIGEST = "notifications.staff_digest"


class NotificationFactory(factory.django.DjangoModelFactory):
    """An e-mail already handed to the provider; traits for the other channels and states."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    type = URGENT_CALL
    channel = Channel.EMAIL
    language = "fr"
    context = factory.LazyFunction(
        lambda: {"message": "Nous cherchons 20 couvertures.", "kind": "donation", "url": "/"}
    )
    idempotency_key = factory.Sequence(lambda n: f"tests.notification:{n}")
    status = Notification.Status.SENT

    class Params:
        in_app = factory.Trait(channel=Channel.IN_APP)
        queued = factory.Trait(status=Notification.Status.QUEUED)
        failed = factory.Trait(
            status=Notification.Status.FAILED, attempts=3, last_error="EmailTemporaryError: timeout"
        )
        bounced = factory.Trait(status=Notification.Status.BOUNCED, attempts=1)
        delivered = factory.Trait(status=Notification.Status.DELIVERED, attempts=1)


def in_app_call(user: User, message: str, *, key: str) -> Notification:
    """An urgent call addressed to ``user`` through ``notify``: its in-app row."""
    rows = services.notify(
        type=URGENT_CALL,
        key=key,
        recipient=user,
        context={"message": message, "kind": "donation", "url": "/"},
    )
    return next(row for row in rows if row.channel == Channel.IN_APP)


def opt_in(
    user: User,
    *,
    kinds: tuple[str, ...] = ("donation",),
    languages: tuple[str, ...] = ("fr",),
    sectors: tuple[Sector, ...] = (),
) -> User:
    """``user`` said yes to urgent calls of these kinds, in these languages."""
    services.preference_update(
        user=user,
        email_optional=True,
        sms=False,
        urgent_calls=True,
        urgent_kinds=kinds,
        urgent_languages=languages,
        urgent_sectors=sectors,
    )
    return user


def emails_to(user: User) -> list[EmailMessage]:
    """What the site sent ``user`` by e-mail (Django's test outbox)."""
    return [message for message in mail.outbox if user.email in message.to]
