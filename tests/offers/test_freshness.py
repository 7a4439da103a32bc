"""Published offers stay fresh: a reminder after 30 days without a confirmation, expiry
when the owner does not answer, and the signed link that answers in one click."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification
from notifications.registry import Channel
from offers import links, services
from offers.models import Offer, OfferTransition
from offers.tasks import freshness
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db
Status = Offer.Status
REMINDER = "offers.availability_reminder"
EXPIRED = "offers.offer_expired"


def days_ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def sent(type_name: str, user: User) -> int:
    """How many times ``user`` was sent ``type_name`` (counted on the e-mail channel)."""
    return Notification.objects.filter(
        type=type_name, recipient=user, channel=Channel.EMAIL
    ).count()


@pytest.fixture
def confirmed(owned: Callable[..., Offer]) -> Callable[[int], Offer]:
    """A published offer whose owner last confirmed it ``days`` ago."""

    def make(days: int) -> Offer:
        return owned(published=True, last_confirmed_at=days_ago(days))

    return make


def remind(days: int) -> int:
    """Run the reminders as they ran ``days`` ago."""
    return services.offers_send_availability_reminders(now=days_ago(days))


# --- Reminders and expiry ----------------------------------------------------------


def test_an_offer_unconfirmed_for_a_month_gets_one_reminder(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    offer = confirmed(31)

    assert services.offers_send_availability_reminders() == 1

    offer.refresh_from_db()
    assert offer.reminder_sent_at is not None
    assert sent(REMINDER, resident) == 1
    assert Notification.objects.filter(type=REMINDER, channel=Channel.IN_APP).count() == 1


def test_a_reminder_is_sent_once_however_often_the_job_runs(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    confirmed(31)
    assert services.offers_send_availability_reminders() == 1
    assert services.offers_send_availability_reminders() == 0
    assert sent(REMINDER, resident) == 1


def test_an_offer_confirmed_recently_gets_no_reminder(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    confirmed(10)
    assert services.offers_send_availability_reminders() == 0
    assert sent(REMINDER, resident) == 0


def test_the_reminder_links_to_the_one_click_answer(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    offer = confirmed(31)
    services.offers_send_availability_reminders()
    reminder = Notification.objects.get(type=REMINDER, channel=Channel.EMAIL)
    # The token carries a signing time, so compare what it opens, not its characters.
    prefix = reverse("offers:availability", args=["TOKEN"]).removesuffix("TOKEN/")
    url = reminder.context["url"]
    assert url.startswith(prefix)
    assert links.read_availability_token(url.removeprefix(prefix).rstrip("/")) == offer
    assert reminder.context["days"] == 14


def test_paused_offers_and_offers_without_an_owner_get_no_reminder(
    owned: Callable[..., Offer],
) -> None:
    owned(paused=True, last_confirmed_at=days_ago(60))
    OfferFactory(by_phone=True, published=True, owner=None, last_confirmed_at=days_ago(60))
    assert services.offers_send_availability_reminders() == 0


def test_an_unanswered_reminder_makes_the_offer_expire_after_the_grace_period(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    offer = confirmed(45)
    remind(15)

    assert services.offers_expire_unconfirmed() == 1

    offer.refresh_from_db()
    assert offer.status == Status.EXPIRED
    log = OfferTransition.objects.get(subject=offer)
    assert (log.from_status, log.to_status, log.by) == (Status.PUBLISHED, Status.EXPIRED, None)
    assert sent(EXPIRED, resident) == 1


def test_an_offer_does_not_expire_during_the_grace_period(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    offer = confirmed(40)
    remind(10)

    assert services.offers_expire_unconfirmed() == 0

    offer.refresh_from_db()
    assert offer.status == Status.PUBLISHED
    assert sent(EXPIRED, resident) == 0


def test_the_grace_period_is_a_setting(confirmed: Callable[[int], Offer], settings: Any) -> None:
    settings.ENTRAIDE_OFFER_CONFIRM_GRACE_DAYS = 3
    offer = confirmed(35)
    remind(4)
    assert services.offers_expire_unconfirmed() == 1
    offer.refresh_from_db()
    assert offer.status == Status.EXPIRED


def test_an_answered_reminder_does_not_expire_the_offer(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    offer = confirmed(50)
    remind(20)
    services.offer_confirm_availability(offer=offer, by=resident)

    assert services.offers_expire_unconfirmed() == 0

    offer.refresh_from_db()
    assert offer.status == Status.PUBLISHED


def test_expiring_twice_tells_the_owner_once(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    confirmed(45)
    remind(15)
    assert services.offers_expire_unconfirmed() == 1
    assert services.offers_expire_unconfirmed() == 0
    assert sent(EXPIRED, resident) == 1


def test_the_hourly_task_reminds_and_expires(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    to_remind, to_expire, fresh = confirmed(31), confirmed(45), confirmed(3)
    services.offers_send_availability_reminders(now=days_ago(15))

    assert freshness.delay().get() == {"expired": 1, "reminded": 1}

    for offer in (to_remind, to_expire, fresh):
        offer.refresh_from_db()
    assert [to_remind.status, to_expire.status, fresh.status] == [
        Status.PUBLISHED,
        Status.EXPIRED,
        Status.PUBLISHED,
    ]
    assert to_remind.reminder_sent_at is not None
    assert fresh.reminder_sent_at is None


# --- The signed link ---------------------------------------------------------------


def link(offer: Offer) -> str:
    return reverse("offers:availability", args=[links.availability_token(offer)])


def test_opening_the_link_changes_nothing(confirmed: Callable[[int], Offer]) -> None:
    offer = confirmed(31)
    before = Offer.objects.values().get(pk=offer.pk)

    response = Client().get(link(offer))

    assert response.status_code == 200
    assert offer.title in response.content.decode()
    assert Offer.objects.values().get(pk=offer.pk) == before


def test_answering_still_available_restarts_the_clock(confirmed: Callable[[int], Offer]) -> None:
    offer = confirmed(31)

    response = Client().post(link(offer), {"answer": "confirm"})

    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.status == Status.PUBLISHED
    assert offer.last_confirmed_at is not None
    assert offer.last_confirmed_at > days_ago(1)


def test_answering_pause_pauses_the_offer(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    offer = confirmed(31)

    Client().post(link(offer), {"answer": "pause"})

    offer.refresh_from_db()
    assert offer.status == Status.PAUSED
    assert OfferTransition.objects.get(subject=offer).by == resident


def test_a_tampered_link_no_longer_works(confirmed: Callable[[int], Offer]) -> None:
    offer = confirmed(31)
    url = link(offer)
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]

    assert Client().get(tampered).status_code == 410
    assert Client().post(tampered, {"answer": "pause"}).status_code == 410
    offer.refresh_from_db()
    assert offer.status == Status.PUBLISHED


def test_the_link_of_a_previous_round_no_longer_works(confirmed: Callable[[int], Offer]) -> None:
    offer = confirmed(31)
    old = link(offer)
    Client().post(old, {"answer": "confirm"})

    again = Client().post(old, {"answer": "pause"})

    assert again.status_code == 410
    assert Client().get(old).status_code == 410
    offer.refresh_from_db()
    assert offer.status == Status.PUBLISHED


def test_the_link_of_an_unconfirmed_or_deleted_offer_does_not_work(
    owned: Callable[..., Offer],
) -> None:
    draft = owned()
    assert Client().get(link(draft)).status_code == 410
    published = owned(published=True)
    url = link(published)
    published.delete()
    assert Client().get(url).status_code == 410


def test_confirming_an_expired_offer_publishes_it_again(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    offer = confirmed(45)
    remind(15)
    url = link(offer)  # the link of the reminder
    services.offers_expire_unconfirmed()

    Client().post(url, {"answer": "confirm"})

    offer.refresh_from_db()
    assert offer.status == Status.PUBLISHED
    log = OfferTransition.objects.filter(subject=offer).last()
    assert log is not None
    assert (log.from_status, log.to_status, log.by) == (Status.EXPIRED, Status.PUBLISHED, resident)


def test_answering_pause_on_an_offer_that_expired_meanwhile_does_not_publish_it(
    confirmed: Callable[[int], Offer],
) -> None:
    offer = confirmed(45)
    remind(15)
    url = link(offer)
    services.offers_expire_unconfirmed()

    Client().post(url, {"answer": "pause"})

    offer.refresh_from_db()
    assert offer.status != Status.PUBLISHED


def test_confirming_a_closed_offer_by_its_link_is_refused_without_an_error_page(
    confirmed: Callable[[int], Offer], resident: User
) -> None:
    offer = confirmed(31)
    url = link(offer)
    services.offer_close(offer=offer, by=resident)

    response = Client().post(url, {"answer": "confirm"})

    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Status.CLOSED


# --- End dates ---------------------------------------------------------------------


def test_an_offer_whose_end_date_has_passed_is_expired_and_its_owner_told(
    owned: Callable[..., Offer], resident: User
) -> None:
    today = timezone.localdate()
    ended = owned(published=True, available_until=today - timedelta(days=1))
    current = owned(published=True, available_until=today)
    open_ended = owned(published=True, available_until=None)

    assert services.offers_expire_past_end() == 1

    ended.refresh_from_db(), current.refresh_from_db(), open_ended.refresh_from_db()
    assert (ended.status, current.status, open_ended.status) == (
        Status.EXPIRED, Status.PUBLISHED, Status.PUBLISHED,
    )  # fmt: skip
    assert sent("offers.offer_ended", resident) == 1
    assert OfferTransition.objects.filter(subject=ended, to_status=Status.EXPIRED).exists()


def test_expiring_ended_offers_twice_tells_the_owner_once(
    owned: Callable[..., Offer], resident: User
) -> None:
    owned(published=True, available_until=timezone.localdate() - timedelta(days=3))
    assert services.offers_expire_past_end() == 1
    assert services.offers_expire_past_end() == 0
    assert sent("offers.offer_ended", resident) == 1


def test_the_daily_task_expiring_ended_offers_is_scheduled(settings: Any) -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "offers.expire_ended" in tasks
