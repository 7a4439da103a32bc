"""Reads of the notifications app that are more than a QuerySet method."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from core.models import Sector
from notifications import badge
from notifications.models import Notification, NotificationPreference, undelimited


def preference_of(user: User) -> NotificationPreference:
    """A person's preferences, or the defaults (unsaved) if they never changed them."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


def preference_values(preference: NotificationPreference) -> dict[str, object]:
    """A person's choices as plain values, for the form and the API alike."""
    return {
        "email_optional": preference.email_optional,
        "sms": preference.sms,
        "urgent_calls": preference.urgent_calls,
        "urgent_kinds": undelimited(preference.urgent_kinds),
        "urgent_languages": undelimited(preference.urgent_languages),
        "urgent_sectors": list(preference.urgent_sectors.all()) if preference.pk else [],
    }


def unread_count(user: User) -> int:
    """The header's badge: cached, and marked stale by every write that changes it
    (``notifications/badge.py``)."""
    return badge.cached_count(
        user.pk, lambda: Notification.objects.in_app_for(user).unread().count()
    )


def inbox(user: User) -> QuerySet[Notification]:
    """A person's in-app messages, newest first (with the recipient their text names)."""
    return (
        Notification.objects.in_app_for(user)
        .select_related("recipient")
        .order_by("-created_at", "-id")
    )


def urgent_call_audience(*, kind: str, sector: Sector | None, language: str) -> QuerySet[User]:
    """Active people with a verified e-mail who opted in to urgent calls of this kind, in
    this language, for this district (or for the whole city)."""
    people = User.objects.filter(
        is_active=True,
        emailaddress__verified=True,
        notification_preference__urgent_calls=True,
        notification_preference__urgent_kinds__contains=f",{kind},",
        notification_preference__urgent_languages__contains=f",{language},",
    )
    if sector is not None:
        people = people.filter(
            Q(notification_preference__urgent_sectors=sector)
            | Q(notification_preference__urgent_sectors__isnull=True)
        )
    return people.distinct().order_by("pk")


def status_counts(*, since: timedelta | None = None) -> dict[str, int]:
    rows = Notification.objects.exclude(channel="in_app")
    if since is not None:
        rows = rows.filter(created_at__gte=timezone.now() - since)
    counts = dict(rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in Notification.Status.values}


def stale_for_sweep(*, older_than: timedelta, limit: int) -> tuple[list[int], list[int]]:
    """Ids of rows the sweep must act on: (abandoned ``sending`` rows, overdue ``queued`` rows).

    A row is overdue when nobody has touched it for ``older_than`` (its task was lost with a
    broker restart) or when its next attempt is ``older_than`` late (the retry was lost).
    """
    cutoff = timezone.now() - older_than
    sending = Notification.objects.filter(
        status=Notification.Status.SENDING, updated_at__lte=cutoff
    ).order_by("updated_at")
    queued = Notification.objects.filter(status=Notification.Status.QUEUED).filter(
        Q(next_attempt_at__isnull=True, updated_at__lte=cutoff) | Q(next_attempt_at__lte=cutoff)
    )
    return (
        list(sending.values_list("pk", flat=True)[:limit]),
        list(queued.order_by("updated_at").values_list("pk", flat=True)[:limit]),
    )
