"""Reads on offers: the moderation queue and the possible duplicates of a caller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.staff_filters import QUEUE_KEYS
from offers.selectors import DUPLICATES_SHOWN, moderation_queue, possible_duplicates
from tests.factories import OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_queue_holds_pending_offers_only_longest_waiting_first() -> None:
    now = timezone.now()
    newer = OfferFactory(pending=True, submitted_at=now - timedelta(hours=1))
    older = OfferFactory(pending=True, submitted_at=now - timedelta(days=2))
    for status in ("draft", "published", "rejected", "closed"):
        OfferFactory(status=status)
    assert list(moderation_queue().order_by(*QUEUE_KEYS)) == [older, newer]


@pytest.mark.parametrize("typed", ["+33 6 12 34 56 78", "06.12.34.56.78", "0033 612 345 678"])
def test_a_caller_is_found_by_phone_however_it_is_typed(typed: str) -> None:
    offer = OfferFactory(by_phone=True, caller_phone="0612345678")
    assert possible_duplicates(phone=typed) == [offer]


def test_an_owner_is_found_by_the_phone_of_their_account() -> None:
    owner = UserFactory(phone="06 12 34 56 78")
    offer = OfferFactory(owner=owner)
    UserFactory(phone="07 12 34 56 78")
    assert possible_duplicates(phone="+33612345678") == [offer]


def test_callers_and_owners_are_found_by_e_mail_in_any_case() -> None:
    by_phone = OfferFactory(by_phone=True, caller_email="jeanne@example.org")
    owners = OfferFactory(owner=UserFactory(email="jeanne@example.org"))
    assert set(possible_duplicates(email="  Jeanne@Example.ORG ")) == {by_phone, owners}


def test_an_address_is_found_whatever_its_case_and_spaces() -> None:
    offer = OfferFactory(housing=True, street_address="17 rue des Acacias")
    assert possible_duplicates(street_address="  17  RUE des acacias ") == [offer]


def test_too_short_keys_find_nothing() -> None:
    OfferFactory(by_phone=True, caller_phone="0612345678", street_address="1 rue")
    assert possible_duplicates(phone="78") == []
    assert possible_duplicates(street_address="1 ru") == []
    assert possible_duplicates() == []


def test_closed_offers_and_the_offer_itself_are_no_duplicates() -> None:
    OfferFactory(by_phone=True, caller_phone="0612345678", status="closed")
    itself = OfferFactory(by_phone=True, caller_phone="0612345678")
    other = OfferFactory(by_phone=True, caller_phone="0612345678")
    assert possible_duplicates(phone="0612345678", exclude=itself) == [other]


def test_the_other_offers_of_the_same_owner_are_known_and_not_shown() -> None:
    owner = UserFactory(phone="0612345678")
    first, second = OfferFactory(owner=owner), OfferFactory(owner=owner)
    assert possible_duplicates(phone="0612345678", exclude=first) == []
    assert set(possible_duplicates(phone="0612345678")) == {first, second}


def test_only_the_latest_duplicates_are_shown() -> None:
    made = [OfferFactory(by_phone=True) for _ in range(DUPLICATES_SHOWN + 2)]
    found = possible_duplicates(phone="0612345678")
    assert len(found) == DUPLICATES_SHOWN
    assert found[0] == made[-1]
