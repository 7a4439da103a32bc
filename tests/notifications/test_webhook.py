"""The e-mail provider's delivery webhook: signed reports move sent e-mails along."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client, override_settings

from notifications.models import Notification
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db
Status = Notification.Status

WEBHOOK = "/notifications/webhooks/email/"
SECRET = "a-long-shared-secret"
MESSAGE_ID = "<notification-42@entraide.example>"


def signature(body: bytes, secret: str = SECRET, *, timestamp: str) -> str:
    # Written out here rather than imported: the test holds the provider's side.
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def report(
    client: Client,
    payload: object,
    *,
    secret: str = SECRET,
    raw: bytes | None = None,
    sent_at: float | None = None,
) -> tuple[int, dict[str, object]]:
    body = raw if raw is not None else json.dumps(payload).encode()
    timestamp = str(int(time.time() if sent_at is None else sent_at))
    response = client.post(
        WEBHOOK,
        body,
        content_type="application/json",
        headers={
            "X-Entraide-Timestamp": timestamp,
            "X-Entraide-Signature": signature(body, secret, timestamp=timestamp),
        },
    )
    return response.status_code, response.json()


@pytest.fixture
def sent_email() -> Notification:
    return NotificationFactory(provider_message_id=MESSAGE_ID)


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
def test_a_signed_delivery_report_moves_a_sent_email_to_delivered(
    client: Client, sent_email: Notification
) -> None:
    status, body = report(client, {"message_id": MESSAGE_ID, "event": "delivered"})

    assert (status, body) == (200, {"updated": 1})
    sent_email.refresh_from_db()
    assert sent_email.status == Status.DELIVERED
    assert sent_email.delivered_at is not None
    assert sent_email.transitions.get().note == "provider webhook: delivered"


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
def test_a_signed_bounce_report_moves_a_sent_email_to_bounced(
    client: Client, sent_email: Notification
) -> None:
    status, body = report(client, {"message_id": MESSAGE_ID, "event": "bounced"})

    assert (status, body) == (200, {"updated": 1})
    sent_email.refresh_from_db()
    assert sent_email.status == Status.BOUNCED


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
def test_a_delivered_email_can_still_bounce_later(client: Client, sent_email: Notification) -> None:
    report(client, {"message_id": MESSAGE_ID, "event": "delivered"})
    status, body = report(client, {"message_id": MESSAGE_ID, "event": "bounced"})

    assert (status, body) == (200, {"updated": 1})
    sent_email.refresh_from_db()
    assert sent_email.status == Status.BOUNCED


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
def test_a_report_sent_again_later_changes_nothing_more(
    client: Client, sent_email: Notification
) -> None:
    now = time.time()
    report(client, {"message_id": MESSAGE_ID, "event": "delivered"}, sent_at=now)
    status, body = report(client, {"message_id": MESSAGE_ID, "event": "delivered"}, sent_at=now + 5)
    assert (status, body) == (200, {"updated": 0})
    assert sent_email.transitions.count() == 1


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
def test_a_report_about_an_unknown_message_updates_nothing(
    client: Client, sent_email: Notification
) -> None:
    status, body = report(client, {"message_id": "<someone-else@example.org>", "event": "bounced"})
    assert (status, body) == (200, {"updated": 0})
    sent_email.refresh_from_db()
    assert sent_email.status == Status.SENT


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
def test_a_report_never_moves_a_message_that_was_not_sent(client: Client) -> None:
    failed = NotificationFactory(failed=True, provider_message_id=MESSAGE_ID)
    status, body = report(client, {"message_id": MESSAGE_ID, "event": "delivered"})
    assert (status, body) == (200, {"updated": 0})
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=" + "0" * 64, "deadbeef", "signed-with-another-secret"],
)
def test_a_report_without_the_right_signature_is_a_403(
    client: Client, sent_email: Notification, header: str | None
) -> None:
    body = json.dumps({"message_id": MESSAGE_ID, "event": "bounced"}).encode()
    timestamp = str(int(time.time()))
    if header == "signed-with-another-secret":
        header = signature(body, "another-secret", timestamp=timestamp)
    headers = {"X-Entraide-Timestamp": timestamp}
    if header is not None:
        headers["X-Entraide-Signature"] = header

    response = client.post(WEBHOOK, body, content_type="application/json", headers=headers)

    assert response.status_code == 403
    assert response.json() == {"detail": "Bad signature."}
    sent_email.refresh_from_db()
    assert sent_email.status == Status.SENT


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
def test_a_signature_of_another_body_is_a_403(client: Client, sent_email: Notification) -> None:
    signed = json.dumps({"message_id": MESSAGE_ID, "event": "delivered"}).encode()
    sent = json.dumps({"message_id": MESSAGE_ID, "event": "bounced"}).encode()
    timestamp = str(int(time.time()))
    response = client.post(
        WEBHOOK,
        sent,
        content_type="application/json",
        headers={
            "X-Entraide-Timestamp": timestamp,
            "X-Entraide-Signature": signature(signed, timestamp=timestamp),
        },
    )
    assert response.status_code == 403


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET="")
def test_without_a_secret_the_webhook_does_not_exist(
    client: Client, sent_email: Notification
) -> None:
    status, _body = report(client, {"message_id": MESSAGE_ID, "event": "bounced"}, secret="")
    assert status == 404
    sent_email.refresh_from_db()
    assert sent_email.status == Status.SENT


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"",
        b"[]",
        b'"delivered"',
        b'{"event": "delivered"}',
        b'{"message_id": "<m>"}',
        b"\xff\xfe",
    ],
)
def test_a_malformed_report_is_a_400(client: Client, raw: bytes) -> None:
    status, body = report(client, None, raw=raw)
    assert (status, body) == (400, {"detail": "Expected message_id and event."})


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
@pytest.mark.parametrize("event", ["opened", "clicked", "queued", "", "DELIVERED"])
def test_an_unknown_event_is_a_400(client: Client, sent_email: Notification, event: str) -> None:
    status, _body = report(client, {"message_id": MESSAGE_ID, "event": event})
    assert status == 400
    sent_email.refresh_from_db()
    assert sent_email.status == Status.SENT


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
def test_the_webhook_only_takes_posts(client: Client) -> None:
    assert client.get(WEBHOOK).status_code == 405


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
def test_the_same_signed_report_is_heard_once(client: Client, sent_email: Notification) -> None:
    body = json.dumps({"message_id": MESSAGE_ID, "event": "delivered"}).encode()
    now = time.time()

    first = report(client, None, raw=body, sent_at=now)
    again = report(client, None, raw=body, sent_at=now)

    assert first == (200, {"updated": 1})
    assert again == (409, {"detail": "This report was already received."})


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET, ENTRAIDE_EMAIL_WEBHOOK_WINDOW=300)
@pytest.mark.parametrize("seconds_away", [-301, 301])
def test_a_report_signed_outside_the_window_is_refused(
    client: Client, sent_email: Notification, seconds_away: int
) -> None:
    status, _body = report(
        client, {"message_id": MESSAGE_ID, "event": "delivered"}, sent_at=time.time() + seconds_away
    )
    assert status == 403
    sent_email.refresh_from_db()
    assert sent_email.status == Status.SENT


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
def test_a_report_without_a_timestamp_is_refused(client: Client, sent_email: Notification) -> None:
    body = json.dumps({"message_id": MESSAGE_ID, "event": "delivered"}).encode()
    response = client.post(
        WEBHOOK,
        body,
        content_type="application/json",
        headers={"X-Entraide-Signature": signature(body, timestamp="")},
    )
    assert response.status_code == 403


@override_settings(ENTRAIDE_EMAIL_WEBHOOK_SECRET=SECRET)
@pytest.mark.parametrize(
    "raw",
    [
        b'{"message_id": "a\\u0000b", "event": "delivered"}',
        b'{"message_id": "\\ud800", "event": "delivered"}',
        b"[" * 1000 + b"]" * 1000,
        b'{"message_id": 12, "event": "delivered"}',
    ],
)
def test_an_unreadable_signed_report_is_a_400_that_never_reaches_the_database(
    client: Client, sent_email: Notification, raw: bytes
) -> None:
    status, _body = report(client, None, raw=raw)
    assert status == 400
