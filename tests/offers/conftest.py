"""Fixtures of the offers tests."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from core.models import Sector
from offers.models import Offer
from tests.factories import OfferFactory, SectorFactory


@pytest.fixture
def sector(db: None) -> Sector:
    return SectorFactory(code="centre", name="Centre-ville")


@pytest.fixture
def owned(resident: User) -> Any:
    """Make an offer of ``resident`` with factory traits: ``owned(published=True)``."""

    def make(**traits: Any) -> Offer:
        # An offer taken by phone has no owner until its caller takes it over.
        owner = {} if traits.get("by_phone") else {"owner": resident}
        offer: Offer = OfferFactory(**owner, **traits)
        return offer

    return make
