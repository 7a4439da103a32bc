"""notify() and the other writes of the notifications app."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from accounts.models import User
from core.errors import DomainError
from core.models import AuditEntry
from core.pii import find_personal_data
from notifications.models import Notification, NotificationPreference, UrgentCall
from notifications.registry import Audience, Channel, NotificationType, Registry, registry
from notifications.rendering import render_type
from notifications.selectors import urgent_call_audience
from notifications.services import (
    channels_for,
    notification_record_delivery,
    notification_resend,
    notify,
    notify_many,
    preference_unsubscribe,
    preference_update,
    urgent_call_send,
)
from tests.factories import SectorFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks", "in_english")]
Status = Notification.Status
URGENT = "notifications.urgent_call"
DIGEST = "notifications.staff_digest"
CONTEXT = {"message": "Blankets needed tonight.", "kind": "donation", "url": "/"}


def test_nothing_is_queued_or_sent_when_the_transaction_rolls_back(
    resident: User, django_capture_on_commit_callbacks: object
) -> None:
    class Refused(Exception):
        pass

    def event_that_fails() -> None:
        with transaction.atomic():
            notify(type=URGENT, key="k:1", recipient=resident, context=CONTEXT)
            raise Refused

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,  # type: ignore[operator]
        pytest.raises(Refused),
    ):
        event_that_fails()
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_committed_notification_is_sent_after_the_commit(
    resident: User, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        notify(type=URGENT, key="k:1", recipient=resident, context=CONTEXT)
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    assert Notification.objects.get(channel=Channel.EMAIL).status == Status.SENT


def test_calling_notify_twice_for_the_same_event_queues_it_once(resident: User) -> None:
    first = notify(type=URGENT, key="k:1", recipient=resident, context=CONTEXT)
    second = notify(type=URGENT, key="k:1", recipient=resident, context=CONTEXT)
    assert [row.pk for row in first] == [row.pk for row in second]
    assert Notification.objects.count() == 2  # in-app and e-mail


def test_an_in_app_message_is_in_the_centre_at_once(resident: User) -> None:
    rows = notify(type=URGENT, key="k:1", recipient=resident, context=CONTEXT)
    in_app = next(row for row in rows if row.channel == Channel.IN_APP)
    assert in_app.status == Status.SENT
    assert in_app.read_at is None


def test_notify_writes_in_the_recipients_language(resident: User) -> None:
    resident.preferred_language = "uk"
    rows = notify(type=URGENT, key="k:1", recipient=resident, context=CONTEXT)
    assert {row.language for row in rows} == {"uk"}


def test_a_person_without_an_account_is_reached_at_the_address_given() -> None:
    [row] = notify(type=URGENT, key="k:1", address="caller@example.org", context=CONTEXT)
    assert (row.channel, row.recipient, row.address) == (Channel.EMAIL, None, "caller@example.org")


def test_optional_messages_follow_the_preferences(staff: User) -> None:
    spec = registry.get(DIGEST)
    assert channels_for(spec, recipient=staff) == [Channel.EMAIL]
    NotificationPreference.objects.create(user=staff, email_optional=False)
    assert channels_for(spec, recipient=staff) == []


def test_a_muted_type_reaches_only_the_notification_centre(resident: User) -> None:
    preference_unsubscribe(user=resident, type_name=URGENT)
    assert channels_for(registry.get(URGENT), recipient=resident) == [Channel.IN_APP]


@override_settings(ENTRAIDE_SMS_BACKEND="notifications.channels.sms.MemorySmsBackend")
def test_text_messages_need_both_the_choice_and_a_phone_number() -> None:
    spec = registry.get(URGENT)
    with_phone = UserFactory(phone="06 12 34 56 78")
    NotificationPreference.objects.create(user=with_phone, sms=True)
    without_phone = UserFactory(phone="")
    NotificationPreference.objects.create(user=without_phone, sms=True)
    assert Channel.SMS in channels_for(spec, recipient=with_phone)
    assert Channel.SMS not in channels_for(spec, recipient=without_phone)


@override_settings(ENTRAIDE_SMS_BACKEND="")
def test_text_messages_are_off_when_no_sms_provider_is_configured() -> None:
    user = UserFactory(phone="06 12 34 56 78")
    NotificationPreference.objects.create(user=user, sms=True)
    assert Channel.SMS not in channels_for(registry.get(URGENT), recipient=user)


def test_notify_many_queues_each_person_once_even_when_repeated() -> None:
    people = [UserFactory() for _ in range(5)]
    assert notify_many(type=URGENT, key="call:1", recipients=people, context=CONTEXT) == 10
    notify_many(type=URGENT, key="call:1", recipients=people, context=CONTEXT, batch_size=2)
    assert Notification.objects.count() == 10
    assert Notification.objects.filter(channel=Channel.EMAIL).count() == 5


def test_only_a_failed_or_bounced_message_can_be_sent_again(resident: User, staff: User) -> None:
    row = notify(type=URGENT, key="k:1", recipient=resident, context=CONTEXT)[1]
    Notification.objects.filter(pk=row.pk).update(status=Status.SENT)
    with pytest.raises(DomainError, match="Only a failed or bounced message"):
        notification_resend(notification=row, by=staff)
    Notification.objects.filter(pk=row.pk).update(status=Status.FAILED, attempts=12)
    resent = notification_resend(notification=row, by=staff)
    assert (resent.status, resent.attempts) == (Status.QUEUED, 0)
    entry = AuditEntry.objects.get(action="notifications.notification.resent")
    assert entry.actor == staff
    assert entry.target_id == str(row.pk)


def test_a_provider_report_moves_a_sent_message_to_delivered_then_bounced(
    resident: User,
) -> None:
    row = notify(type=URGENT, key="k:1", recipient=resident, context=CONTEXT)[1]
    Notification.objects.filter(pk=row.pk).update(status=Status.SENT, provider_message_id="<m1>")
    assert notification_record_delivery(provider_message_id="<m1>", event="delivered") == 1
    row.refresh_from_db()
    assert row.status == Status.DELIVERED
    assert row.delivered_at is not None
    assert notification_record_delivery(provider_message_id="<m1>", event="bounced") == 1
    assert notification_record_delivery(provider_message_id="<unknown>", event="bounced") == 0


def test_opting_in_to_urgent_calls_needs_a_kind_and_a_language(resident: User) -> None:
    with pytest.raises(DomainError, match="at least one kind"):
        preference_update(
            user=resident, email_optional=True, sms=False, urgent_calls=True,
            urgent_kinds=[], urgent_languages=["fr"], urgent_sectors=[],
        )  # fmt: skip


def test_text_messages_cannot_be_chosen_without_a_phone_number(resident: User) -> None:
    with pytest.raises(DomainError, match="phone number"):
        preference_update(
            user=resident, email_optional=True, sms=True, urgent_calls=False,
            urgent_kinds=[], urgent_languages=[], urgent_sectors=[],
        )  # fmt: skip


def test_a_message_about_your_own_offers_cannot_be_unsubscribed_from(resident: User) -> None:
    registry.register(
        NotificationType(
            name="tests.mandatory_message",
            label="A mandatory message",
            channels=(Channel.EMAIL,),
            audience=Audience.RESIDENTS,
        )
    )
    try:
        with pytest.raises(DomainError, match="cannot be turned off"):
            preference_unsubscribe(user=resident, type_name="tests.mandatory_message")
    finally:
        registry._types.pop("tests.mandatory_message")


def opt_in(user: User, *, kinds: list[str], languages: list[str], sectors: list[object]) -> None:
    preference_update(
        user=user, email_optional=True, sms=False, urgent_calls=True,
        urgent_kinds=kinds, urgent_languages=languages, urgent_sectors=sectors,
    )  # fmt: skip


def test_an_urgent_call_reaches_exactly_the_people_who_opted_in_for_it() -> None:
    centre, north = SectorFactory(code="centre"), SectorFactory(code="north")
    whole_city = UserFactory(email="whole@example.org")
    opt_in(whole_city, kinds=["donation"], languages=["fr"], sectors=[])
    in_centre = UserFactory(email="centre@example.org")
    opt_in(in_centre, kinds=["donation", "housing"], languages=["fr", "ar"], sectors=[centre])
    in_north = UserFactory(email="north@example.org")
    opt_in(in_north, kinds=["donation"], languages=["fr"], sectors=[north])
    housing_only = UserFactory(email="housing@example.org")
    opt_in(housing_only, kinds=["housing"], languages=["fr"], sectors=[])
    arabic_only = UserFactory(email="arabic@example.org")
    opt_in(arabic_only, kinds=["donation"], languages=["ar"], sectors=[])
    UserFactory(email="not.opted.in@example.org")

    audience = urgent_call_audience(kind="donation", sector=centre, language="fr")
    assert {u.email for u in audience} == {"whole@example.org", "centre@example.org"}


def test_an_urgent_call_is_audited_and_queued_to_its_audience(
    staff: User, django_capture_on_commit_callbacks: object
) -> None:
    helper = UserFactory(email="helper@example.org", preferred_language="en")
    opt_in(helper, kinds=["donation"], languages=["fr"], sectors=[])
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        call = urgent_call_send(
            by=staff, message="20 couvertures pour ce soir.", kind="donation",
            sector=None, language="fr",
        )  # fmt: skip
    assert call.recipients_count == 1
    assert AuditEntry.objects.filter(action="notifications.urgent_call.sent").count() == 1
    assert [m.to for m in mail.outbox] == [["helper@example.org"]]
    assert "20 couvertures pour ce soir." in mail.outbox[0].body


@pytest.mark.parametrize(
    "message", ["Appelez Nadia au 06 12 34 56 78", "Écrire à nadia@example.org", "né le 12/04/1990"]
)
def test_an_urgent_call_with_personal_details_is_refused(staff: User, message: str) -> None:
    with pytest.raises(DomainError, match="personal detail"):
        urgent_call_send(by=staff, message=message, kind="donation", sector=None, language="fr")
    assert not UrgentCall.objects.exists()


@override_settings(ENTRAIDE_URGENT_CALLS_PER_DAY=2)
def test_urgent_calls_are_limited_per_day(staff: User) -> None:
    opt_in(UserFactory(), kinds=["housing"], languages=["fr"], sectors=[])
    for _ in range(2):
        urgent_call_send(by=staff, message="Lits.", kind="housing", sector=None, language="fr")
    with pytest.raises(DomainError, match="At most 2 urgent calls"):
        urgent_call_send(by=staff, message="Lits.", kind="housing", sector=None, language="fr")
    assert UrgentCall.objects.count() == 2


@override_settings(ENTRAIDE_URGENT_CALLS_PER_DAY=1)
def test_an_urgent_call_reaching_nobody_is_refused_before_it_counts(staff: User) -> None:
    with pytest.raises(DomainError) as refused:
        urgent_call_send(by=staff, message="Lits.", kind="housing", sector=None, language="fr")
    assert refused.value.code == "no_recipients"
    assert not UrgentCall.objects.exists()
    assert not AuditEntry.objects.filter(action="notifications.urgent_call.sent").exists()
    opt_in(UserFactory(), kinds=["housing"], languages=["fr"], sectors=[])
    call = urgent_call_send(by=staff, message="Lits.", kind="housing", sector=None, language="fr")
    assert call.recipients_count == 1  # the day's only call was still there to use


def test_the_registry_refuses_badly_named_or_duplicate_types() -> None:
    local = Registry()
    spec = NotificationType("a.b", "label", (Channel.EMAIL,), Audience.STAFF)
    local.register(spec)
    with pytest.raises(ValueError, match="declared twice"):
        local.register(spec)
    with pytest.raises(ValueError, match=r"app\.message_name"):
        local.register(NotificationType("nodot", "label", (Channel.EMAIL,), Audience.STAFF))
    with pytest.raises(LookupError):
        local.get("x.y")


@pytest.mark.parametrize("language", ["fr", "en", "ar", "uk"])
@pytest.mark.parametrize("spec", list(registry), ids=lambda spec: spec.name)
def test_no_subject_text_message_or_centre_line_carries_personal_details(
    spec: NotificationType, language: str
) -> None:
    rendered = render_type(
        spec, context=dict(spec.example_context), language=language, recipient_name="Camille"
    )
    for text in (rendered.subject, rendered.sms or "", rendered.inapp):
        assert find_personal_data(text) == [], (spec.name, text)
    assert "Camille" not in rendered.subject
    assert rendered.text
    assert rendered.action_url.startswith("http")
