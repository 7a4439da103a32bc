"""The signed links sent by e-mail: bound to one offer, one purpose and one round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from offers import links
from offers.models import Offer
from tests.factories import OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_availability_link_reads_back_its_offer_until_the_next_confirmation() -> None:
    offer = OfferFactory(published=True)
    token = links.availability_token(offer)
    assert links.read_availability_token(token) == offer

    Offer.objects.filter(pk=offer.pk).update(last_confirmed_at=timezone.now() + timedelta(1))

    assert links.read_availability_token(token) is None


def test_a_take_over_link_reads_back_its_offer_until_someone_owns_it() -> None:
    offer = OfferFactory(by_phone=True)
    token = links.takeover_token(offer)
    assert links.read_takeover_token(token) == offer

    Offer.objects.filter(pk=offer.pk).update(owner=UserFactory())

    assert links.read_takeover_token(token) is None


def test_a_link_made_for_one_purpose_does_not_work_for_the_other() -> None:
    offer = OfferFactory(by_phone=True, published=True)
    assert links.read_takeover_token(links.availability_token(offer)) is None
    assert links.read_availability_token(links.takeover_token(offer)) is None


@pytest.mark.parametrize("token", ["", "garbage", "eyJvIjoxfQ:1xWK5E:forged"])
def test_a_made_up_link_reads_as_nothing(token: str) -> None:
    OfferFactory(by_phone=True, published=True)
    assert links.read_availability_token(token) is None
    assert links.read_takeover_token(token) is None
