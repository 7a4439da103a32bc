"""Delivering one queued notification: hand it to its channel, record the outcome.

One attempt, for a row in ``queued``:

1. lock the row (``SELECT ... FOR UPDATE SKIP LOCKED``: a duplicate task for a row that
   is being sent simply stops), render the message and *prepare* it with the channel;
2. in the same transaction, move the row to ``sending`` with a fresh claim and its
   hand-over time, and commit: the lock is released, the provider is about to take it;
3. *finish* the hand-over (for SMTP, the final dot) and record ``sent``.

Every path ends in a recorded state. A temporary error puts the row back in ``queued``
with a later ``next_attempt_at`` (exponential back-off), until
``ENTRAIDE_NOTIFICATION_GIVE_UP_AFTER`` has passed since ``attempts_since``: then it is
``failed``, with the last error as its reason. A row that is sent, delivered, bounced or
failed is never sent again by this code. See ``channels/email.py`` for why a crash
between the steps never sends an e-mail twice.
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

from core.pii import find_personal_data
from notifications.channels.email import (
    EmailPermanentError,
    EmailTemporaryError,
    PreparedEmail,
    email_sender,
)
from notifications.channels.sms import SmsPermanentError, SmsTemporaryError, get_sms_backend
from notifications.models import Notification
from notifications.registry import Channel
from notifications.rendering import Rendered, render
from notifications.transitions import notification_move

logger = logging.getLogger(__name__)
Status = Notification.Status

TEMPORARY_ERRORS = (EmailTemporaryError, SmsTemporaryError)


class NoAddress(Exception):
    """The recipient has no e-mail address or phone number for this channel."""


# Errors that say something about the message; anything else is a bug, logged in full.
EXPECTED_ERRORS = (*TEMPORARY_ERRORS, EmailPermanentError, SmsPermanentError, NoAddress)


@dataclass(frozen=True)
class Outcome:
    status: str
    retry_in: int | None = None


@dataclass
class _Handover:
    """A message the channel has prepared, and the id the provider knows it by."""

    prepared: PreparedEmail
    provider_message_id: str


def backoff_seconds(attempts: int) -> int:
    """30 s, 1 min, 2 min, 4 min... capped at the longest countdown the broker allows."""
    base = settings.ENTRAIDE_NOTIFICATION_RETRY_BASE
    return int(min(base * 2 ** max(attempts - 1, 0), settings.CELERY_LONGEST_COUNTDOWN))


def _reason(error: Exception) -> str:
    """The error as staff will read it, without the addresses a server may quote."""
    text = f"{type(error).__name__}: {error}"
    for finding in reversed(find_personal_data(text)):
        text = text[: finding.start] + f"[{finding.kind}]" + text[finding.end :]
    return text[:500]


def _record_failure(row: Notification, error: Exception) -> Outcome:
    """With the row locked in ``sending``: back to ``queued`` for later, or ``failed``."""
    reason = _reason(error)
    give_up_at = row.attempts_since + timedelta(
        seconds=settings.ENTRAIDE_NOTIFICATION_GIVE_UP_AFTER
    )
    if not isinstance(error, TEMPORARY_ERRORS) or timezone.now() >= give_up_at:
        if isinstance(error, TEMPORARY_ERRORS):
            reason = f"Gave up after {row.attempts} attempts: {reason}"[:500]
        notification_move(row, Status.FAILED, note=reason, last_error=reason, handed_over_at=None)
        return Outcome(Status.FAILED)
    wait = backoff_seconds(row.attempts)
    notification_move(
        row,
        Status.QUEUED,
        note=reason,
        last_error=reason,
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
        handed_over_at=None,  # refused: nothing was handed over
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


class _SmsSent:
    def finish(self) -> None:
        pass

    def abort(self) -> None:
        pass


def _prepare(row: Notification) -> _Handover:
    rendered = render(row)
    if row.channel == Channel.EMAIL:
        message = _email(row, rendered)
        prepared = email_sender().prepare(message)
        return _Handover(prepared, message.extra_headers["Message-ID"])
    if row.channel == Channel.SMS:
        to = row.recipient.phone if row.recipient is not None else row.address
        if not to:
            raise NoAddress("no phone number")
        body = rendered.sms or f"{rendered.subject} {rendered.action_url}"
        try:
            # SMS providers have no commit point: the text leaves now (at least once).
            provider_id = get_sms_backend().send(to=to, body=body, reference=str(row.pk))
        except OSError as error:
            raise SmsTemporaryError(str(error)) from error
        return _Handover(_SmsSent(), provider_id)
    raise ValueError(f"Channel {row.channel!r} is not delivered by a task.")


def _claim_and_prepare(notification_id: int) -> tuple[_Handover | None, uuid.UUID, Outcome]:
    """Steps 1 and 2. Returns the prepared hand-over, or ``None`` and why not."""
    claim = uuid.uuid4()
    prepared: list[_Handover] = []
    try:
        with transaction.atomic():
            outcome = _claim_locked(notification_id, claim, prepared)
    except BaseException:
        # Whatever failed, even the commit, the provider must not get this message.
        for handover in prepared:
            handover.prepared.abort()
        raise
    return (prepared[0] if prepared else None), claim, outcome


def _claim_locked(notification_id: int, claim: uuid.UUID, prepared: list[_Handover]) -> Outcome:
    row = (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if row is None:  # being sent by another worker right now (or deleted)
        return Outcome("busy")
    if row.status != Status.QUEUED:
        return Outcome(row.status)
    if row.next_attempt_at and row.next_attempt_at > timezone.now():
        # An early duplicate: the scheduled retry will come (or the sweep, if lost).
        return Outcome("waiting")
    try:
        prepared.append(_prepare(row))
    except Exception as error:
        if not isinstance(error, EXPECTED_ERRORS):
            logger.exception("Notification %s could not be prepared.", notification_id)
        notification_move(row, Status.SENDING, claim=claim, attempts=row.attempts + 1)
        return _record_failure(row, error)
    notification_move(
        row,
        Status.SENDING,
        claim=claim,
        attempts=row.attempts + 1,
        handed_over_at=timezone.now(),
    )
    return Outcome(Status.SENDING)


def _finish(notification_id: int, claim: uuid.UUID, handover: _Handover) -> Outcome:
    """Step 3: complete the hand-over and record the provider's answer."""
    try:
        handover.prepared.finish()
    except Exception as error:
        failure: Exception | None = error
    else:
        failure = None
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=notification_id)
        if row.status != Status.SENDING or row.claim != claim:
            # The sweep already recorded it (it only does after many minutes).
            return Outcome(row.status)
        if failure is not None:
            return _record_failure(row, failure)
        notification_move(
            row,
            Status.SENT,
            sent_at=timezone.now(),
            provider_message_id=handover.provider_message_id,
            next_attempt_at=None,
            last_error="",
        )
    return Outcome(Status.SENT)


def deliver(notification_id: int) -> Outcome:
    """Send notification ``notification_id`` once, or schedule its next attempt."""
    handover, claim, outcome = _claim_and_prepare(notification_id)
    if handover is None:
        return outcome
    return _finish(notification_id, claim, handover)
