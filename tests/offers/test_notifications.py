"""The messages the offers app sends, as their recipients read them, and its digest line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from core.models import Sector
from core.pii import find_personal_data
from core.staff_queues import staff_queues
from notifications.models import Notification
from notifications.registry import Channel
from notifications.rendering import Rendered, render
from offers import services
from offers.models import Offer
from tests.factories import OfferFactory
from tests.offers.helpers import content

pytestmark = pytest.mark.django_db


def email_of(type_name: str) -> Rendered:
    return render(Notification.objects.get(type=type_name, channel=Channel.EMAIL))


@pytest.fixture
def english_owner(resident: User) -> User:
    resident.preferred_language = "en"
    resident.save()
    return resident


def test_the_published_message_names_the_offer_and_links_to_it(
    owned: Callable[..., Offer], english_owner: User, staff: User
) -> None:
    offer = owned(pending=True, title="Warm blankets")
    services.offer_approve(offer=offer, by=staff)

    rendered = email_of("offers.offer_published")

    assert rendered.subject.startswith("Your offer is published")
    assert "Warm blankets" in rendered.text
    assert rendered.action_url.endswith(f"/offres/{offer.pk}/")
    assert find_personal_data(rendered.subject + rendered.inapp) == []


def test_the_reminder_links_to_the_one_click_answer_and_says_the_grace_period(
    owned: Callable[..., Offer], english_owner: User
) -> None:
    owned(published=True, last_confirmed_at=timezone.now() - timedelta(days=31))
    services.offers_send_availability_reminders()

    rendered = email_of("offers.availability_reminder")

    assert "/offres/disponibilite/" in rendered.action_url
    assert rendered.action_url in rendered.text
    assert "within 14 days" in rendered.text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_take_over_invitation_reaches_the_caller_in_the_city_language(
    staff: User, sector: Sector, settings: Any, language: str
) -> None:
    settings.LANGUAGE_CODE = language
    services.offer_take_by_phone(
        by=staff,
        kind="donation",
        data=content("donation", sector, title="Des draps"),
        caller_name="Jeanne",
        caller_phone="",
        caller_email="jeanne@example.org",
        consent=True,
    )

    invitation = Notification.objects.get(type="offers.takeover_invitation")
    rendered = render(invitation)

    assert invitation.language == language
    assert "/offres/reprendre/" in rendered.action_url
    assert rendered.action_url in rendered.text
    assert "Des draps" in rendered.text


def test_the_staff_digest_counts_the_offers_waiting_for_review() -> None:
    OfferFactory(pending=True)
    OfferFactory(pending=True)
    OfferFactory(published=True)
    section = next(s for s in staff_queues() if s.key == "offers.pending")
    assert section.count() == 2
