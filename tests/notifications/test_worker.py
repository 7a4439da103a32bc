"""Notifications through Redis and a real Celery worker sending to a real SMTP server."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from notifications.models import Notification
from notifications.services import notify
from tests.celery_worker import WorkerProcess
from tests.factories import UserFactory
from tests.smtp_sink import SmtpSink

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
CONTEXT = {"message": "Blankets needed tonight.", "kind": "donation", "url": "/"}


def queue_email(key: str) -> Notification:
    user = UserFactory()
    with transaction.atomic():
        rows = notify(type="notifications.urgent_call", key=key, recipient=user, context=CONTEXT)
    return next(row for row in rows if row.channel == "email")


def wait_for_final(row: Notification, timeout: float = 60) -> Notification:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if row.status in Notification.FINAL:
            return row
        time.sleep(0.2)
    raise AssertionError(f"Notification {row.pk} still {row.status} after {timeout} s")


def test_a_task_retried_after_a_temporary_error_sends_once(
    celery_worker: WorkerProcess, worker_smtp: SmtpSink
) -> None:
    worker_smtp.handler.refuse_next_data.append("451 4.3.0 Try again later")
    row = wait_for_final(queue_email("worker:retry"))
    assert row.status == Notification.Status.SENT, celery_worker.log()[-3000:]
    assert row.attempts == 2
    assert worker_smtp.handler.notification_ids()[str(row.pk)] == 1


def test_a_rolled_back_event_sends_nothing_through_the_worker(
    celery_worker: WorkerProcess, worker_smtp: SmtpSink
) -> None:
    before = worker_smtp.handler.count()
    user = UserFactory()

    class Refused(Exception):
        pass

    def event_that_fails() -> None:
        with transaction.atomic():
            notify(
                type="notifications.urgent_call", key="worker:rb", recipient=user, context=CONTEXT
            )
            raise Refused

    with pytest.raises(Refused):
        event_that_fails()
    # Tasks run in order: once a later, committed message has arrived, the rolled-back
    # one would have arrived before it.
    row = wait_for_final(queue_email("worker:after"))
    assert row.status == Notification.Status.SENT
    assert worker_smtp.handler.count() == before + 1
    assert not Notification.objects.filter(idempotency_key__startswith="worker:rb").exists()
