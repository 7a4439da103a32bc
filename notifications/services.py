"""Writes of the notifications app: queueing messages, reading them, preferences, urgent calls."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit
from core.errors import DomainError
from core.models import Sector
from core.pii import find_personal_data
from notifications import badge
from notifications.channels.sms import sms_enabled
from notifications.models import (
    Notification,
    NotificationPreference,
    UrgentCall,
    delimited,
)
from notifications.registry import Channel, NotificationType, registry
from notifications.selectors import preference_of, urgent_call_audience
from notifications.transitions import notification_move

Status = Notification.Status


def preference_for(user: User) -> NotificationPreference:
    """A person's preferences, created with the defaults the first time they change them."""
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    return preference


def channels_for(
    spec: NotificationType,
    *,
    recipient: User | None,
    address: str = "",
    preference: NotificationPreference | None = None,
) -> list[Channel]:
    """The channels one person gets this type of message on (one rule, used everywhere)."""
    if recipient is None:
        wanted = Channel.EMAIL if "@" in address else Channel.SMS
        return [wanted] if wanted in spec.channels and address else []
    preference = preference or preference_of(recipient)
    muted = spec.optional and spec.name in preference.muted_types
    chosen: list[Channel] = []
    if Channel.IN_APP in spec.channels:
        chosen.append(Channel.IN_APP)
    # "Optional messages by e-mail" covers reminders and news; a type people opt in to
    # explicitly (urgent calls) follows its own opt-in.
    wants_email = not spec.optional or spec.explicit_opt_in or preference.email_optional
    if Channel.EMAIL in spec.channels and not muted and wants_email:
        chosen.append(Channel.EMAIL)
    if (
        Channel.SMS in spec.channels
        and not muted
        and preference.sms
        and recipient.phone
        and sms_enabled()
    ):
        chosen.append(Channel.SMS)
    return chosen


def _row(
    spec: NotificationType,
    *,
    recipient: User | None,
    address: str,
    channel: Channel,
    context: dict[str, Any],
    key: str,
    language: str,
) -> Notification:
    in_app = channel == Channel.IN_APP
    return Notification(
        recipient=recipient,
        address=address if recipient is None else "",
        type=spec.name,
        channel=channel,
        language=language,
        context=context,
        idempotency_key=f"{key}:{channel}",
        # An in-app message is delivered by existing: the centre shows it at once.
        status=Status.SENT if in_app else Status.QUEUED,
        sent_at=timezone.now() if in_app else None,
    )


def _enqueue_on_commit(ids: Sequence[int]) -> None:
    if ids:
        from notifications.tasks import enqueue_deliveries

        transaction.on_commit(lambda: enqueue_deliveries(list(ids)))


@transaction.atomic
def notify(
    *,
    type: str,
    key: str,
    recipient: User | None = None,
    address: str = "",
    context: dict[str, Any] | None = None,
    language: str | None = None,
) -> list[Notification]:
    """Queue message ``type`` for one person, in the caller's transaction.

    ``key`` names the event (``"offers.offer_published:42"``): calling again with the same
    key queues nothing more. Nothing leaves before the transaction commits, and nothing
    leaves at all if it rolls back. ``context`` holds ids, links and plain facts only.
    """
    spec = registry.get(type)
    if recipient is None and not address:
        raise ValueError("notify() needs a recipient or an address.")
    language = language or (recipient.preferred_language if recipient else settings.LANGUAGE_CODE)
    rows = []
    for channel in channels_for(spec, recipient=recipient, address=address):
        candidate = _row(
            spec,
            recipient=recipient,
            address=address,
            channel=channel,
            context=context or {},
            key=key,
            language=language,
        )
        row, created = Notification.objects.get_or_create(
            idempotency_key=candidate.idempotency_key,
            defaults={
                f.attname: getattr(candidate, f.attname)
                for f in Notification._meta.concrete_fields
                if not f.primary_key
            },
        )
        rows.append(row)
        if created and row.status == Status.QUEUED:
            _enqueue_on_commit([row.pk])
        if created and row.channel == Channel.IN_APP:
            badge.unread_changed([row.recipient_id])
    return rows


def notify_many(
    *,
    type: str,
    key: str,
    recipients: Iterable[User],
    context: dict[str, Any],
    batch_size: int = 1000,
) -> int:
    """Queue one message for many people at once (an urgent call): bulk inserts, one
    transaction per batch, each row keyed ``<key>:<user id>:<channel>`` so that a retried
    batch adds nothing. Returns the number of rows queued or kept."""
    spec = registry.get(type)
    batch: list[User] = []
    total = 0
    for recipient in recipients:
        batch.append(recipient)
        if len(batch) >= batch_size:
            total += _notify_batch(spec, key, batch, context)
            batch = []
    if batch:
        total += _notify_batch(spec, key, batch, context)
    return total


