"""Delivering one queued notification: claim it, hand it to its channel, record the outcome.

Every path ends in a recorded state. A temporary error puts the row back in ``queued``
with a later ``next_attempt_at`` (back-off), until ``ENTRAIDE_NOTIFICATION_GIVE_UP_AFTER``
has passed since it was created: then it is ``failed``, with the last error as reason.
A row that is sent, delivered, bounced or failed is never sent again by this code.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.lifecycle import transition
from core.pii import find_personal_data
from notifications.channels.email import EmailPermanentError, EmailTemporaryError, email_sender
from notifications.channels.sms import SmsPermanentError, SmsTemporaryError, get_sms_backend
from notifications.models import Notification, NotificationTransition
from notifications.registry import Channel
from notifications.rendering import Rendered, render

logger = logging.getLogger(__name__)
Status = Notification.Status

TEMPORARY_ERRORS = (EmailTemporaryError, SmsTemporaryError)
PERMANENT_ERRORS = (EmailPermanentError, SmsPermanentError)


class ClaimLost(Exception):
    """Another worker took this notification over (the sweep thought ours was dead)."""


class NoAddress(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    status: str
    retry_in: int | None = None


def backoff_seconds(attempts: int) -> int:
    """30 s, 1 min, 2 min, 4 min... capped at the longest countdown the broker allows."""
    base = settings.ENTRAIDE_NOTIFICATION_RETRY_BASE
    return int(min(base * 2 ** max(attempts - 1, 0), settings.CELERY_LONGEST_COUNTDOWN))


def _move(row: Notification, to: str, note: str = "", **fields: object) -> None:
    transition(
        instance=row,
        to=to,
        table=Notification.TRANSITIONS,
        log_model=NotificationTransition,
        note=note[:500],
        locked=True,
        fields=fields,
    )


def _claim(notification_id: int) -> tuple[Notification | None, Outcome | None]:
    """Lock the row and mark it ``sending`` with a fresh claim, or say why not."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if row is None:
            return None, Outcome("busy")
        if row.status != Status.QUEUED:
            return None, Outcome(row.status)
        now = timezone.now()
        if row.next_attempt_at and row.next_attempt_at > now:
            # An early duplicate: the scheduled retry will come (or the sweep, if lost).
            return None, Outcome("waiting")
        _move(row, Status.SENDING, claim=uuid.uuid4(), attempts=row.attempts + 1)
        return row, None


def _locked_claimed(notification_id: int, claim: uuid.UUID) -> Notification:
    row = Notification.objects.select_for_update().get(pk=notification_id)
    if row.status != Status.SENDING or row.claim != claim:
        raise ClaimLost(notification_id)
    return row


def _mark_handed_over(notification_id: int, claim: uuid.UUID) -> None:
    with transaction.atomic():
        row = _locked_claimed(notification_id, claim)
        row.handed_over_at = timezone.now()
        row.save(update_fields=["handed_over_at", "updated_at"])


def _mark_sent(notification_id: int, claim: uuid.UUID, provider_message_id: str) -> None:
    with transaction.atomic():
        row = _locked_claimed(notification_id, claim)
        _move(
            row,
            Status.SENT,
            sent_at=timezone.now(),
            provider_message_id=provider_message_id,
            next_attempt_at=None,
            last_error="",
        )


def _reason(error: Exception) -> str:
    """The error as staff will read it, without the addresses a server may quote."""
    text = f"{type(error).__name__}: {error}"
    for finding in reversed(find_personal_data(text)):
        text = text[: finding.start] + f"[{finding.kind}]" + text[finding.end :]
    return text[:500]


def _after_error(notification_id: int, claim: uuid.UUID, error: Exception) -> Outcome:
    reason = _reason(error)
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=notification_id)
        if row.claim != claim or row.status != Status.SENDING:
            return Outcome(row.status)
        give_up_at = row.attempts_since + timedelta(
            seconds=settings.ENTRAIDE_NOTIFICATION_GIVE_UP_AFTER
        )
        permanent = not isinstance(error, TEMPORARY_ERRORS)
        if permanent or timezone.now() >= give_up_at:
            why = reason if permanent else f"Gave up after {row.attempts} attempts: {reason}"
            _move(row, Status.FAILED, note=why, last_error=why[:500])
            return Outcome(Status.FAILED)
        wait = backoff_seconds(row.attempts)
        _move(
            row,
            Status.QUEUED,
            note=reason,
            last_error=reason,
            next_attempt_at=timezone.now() + timedelta(seconds=wait),
            handed_over_at=None,  # the server refused it: nothing was handed over
        )
        return Outcome(Status.QUEUED, retry_in=wait)


def _email(row: Notification, rendered: Rendered) -> EmailMultiAlternatives:
    to = row.recipient.email if row.recipient is not None else row.address
    if not to or "@" not in to:
        raise NoAddress("no e-mail address")
    domain = settings.ENTRAIDE_BASE_URL.split("//")[-1].split("/")[0].split(":")[0]
    headers = {
        "Message-ID": f"<notification-{row.pk}@{domain or 'entraide.invalid'}>",
        "X-Entraide-Notification": str(row.pk),
        "Auto-Submitted": "auto-generated",
    }
    if rendered.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{rendered.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    return message


def _send(row: Notification, claim: uuid.UUID) -> None:
    rendered = render(row)
    if row.channel == Channel.EMAIL:
        message = _email(row, rendered)
        email_sender().send(message, before_handover=lambda: _mark_handed_over(row.pk, claim))
        _mark_sent(row.pk, claim, message.extra_headers["Message-ID"])
    elif row.channel == Channel.SMS:
        to = row.recipient.phone if row.recipient is not None else row.address
        if not to:
            raise NoAddress("no phone number")
        body = rendered.sms or f"{rendered.subject} {rendered.action_url}"
        try:
            provider_id = get_sms_backend().send(to=to, body=body, reference=str(row.pk))
        except OSError as error:
            raise SmsTemporaryError(str(error)) from error
        _mark_sent(row.pk, claim, provider_id)
    else:
        raise DomainError(f"Channel {row.channel!r} is not delivered by a task.")


def deliver(notification_id: int) -> Outcome:
    """Send notification ``notification_id`` once, or schedule its next attempt."""
    row, skipped = _claim(notification_id)
    if row is None:
        return skipped or Outcome("busy")
    claim = row.claim
    assert claim is not None
    try:
        _send(row, claim)
    except ClaimLost:
        logger.warning("Notification %s was taken over by another worker.", notification_id)
        return Outcome("taken_over")
    except Exception as error:
        if not isinstance(error, TEMPORARY_ERRORS + PERMANENT_ERRORS + (NoAddress,)):
            logger.exception("Notification %s could not be sent.", notification_id)
        return _after_error(notification_id, claim, error)
    return Outcome(Status.SENT)
