from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.lifecycle import TransitionLog
from core.vocabulary import SPOKEN_LANGUAGES, HelpKind
from notifications.registry import Channel


class NotificationQuerySet(models.QuerySet["Notification"]):
    def in_app_for(self, user: object) -> NotificationQuerySet:
        return self.filter(recipient=user, channel=Channel.IN_APP)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person on one channel: the outbox row.

    Written in the transaction of the event that causes it, sent by a task once that
    transaction commits, and always brought to a final state (sent, delivered, bounced or
    failed). The idempotency key makes ``notify`` safe to call twice for one event.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        BOUNCED = "bounced", _("Bounced")
        FAILED = "failed", _("Failed")

    TRANSITIONS: dict[str, set[str]] = {
        Status.QUEUED: {Status.SENDING, Status.SENT, Status.FAILED},
        # Back to queued: a temporary error, or a sweep that found the send abandoned.
        Status.SENDING: {Status.SENT, Status.QUEUED, Status.FAILED},
        Status.SENT: {Status.DELIVERED, Status.BOUNCED},
        Status.DELIVERED: {Status.BOUNCED},
        # Staff may send a failed or bounced message again (once the address is fixed).
        Status.BOUNCED: {Status.QUEUED},
        Status.FAILED: {Status.QUEUED},
    }
    FINAL = frozenset({Status.SENT, Status.DELIVERED, Status.BOUNCED, Status.FAILED})

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # For someone without an account (a caller whose offer staff entered by phone).
    address = models.CharField(_("address"), max_length=254, blank=True)
    type = models.CharField(_("type"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8)
    context = models.JSONField(_("context"), default=dict, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # Who is sending it right now: a worker that lost its claim must not finish the send.
    claim = models.UUIDField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set just before the provider takes the message (see channels/email.py): from then on
    # the message must never be sent again, even if its worker dies before recording it.
    handed_over_at = models.DateTimeField(null=True, blank=True)
    # Attempts stop some hours after this (creation, or a re-send by staff).
    attempts_since = models.DateTimeField(default=timezone.now)
    provider_message_id = models.CharField(max_length=200, blank=True, db_index=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # What it said and to whom was emptied (docs/privacy.md): type, channel, status and
    # dates stay, for the delivery figures.
    purged_at = models.DateTimeField(_("content removed on"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The sweep: rows still queued or sending, oldest first.
            models.Index(fields=["status", "updated_at"], name="notification_sweep"),
            # The notification centre: a person's in-app messages, unread first.
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            models.Index(fields=["type", "status"], name="notification_type_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False)
                | ~models.Q(address="")
                | models.Q(purged_at__isnull=False),
                name="notification_has_a_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} → {self.channel} #{self.pk} ({self.status})"


class NotificationTransition(TransitionLog):
    subject = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="transitions")

    class Meta(TransitionLog.Meta):
        verbose_name = _("notification status change")
        verbose_name_plural = _("notification status changes")


class NotificationPreference(models.Model):
    """How a person wants to hear from us, and which urgent calls they opted in to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_optional = models.BooleanField(
        _("optional messages by e-mail"),
        default=True,
        help_text=_("Reminders and news. Messages about your offers and matches always come."),
    )
    sms = models.BooleanField(
        _("important messages by text message too"),
        default=False,
        help_text=_("Needs a phone number in your account."),
    )
    # Optional types this person turned off, by name (one-click unsubscribe).
    muted_types = models.JSONField(default=list, blank=True)

    urgent_calls = models.BooleanField(_("receive urgent calls"), default=False)
    # Comma-delimited codes with a leading and trailing comma (",housing,skill,"), so that
    # one portable LIKE finds a code on SQLite and PostgreSQL alike.
    urgent_kinds = models.CharField(_("kinds of help"), max_length=100, blank=True)
    urgent_languages = models.CharField(_("languages I read"), max_length=200, blank=True)
    urgent_sectors = models.ManyToManyField(
        "core.Sector",
        verbose_name=_("districts"),
        blank=True,
        related_name="+",
        help_text=_("None selected: the whole city."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"Preferences of user #{self.user_id}"


def delimited(codes: list[str] | tuple[str, ...]) -> str:
    """``["housing", "skill"]`` → ``",housing,skill,"`` (empty list → empty string)."""
    return f",{','.join(codes)}," if codes else ""


def undelimited(value: str) -> list[str]:
    return [code for code in value.split(",") if code]


class UrgentCall(models.Model):
    """An alert to residents who opted in (fiche 9): short, targeted, audited."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.TextField(_("message"), max_length=480)
    kind = models.CharField(_("kind of help"), max_length=20, choices=HelpKind.choices)
    sector = models.ForeignKey(
        "core.Sector",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty for the whole city."),
    )
    language = models.CharField(
        _("language of the message"),
        max_length=8,
        choices=SPOKEN_LANGUAGES,
        help_text=_("Reaches the people who said they read this language."),
    )
    recipients_count = models.PositiveIntegerField(_("people reached"), default=0)
    created_at = models.DateTimeField(_("sent on"), auto_now_add=True)
    reference = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("urgent call")
        verbose_name_plural = _("urgent calls")

    def __str__(self) -> str:
        return f"Urgent call #{self.pk} ({self.kind})"
