"""Offers taken by phone join the availability cycle: when their confirmation is due they
go on the staff's "call back to confirm" list (their caller gets the link too if they gave
an e-mail), staff record the answer given on the phone, and they expire like the others
if nobody confirms them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.models import AuditEntry, Sector
from core.staff_queues import staff_queues
from notifications.models import Notification
from offers import selectors, services
from offers.models import Offer
from tests.conftest import client_for
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db
Status = Offer.Status
LIST = "/equipe/offres/a-rappeler/"


def days_ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def by_phone(sector: Sector) -> Any:
    """Make a published offer taken by phone, last confirmed ``days`` ago."""

    def make(days: int = 31, **fields: Any) -> Offer:
        offer: Offer = OfferFactory(by_phone=True, sector=sector, **fields)
        Offer.objects.filter(pk=offer.pk).update(
            status=Status.PUBLISHED, published_at=days_ago(days), last_confirmed_at=days_ago(days)
        )
        offer.refresh_from_db()
        return offer

    return make


def test_a_phone_offer_due_for_confirmation_goes_on_the_call_back_list(by_phone: Any) -> None:
    due, fresh = by_phone(31), by_phone(5)
    assert services.offers_send_availability_reminders() == 1
    assert [offer.pk for offer in selectors.call_back_list()] == [due.pk]
    [listed] = selectors.with_expiry(selectors.call_back_list())
    grace = timedelta(days=settings.ENTRAIDE_OFFER_CONFIRM_GRACE_DAYS)
    assert listed.expires_on == timezone.localdate() + grace
    fresh.refresh_from_db()
    assert fresh.reminder_sent_at is None
    assert not Notification.objects.filter(type="offers.availability_reminder").exists()


def test_a_caller_who_gave_an_e_mail_also_gets_the_one_click_link(by_phone: Any) -> None:
    by_phone(31, caller_email="jeanne@example.org")
    services.offers_send_availability_reminders()
    [message] = Notification.objects.filter(type="offers.availability_reminder")
    assert message.address == "jeanne@example.org"
    assert message.recipient is None


def test_a_phone_offer_nobody_confirms_expires_like_the_others(by_phone: Any) -> None:
    offer = by_phone(50)
    services.offers_send_availability_reminders(now=days_ago(15))
    assert services.offers_expire_unconfirmed() == 1
    offer.refresh_from_db()
    assert offer.status == Status.EXPIRED
    assert list(selectors.call_back_list()) == []


@pytest.mark.parametrize(
    ("answer", "status"),
    [("available", Status.PUBLISHED), ("pause", Status.PAUSED), ("close", Status.CLOSED)],
)
def test_staff_record_the_answer_given_on_the_phone(
    answer: str, status: str, by_phone: Any, staff: User
) -> None:
    offer = by_phone(31)
    services.offers_send_availability_reminders()
    response = client_for(staff).post(
        reverse("offers-staff:call-back-answer", args=[offer.pk]), {"answer": answer}
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == status
    assert list(selectors.call_back_list()) == []
    entry = AuditEntry.objects.get(action="offers.offer.availability_answered_by_phone")
    assert (entry.actor, entry.detail) == (staff, {"answer": answer})
    if answer == "available":
        assert offer.last_confirmed_at > days_ago(1)
        assert services.offers_expire_unconfirmed(now=timezone.now() + timedelta(days=20)) == 0


ROLES = ["visitor", "resident", "association_member", "staff", "coordinator"]


@pytest.mark.parametrize("role", ROLES)
def test_the_call_back_list_and_its_answers_are_for_staff(
    role: str, by_phone: Any, request: pytest.FixtureRequest
) -> None:
    offer = by_phone(31)
    services.offers_send_availability_reminders()
    person = None if role == "visitor" else request.getfixturevalue(role)
    client: Client = client_for(person)
    page = client.get(LIST)
    answer = client.post(reverse("offers-staff:call-back-answer", args=[offer.pk]),
                         {"answer": "close"})  # fmt: skip
    offer.refresh_from_db()
    if role in ("staff", "coordinator"):
        assert page.status_code == 200
        assert offer.title in page.content.decode()
        assert offer.caller_phone not in page.content.decode()  # behind the audited button
        assert answer.status_code == 302
        assert offer.status == Status.CLOSED
    else:
        expected = 302 if role == "visitor" else 403
        assert (page.status_code, answer.status_code) == (expected, expected)
        assert offer.status == Status.PUBLISHED


def test_the_call_back_list_costs_the_same_few_queries_for_many_offers(
    by_phone: Any, staff: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(15):
        by_phone(31)
    services.offers_send_availability_reminders()
    client = client_for(staff)
    client.get(LIST)  # warm the session and the sidebar counts
    with django_assert_max_num_queries(7):
        assert client.get(LIST).status_code == 200


def test_the_digest_counts_the_offers_to_call_back(by_phone: Any) -> None:
    by_phone(31)
    services.offers_send_availability_reminders()
    section = next(s for s in staff_queues() if s.key == "offers.call_back")
    assert section.count() == 1
    assert section.url == LIST
