"""The periodic tasks of the notifications app and the sweep command."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import send_staff_digest
from tests.factories import OrganisationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]
CONTEXT = {"message": "Couvertures.", "kind": "donation", "url": "/"}


def failed_message() -> Notification:
    row = notify(
        type="notifications.urgent_call", key=f"k:{timezone.now().timestamp()}",
        recipient=UserFactory(), context=CONTEXT,
    )[1]  # fmt: skip
    Notification.objects.filter(pk=row.pk).update(status=Notification.Status.FAILED)
    return row


def test_the_daily_digest_tells_each_staff_member_what_waits(
    staff: User, coordinator: User, resident: User, django_capture_on_commit_callbacks: object
) -> None:
    failed_message()
    OrganisationFactory(unverified=True)
    coordinator.preferred_language = "en"
    coordinator.save()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert send_staff_digest() == 2
    assert sorted(m.to[0] for m in mail.outbox) == [coordinator.email, staff.email]
    english = next(m for m in mail.outbox if m.to == [coordinator.email])
    assert "Messages that could not be sent (last 24 hours): 1" in english.body
    assert "Organisations waiting for verification: 1" in english.body


def test_the_digest_is_sent_once_a_day_however_often_the_task_runs(
    staff: User, django_capture_on_commit_callbacks: object
) -> None:
    failed_message()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        send_staff_digest()
        send_staff_digest()
    assert len(mail.outbox) == 1


def test_no_digest_when_nothing_waits(staff: User) -> None:
    assert send_staff_digest() == 0
    assert mail.outbox == []


def test_the_sweep_command_only_tells_without_wet_run(
    resident: User, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = notify(type="notifications.urgent_call", key="k:1", recipient=resident, context=CONTEXT)
    row = rows[1]
    Notification.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    call_command("notifications_sweep")
    assert "Would take up 0 abandoned 'sending' and 1 overdue" in capsys.readouterr().out
    row.refresh_from_db()
    assert row.status == Notification.Status.QUEUED
    call_command("notifications_sweep", "--wet-run")
    assert "published 1 overdue" in capsys.readouterr().out
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
