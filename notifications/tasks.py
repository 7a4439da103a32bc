"""Thin Celery entry points of the notifications app. Each takes ids and calls a service."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import roles
from notifications.delivery import deliver
from notifications.digest import digest_counts
from notifications.models import Notification, UrgentCall
from notifications.selectors import stale_for_sweep, urgent_call_audience
from notifications.transitions import notification_move

logger = logging.getLogger(__name__)


@shared_task(
    name="notifications.send", bind=True, max_retries=None, acks_late=True, ignore_result=True
)
def send_notification(self, notification_id: int) -> str:  # type: ignore[no-untyped-def]
    outcome = deliver(notification_id)
    # Eager tasks (the demo without a broker) would retry at once, in a loop: there the
    # row simply stays queued with its next attempt time.
    if outcome.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


def enqueue_deliveries(ids: list[int]) -> None:
    """Publish one delivery task per id over a single broker connection."""
    # The task's own app (the project's Celery app, found without importing the project).
    with send_notification.app.producer_or_acquire() as producer:
        for notification_id in ids:
            send_notification.apply_async((notification_id,), producer=producer)


def sweep(*, older_than: timedelta | None = None, limit: int = 5000) -> dict[str, int]:
    """Bring back what a crash or a broker restart left behind.

    ``sending`` rows untouched for ``older_than`` were abandoned by a dead worker: those
    already handed to the provider are recorded as sent, the others go back to ``queued``.
    ``queued`` rows whose task is overdue are published again. A row published twice is
    still sent once: delivery claims it under a row lock and checks its status.
    """
    if older_than is None:
        older_than = timedelta(seconds=settings.ENTRAIDE_NOTIFICATION_STALE_AFTER)
    sending, queued = stale_for_sweep(older_than=older_than, limit=limit)
    requeued = []
    for notification_id in sending:
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pk=notification_id, status=Notification.Status.SENDING)
                .first()
            )
            if row is None:
                continue
            if row.handed_over_at is not None:
                # The provider took it; its worker died before writing it down.
                notification_move(
                    row,
                    Notification.Status.SENT,
                    note="handed over to the provider before its worker stopped",
                    sent_at=row.handed_over_at,
                    claim=None,
                )
                continue
            notification_move(
                row,
                Notification.Status.QUEUED,
                note="abandoned by its worker; queued again by the sweep",
                claim=None,
            )
            requeued.append(row.pk)
    enqueue_deliveries(requeued + queued)
    if requeued or queued:
        logger.info("Sweep: %s abandoned, %s overdue re-queued.", len(requeued), len(queued))
    return {"abandoned": len(requeued), "overdue": len(queued)}


@shared_task(name="notifications.sweep")
def sweep_notifications() -> dict[str, int]:
    return sweep()


@shared_task(name="notifications.staff_digest")
def send_staff_digest() -> int:
    from notifications.services import notify

    sections = digest_counts()
    if not any(section["count"] for section in sections):
        return 0
    today = timezone.localdate().isoformat()
    sent = 0
    for member in roles.active_staff():
        with transaction.atomic():
            notify(
                type="notifications.staff_digest",
                key=f"notifications.staff_digest:{today}:{member.pk}",
                recipient=member,
                context={"sections": sections, "url": "/equipe/"},
            )
        sent += 1
    return sent


@shared_task(name="notifications.dispatch_urgent_call")
def dispatch_urgent_call(call_id: int) -> int:
    from notifications.services import notify_many

    call = UrgentCall.objects.select_related("sector").get(pk=call_id)
    audience = urgent_call_audience(kind=call.kind, sector=call.sector, language=call.language)
    return notify_many(
        type="notifications.urgent_call",
        key=f"notifications.urgent_call:{call.pk}",
        recipients=audience.iterator(chunk_size=1000),
        context={"message": call.message, "kind": call.kind, "call": call.pk, "url": "/"},
    )
