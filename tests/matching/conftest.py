"""Fixtures of the matching tests: a verified association with two members and an open
housing need, a resident with a published room that fits it, and distinctive contact
details on both sides (so that a leak is easy to spot)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Organisation, User
from core.models import Sector
from matching import services
from matching.models import Match
from needs.models import Need
from offers.models import Offer
from tests.factories import (
    MembershipFactory,
    OfferFactory,
    OrganisationFactory,
    SectorFactory,
    UserFactory,
)
from tests.needs.factories import NeedFactory

RESIDENT_PHONE = "06 11 22 33 44"
RESIDENT_EMAIL = "host.resident@example.org"
STREET_ADDRESS = "17 impasse des Glycines"
ASSOCIATION_PHONE = "04 76 98 76 54"
ASSOCIATION_EMAIL = "accueil@asso-solidaire.example.org"
SECRETS = (RESIDENT_PHONE, RESIDENT_EMAIL, STREET_ADDRESS, ASSOCIATION_PHONE, ASSOCIATION_EMAIL)


@pytest.fixture
def sector(db: None) -> Sector:
    return SectorFactory(code="centre", name="Centre-ville")


@pytest.fixture
def resident(db: None) -> User:
    """The owner of the offers (overrides the suite's resident: a distinctive contact)."""
    return UserFactory(email=RESIDENT_EMAIL, phone=RESIDENT_PHONE, display_name="Camille")


@pytest.fixture
def organisation(db: None) -> Organisation:
    return OrganisationFactory(
        name="Asso Solidaire",
        contact_name="Nadia",
        contact_phone=ASSOCIATION_PHONE,
        contact_email=ASSOCIATION_EMAIL,
    )


@pytest.fixture
def association_member(organisation: Organisation) -> User:
    """A member of the need's association (overrides the suite's fixture)."""
    return MembershipFactory(organisation=organisation, user__email="member@example.org").user


@pytest.fixture
def second_member(organisation: Organisation) -> User:
    return MembershipFactory(organisation=organisation, user__email="second@example.org").user


@pytest.fixture
def other_member(db: None) -> User:
    """A member of another (verified) association."""
    return MembershipFactory(user__email="other.member@example.org").user


@pytest.fixture
def room(resident: User, sector: Sector) -> Offer:
    """A published room for one household of up to two people."""
    offer: Offer = OfferFactory(
        housing=True,
        published=True,
        owner=resident,
        sector=sector,
        title="Chambre lumineuse",
        capacity=2,
        households_at_once=1,
        household_types=["single_adult", "couple"],
        street_address=STREET_ADDRESS,
    )
    return offer


@pytest.fixture
def need(organisation: Organisation) -> Need:
    """An open housing need of the association: one adult alone."""
    need: Need = NeedFactory(organisation=organisation)
    return need


@pytest.fixture
def proposed(need: Need, room: Offer, staff: User, association_member: User) -> Match:
    return services.match_propose(need=need, offer=room, by=staff)


@pytest.fixture
def confirmed(proposed: Match, resident: User, association_member: User) -> Match:
    services.match_accept(match=proposed, by=resident)
    return services.match_accept(match=proposed, by=association_member)


def api_as(user: User | None) -> APIClient:
    """An API client for ``user`` (anonymous for ``None``) whose messages are in English."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def donation(resident: User, sector: Sector) -> Any:
    """Make a published donation of bedding by ``resident``: ``donation(quantity=10)``."""

    def make(quantity: int) -> Offer:
        offer: Offer = OfferFactory(
            published=True, owner=resident, sector=sector, quantity=quantity
        )
        return offer

    return make


@pytest.fixture
def goods_need(organisation: Organisation) -> Any:
    """Make an open need of bedding of the association: ``goods_need(quantity=4)``."""

    def make(quantity: int) -> Need:
        need: Need = NeedFactory(organisation=organisation, donation=True, quantity=quantity)
        return need

    return make
