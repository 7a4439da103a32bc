"""Delivery of one notification through a real SMTP server on localhost."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from notifications import delivery
from notifications.channels.email import email_sender, reset_email_sender
from notifications.channels.sms import MemorySmsBackend
from notifications.delivery import backoff_seconds, deliver
from notifications.models import Notification, NotificationPreference
from notifications.rendering import render
from notifications.services import notify
from notifications.tasks import sweep
from tests.factories import UserFactory
from tests.smtp_sink import SmtpSink, free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]
Status = Notification.Status


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as smtp, override_settings(**smtp.email_settings):
        reset_email_sender()
        yield smtp
    reset_email_sender()


@pytest.fixture
def recipient() -> User:
    return UserFactory(email="host@example.org", preferred_language="en")


def queue_email(recipient: User, key: str = "test:1") -> Notification:
    rows = notify(
        type="notifications.urgent_call",
        key=key,
        recipient=recipient,
        context={"message": "Blankets needed tonight.", "kind": "donation", "url": "/"},
    )
    return next(row for row in rows if row.channel == "email")


def history(row: Notification) -> list[tuple[str, str]]:
    return list(row.transitions.order_by("at", "id").values_list("from_status", "to_status"))


def test_an_email_is_handed_to_smtp_once_and_recorded_as_sent(
    sink: SmtpSink, recipient: User
) -> None:
    row = queue_email(recipient)
    assert deliver(row.pk).status == Status.SENT
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.attempts == 1
    assert row.handed_over_at is not None
    assert row.provider_message_id == f"<notification-{row.pk}@127.0.0.1>"
    assert history(row) == [("queued", "sending"), ("sending", "sent")]
    [message] = sink.handler.messages
    assert message["To"] == "host@example.org"
    assert message["X-Entraide-Notification"] == str(row.pk)
    assert message["Subject"] == "Urgent call for help — Démoville"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_sent_notification_is_never_sent_again(sink: SmtpSink, recipient: User) -> None:
    row = queue_email(recipient)
    deliver(row.pk)
    assert deliver(row.pk).status == Status.SENT
    assert deliver(row.pk).status == Status.SENT
    assert sink.handler.count() == 1


def test_a_temporary_refusal_queues_a_later_attempt_that_sends_once(
    sink: SmtpSink, recipient: User
) -> None:
    sink.handler.refuse_next_data.append("451 4.3.0 Try again later")
    row = queue_email(recipient)
    outcome = deliver(row.pk)
    assert outcome.status == Status.QUEUED
    assert outcome.retry_in == backoff_seconds(1) == 30
    row.refresh_from_db()
    assert row.status == Status.QUEUED
    assert "451" in row.last_error
    assert row.handed_over_at is None
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=25)
    # An early duplicate of the task waits for the scheduled retry.
    assert deliver(row.pk).status == "waiting"
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert deliver(row.pk).status == Status.SENT
    assert sink.handler.notification_ids() == {str(row.pk): 1}
    assert history(row)[-3:] == [("sending", "queued"), ("queued", "sending"), ("sending", "sent")]


def test_a_refused_recipient_fails_for_good_with_the_reason(
    sink: SmtpSink, recipient: User
) -> None:
    sink.handler.refused_recipients.add("host@example.org")
    row = queue_email(recipient)
    assert deliver(row.pk).status == Status.FAILED
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert "550" in row.last_error
    assert sink.handler.count() == 0


def test_an_unreachable_server_is_a_temporary_error(recipient: User) -> None:
    closed = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
              "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": free_port(), "EMAIL_TIMEOUT": 2}  # fmt: skip
    with override_settings(**closed):
        reset_email_sender()
        row = queue_email(recipient)
        assert deliver(row.pk).status == Status.QUEUED
    reset_email_sender()
    row.refresh_from_db()
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()


def test_attempts_stop_once_the_retry_window_has_passed(sink: SmtpSink, recipient: User) -> None:
    sink.handler.refuse_next_data.append("451 4.3.0 Try again later")
    row = queue_email(recipient)
    Notification.objects.filter(pk=row.pk).update(
        attempts_since=timezone.now() - timedelta(hours=5), attempts=11
    )
    assert deliver(row.pk).status == Status.FAILED
    row.refresh_from_db()
    assert row.last_error.startswith("Gave up after 12 attempts")


def test_a_message_given_up_before_the_final_dot_is_never_delivered(
    sink: SmtpSink, recipient: User
) -> None:
    """What delivery relies on when it fails to record the hand-over: dropping the
    connection in the middle of DATA leaves nothing at the server."""
    row = queue_email(recipient)
    message = delivery._email(row, render(row))
    prepared = email_sender().prepare(message)
    prepared.abort()
    assert sink.handler.count() == 0
    # The next message takes a fresh connection and goes through.
    other = queue_email(UserFactory(email="other@example.org"), key="test:2")
    assert deliver(other.pk).status == Status.SENT
    assert sink.handler.notification_ids() == {str(other.pk): 1}


def test_a_duplicate_task_for_a_message_being_sent_stops_at_once(
    sink: SmtpSink, recipient: User
) -> None:
    row = queue_email(recipient)
    handover, _claim, outcome = delivery._claim_and_prepare(row.pk)
    assert outcome.status == Status.SENDING
    assert deliver(row.pk).status == Status.SENDING  # the row is claimed: nothing to do
    assert handover is not None
    handover.prepared.finish()
    assert sink.handler.count() == 1


def test_the_sweep_records_a_handed_over_message_as_sent_and_requeues_the_others(
    sink: SmtpSink, recipient: User
) -> None:
    handed = queue_email(recipient, key="test:handed")
    abandoned = queue_email(UserFactory(email="b@example.org"), key="test:abandoned")
    long_ago = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk=handed.pk).update(
        status=Status.SENDING, claim=uuid.uuid4(), handed_over_at=long_ago, updated_at=long_ago
    )
    Notification.objects.filter(pk=abandoned.pk).update(
        status=Status.SENDING, claim=uuid.uuid4(), updated_at=long_ago
    )
    assert sweep() == {"abandoned": 1, "overdue": 0}
    handed.refresh_from_db()
    abandoned.refresh_from_db()
    assert handed.status == Status.SENT
    assert handed.sent_at == long_ago
    # Re-queued, then sent at once by the eager task; the handed-over one is not sent again.
    assert abandoned.status == Status.SENT
    assert sink.handler.notification_ids() == {str(abandoned.pk): 1}


def test_the_sweep_publishes_again_a_queued_message_whose_task_was_lost(
    sink: SmtpSink, recipient: User
) -> None:
    row = queue_email(recipient)
    Notification.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert sweep() == {"abandoned": 0, "overdue": 1}
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert sink.handler.count() == 1


def test_the_sweep_leaves_recent_and_final_rows_alone(sink: SmtpSink, recipient: User) -> None:
    row = queue_email(recipient)
    deliver(row.pk)
    queue_email(UserFactory(email="c@example.org"), key="test:recent")
    assert sweep() == {"abandoned": 0, "overdue": 0}
    assert sink.handler.count() == 1


@override_settings(ENTRAIDE_SMS_BACKEND="notifications.channels.sms.MemorySmsBackend")
def test_a_text_message_goes_to_the_phone_and_carries_only_a_link() -> None:
    MemorySmsBackend.outbox.clear()
    user = UserFactory(phone="06 12 34 56 78", preferred_language="en")
    NotificationPreference.objects.create(user=user, sms=True)
    rows = notify(
        type="notifications.urgent_call",
        key="sms:1",
        recipient=user,
        context={"message": "Interpreter needed at the station.", "kind": "skill", "url": "/x/"},
    )
    sms = next(row for row in rows if row.channel == "sms")
    assert deliver(sms.pk).status == Status.SENT
    [sent] = MemorySmsBackend.outbox
    assert sent["to"] == "06 12 34 56 78"
    assert sent["body"].endswith("http://127.0.0.1:8000/x/")
    assert "Interpreter needed" in sent["body"]
    assert user.email not in sent["body"]


@override_settings(ENTRAIDE_SMS_BACKEND="notifications.channels.sms.MemorySmsBackend")
def test_a_text_message_without_a_phone_number_fails_with_the_reason() -> None:
    user = UserFactory(phone="")
    row = Notification.objects.create(
        recipient=user, type="notifications.urgent_call", channel="sms", language="fr",
        context={"message": "x", "url": "/"}, idempotency_key="sms:none",
    )  # fmt: skip
    assert deliver(row.pk).status == Status.FAILED
    row.refresh_from_db()
    assert "no phone number" in row.last_error


def test_backoff_doubles_and_stays_below_the_broker_visibility_timeout() -> None:
    from django.conf import settings

    waits = [backoff_seconds(n) for n in range(1, 15)]
    assert waits[:4] == [30, 60, 120, 240]
    assert max(waits) == settings.CELERY_LONGEST_COUNTDOWN
    assert max(waits) < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


def test_the_html_part_of_an_email_is_html_and_the_text_part_plain(
    sink: SmtpSink, recipient: User
) -> None:
    row = queue_email(recipient)
    deliver(row.pk)
    [message] = sink.handler.messages
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "<p>" in html
    assert "&lt;p&gt;" not in html
    assert '<html lang="en"' in html
    assert "Blankets needed tonight." in text
    assert "<p>" not in text
