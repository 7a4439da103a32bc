import pytest
from django.utils import translation

from core.errors import DomainError
from core.lifecycle import transition
from notifications.models import Notification, NotificationTransition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def notification(status: str, key: str) -> Notification:
    return Notification.objects.create(
        recipient=UserFactory(),
        type="notifications.urgent_call",
        channel="email",
        language="fr",
        idempotency_key=key,
        status=status,
    )


def test_a_refused_transition_names_the_statuses_in_the_readers_language() -> None:
    row = notification(Notification.Status.SENT, "lifecycle:1")
    with translation.override("en"), pytest.raises(DomainError) as refused:
        transition(
            instance=row,
            to=Notification.Status.SENDING,
            table=Notification.TRANSITIONS,
            log_model=NotificationTransition,
        )
    assert str(refused.value.message) == "This cannot go from “Sent” to “Sending”."
    assert refused.value.code == "transition_refused"
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert not row.transitions.exists()


def test_an_allowed_transition_is_saved_and_logged_with_who_did_it() -> None:
    staff = UserFactory(staff=True)
    row = notification(Notification.Status.FAILED, "lifecycle:2")
    transition(
        instance=row,
        to=Notification.Status.QUEUED,
        table=Notification.TRANSITIONS,
        log_model=NotificationTransition,
        by=staff,
        note="resent",
    )
    row.refresh_from_db()
    assert row.status == Notification.Status.QUEUED
    [log] = row.transitions.all()
    assert (log.from_status, log.to_status) == ("failed", "queued")
    assert (log.by, log.note) == (staff, "resent")
