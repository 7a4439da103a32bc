"""The one place that says who reaches which offer (``offers.access``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import User
from offers.access import own_offer_or_404, sees_private_details, visible_offers
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


def test_the_exact_address_is_for_the_owner_and_staff(
    resident: User, other_resident: User, association_member: User, staff: User
) -> None:
    offer = OfferFactory(owner=resident, housing=True)
    assert sees_private_details(resident, offer)
    assert sees_private_details(staff, offer)
    assert not sees_private_details(other_resident, offer)
    assert not sees_private_details(association_member, offer)
    assert not sees_private_details(AnonymousUser(), offer)


def test_a_visitor_does_not_see_the_address_of_an_offer_taken_by_phone() -> None:
    offer = OfferFactory(by_phone=True, housing=True)
    assert not sees_private_details(AnonymousUser(), offer)
