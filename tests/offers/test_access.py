"""The one place that says who reaches which offer (``offers.access``). Who sees an
address or a contact on each page and endpoint is walked in ``test_privacy.py``."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import User
from offers.access import own_offer_or_404, visible_offers
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_a_resident_reaches_their_own_offers_and_staff_reach_them_all(
    resident: User, other_resident: User, association_member: User, staff: User, coordinator: User
) -> None:
    mine, theirs = OfferFactory(owner=resident), OfferFactory(owner=other_resident)
    by_phone = OfferFactory(by_phone=True)

    assert list(visible_offers(AnonymousUser())) == []
    assert list(visible_offers(resident)) == [mine]
    assert list(visible_offers(association_member)) == []
    for city in (staff, coordinator):
        assert set(visible_offers(city)) == {mine, theirs, by_phone}


def test_an_inactive_staff_account_reaches_only_its_own_offers(staff: User) -> None:
    OfferFactory()
    staff.is_active = False
    assert list(visible_offers(staff)) == []


def test_only_the_owner_manages_an_offer_from_the_resident_pages(
    resident: User, staff: User
) -> None:
    offer = OfferFactory(owner=resident)
    assert own_offer_or_404(resident, offer.pk) == offer
    with pytest.raises(Http404):
        own_offer_or_404(staff, offer.pk)
