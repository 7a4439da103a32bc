import pytest
from django.utils import translation

from core.errors import DomainError
from core.lifecycle import transition
from notifications.models import Notification, NotificationTransition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_refused_transition_names_the_statuses_in_the_readers_language() -> None:
    row = Notification.objects.create(
        recipient=UserFactory(), type="notifications.urgent_call", channel="email",
        language="fr", idempotency_key="lifecycle:1", status=Notification.Status.SENT,
    )  # fmt: skip
    with (
        translation.override("en"),
        pytest.raises(DomainError, match="“Sent” to “Sending”") as refused,
    ):
        transition(
            instance=row, to=Notification.Status.SENDING, table=Notification.TRANSITIONS,
            log_model=NotificationTransition,
        )  # fmt: skip
    assert refused.value.code == "transition_refused"
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert not row.transitions.exists()


def test_an_allowed_transition_is_saved_and_logged_with_who_did_it() -> None:
    staff = UserFactory(staff=True)
    row = Notification.objects.create(
        recipient=UserFactory(), type="notifications.urgent_call", channel="email",
        language="fr", idempotency_key="lifecycle:2", status=Notification.Status.FAILED,
    )  # fmt: skip
    transition(
        instance=row, to=Notification.Status.QUEUED, table=Notification.TRANSITIONS,
        log_model=NotificationTransition, by=staff, note="resent",
    )  # fmt: skip
    row.refresh_from_db()
    assert row.status == Notification.Status.QUEUED
    [log] = row.transitions.all()
    assert (log.from_status, log.to_status, log.by, log.note) == (
        "failed",
        "queued",
        staff,
        "resent",
    )