@transaction.atomic
def _notify_batch(
    spec: NotificationType, key: str, recipients: list[User], context: dict[str, Any]
) -> int:
    preferences = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=recipients)}
    rows = []
    for recipient in recipients:
        preference = preferences.get(recipient.pk) or NotificationPreference(user=recipient)
        for channel in channels_for(spec, recipient=recipient, preference=preference):
            rows.append(
                _row(
                    spec,
                    recipient=recipient,
                    address="",
                    channel=channel,
                    context=context,
                    key=f"{key}:{recipient.pk}",
                    language=recipient.preferred_language,
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    # A retried batch inserts nothing new; marking its counts stale anyway costs a recount.
    badge.unread_changed(row.recipient_id for row in rows if row.channel == Channel.IN_APP)
    queued = list(
        Notification.objects.filter(
            idempotency_key__in=[row.idempotency_key for row in rows], status=Status.QUEUED
        ).values_list("pk", flat=True)
    )
    _enqueue_on_commit(queued)
    return len(rows)


@transaction.atomic
def notification_resend(*, notification: Notification, by: User) -> Notification:
    """Staff send a failed or bounced message again (after fixing an address, say)."""
    row = Notification.objects.select_for_update().get(pk=notification.pk)
    if row.status not in {Status.FAILED, Status.BOUNCED}:
        raise DomainError(
            _("Only a failed or bounced message can be sent again."), code="not_failed"
        )
    notification_move(
        row,
        Status.QUEUED,
        by=by,
        note="resent by staff",
        attempts_since=timezone.now(),  # a new window of attempts
        next_attempt_at=None,
        attempts=0,
        claim=None,
    )
    audit(actor=by, action="notifications.notification.resent", target=row)
    _enqueue_on_commit([row.pk])
    return row


@transaction.atomic
def notification_record_delivery(*, provider_message_id: str, event: str) -> int:
    """A provider's webhook says a message was delivered or bounced. Returns rows moved."""
    target = {"delivered": Status.DELIVERED, "bounced": Status.BOUNCED}[event]
    moved = 0
    rows = Notification.objects.select_for_update().filter(provider_message_id=provider_message_id)
    for row in rows:
        if target in Notification.TRANSITIONS.get(row.status, frozenset()):
            when = {"delivered_at": timezone.now()} if target == Status.DELIVERED else {}
            notification_move(row, target, note=f"provider webhook: {event}", **when)
            moved += 1
    return moved


@transaction.atomic
def notification_mark_read(*, notification: Notification, user: User) -> None:
    marked = (
        Notification.objects.in_app_for(user)
        .filter(pk=notification.pk, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
    if marked:
        badge.unread_changed([user.pk])


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    marked = Notification.objects.in_app_for(user).unread().update(read_at=timezone.now())
    if marked:
        badge.unread_changed([user.pk])
    return marked


@transaction.atomic
def preference_update(
    *,
    user: User,
    email_optional: bool,
    sms: bool,
    urgent_calls: bool,
    urgent_kinds: Sequence[str],
    urgent_languages: Sequence[str],
    urgent_sectors: Iterable[Sector],
) -> NotificationPreference:
    if sms and not user.phone:
        raise DomainError(
            _("Add a phone number to your account to receive text messages."), code="no_phone"
        )
    if urgent_calls and not (urgent_kinds and urgent_languages):
        raise DomainError(
            _("To receive urgent calls, choose at least one kind of help and one language."),
            code="urgent_choices",
        )
    preference = preference_for(user)
    preference.email_optional = email_optional
    preference.sms = sms
    preference.urgent_calls = urgent_calls
    preference.urgent_kinds = delimited(tuple(urgent_kinds)) if urgent_calls else ""
    preference.urgent_languages = delimited(tuple(urgent_languages)) if urgent_calls else ""
    preference.save()
    preference.urgent_sectors.set(list(urgent_sectors) if urgent_calls else [])
    return preference


@transaction.atomic
def preference_unsubscribe(*, user: User, type_name: str) -> None:
    """One-click unsubscribe from one optional type (an urgent call also ends the opt-in)."""
    spec = registry.get(type_name)
    if not spec.optional:
        raise DomainError(
            _("This message cannot be turned off: it is about your own offers."),
            code="not_optional",
        )
    preference = NotificationPreference.objects.select_for_update().filter(user=user).first()
    preference = preference or preference_for(user)
    if type_name not in preference.muted_types:
        preference.muted_types = [*preference.muted_types, type_name]
    if type_name == URGENT_CALL:
        preference.urgent_calls = False
    preference.save()


URGENT_CALL = "notifications.urgent_call"


@transaction.atomic
def urgent_call_send(
    *, by: User, message: str, kind: str, sector: Sector | None, language: str
) -> UrgentCall:
    """Record an urgent call, audit it, and queue it to everyone who opted in."""
    message = message.strip()
    if find_personal_data(message):
        raise DomainError(
            _(
                "The message seems to contain a phone number, an e-mail address or another "
                "personal detail. Urgent calls carry a link, never anyone's details."
            ),
            code="personal_data",
        )
    audience = urgent_call_audience(kind=kind, sector=sector, language=language)
    recipients = audience.count()
    if not recipients:
        # Refused before it is recorded: a call that reaches nobody uses none of the day's.
        raise DomainError(
            _(
                "Nobody who opted in to urgent calls matches this kind of help, district and "
                "language: the call was not sent and does not count. Widen the district or "
                "choose another language."
            ),
            code="no_recipients",
        )
    since = timezone.now() - timedelta(hours=24)
    if (
        UrgentCall.objects.filter(created_at__gte=since).count()
        >= settings.ENTRAIDE_URGENT_CALLS_PER_DAY
    ):
        raise DomainError(
            _("At most %(limit)d urgent calls can be sent in 24 hours. Try again later.")
            % {"limit": settings.ENTRAIDE_URGENT_CALLS_PER_DAY},
            code="limit_reached",
        )
    call = UrgentCall.objects.create(
        author=by,
        message=message,
        kind=kind,
        sector=sector,
        language=language,
        recipients_count=recipients,
    )
    audit(
        actor=by,
        action="notifications.urgent_call.sent",
        target=call,
        detail={"recipients": call.recipients_count, "kind": kind, "language": language},
    )
    from notifications.tasks import dispatch_urgent_call

    dispatch_urgent_call.delay_on_commit(call.pk)
    return call
