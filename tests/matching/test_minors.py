"""Fiche 7 in the database: a need for an unaccompanied minor is suggested, batched and
proposed only when its organisation is accredited for the care of minors, and only with
hosts who accepted minors (the SQL narrowing, the batch facts and the propose check)."""

from __future__ import annotations

import pytest

from accounts.models import Organisation, User
from associations.services import (
    organisation_accredit_for_minors,
    organisation_withdraw_minors_accreditation,
)
from core.errors import DomainError
from core.models import Sector
from matching import retrieval, services
from matching.batch import batch_run
from matching.models import Match
from needs.models import Need
from offers.models import Offer
from tests.factories import OfferFactory, OrganisationFactory
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def host_for_minors(sector: Sector) -> Offer:
    offer: Offer = OfferFactory(
        housing=True, published=True, sector=sector, title="Famille d'accueil", capacity=2,
        household_types=["minor", "single_adult"],
    )  # fmt: skip
    return offer


@pytest.fixture
def host_for_adults(sector: Sector) -> Offer:
    offer: Offer = OfferFactory(
        housing=True, published=True, sector=sector, title="Chambre adultes", capacity=2,
        household_types=["single_adult", "family"],
    )  # fmt: skip
    return offer


@pytest.fixture
def accredited(staff: User) -> Organisation:
    return organisation_accredit_for_minors(organisation=OrganisationFactory(), by=staff)


def minor_need(organisation: Organisation | None) -> Need:
    need: Need = NeedFactory(
        organisation=organisation, adults=0, children=1, household_type="minor",
        origin="association" if organisation else "counter",
    )  # fmt: skip
    return need


def suggested(need: Need) -> set[str]:
    return {s.subject.title for s in retrieval.suggestions_for_need(need)}


def test_a_minor_of_an_accredited_organisation_is_suggested_hosts_who_accepted_minors(
    accredited: Organisation, host_for_minors: Offer, host_for_adults: Offer
) -> None:
    assert suggested(minor_need(accredited)) == {"Famille d'accueil"}


def test_a_minor_of_an_organisation_without_accreditation_gets_no_suggestion(
    host_for_minors: Offer, host_for_adults: Offer
) -> None:
    need = minor_need(OrganisationFactory())  # written past the service, as old data might be
    assert suggested(need) == set()
    assert retrieval.candidate_offers(need, retrieval.need_facts(need)).count() == 0


def test_ending_the_accreditation_stops_the_suggestions(
    accredited: Organisation, host_for_minors: Offer, staff: User
) -> None:
    need = minor_need(accredited)
    organisation_withdraw_minors_accreditation(organisation=accredited, by=staff)
    need.organisation.refresh_from_db()
    assert suggested(need) == set()


def test_staff_cannot_propose_a_minor_outside_an_accredited_organisation(
    host_for_minors: Offer, host_for_adults: Offer, accredited: Organisation, staff: User
) -> None:
    with pytest.raises(DomainError, match="accredited"):
        services.match_propose(
            need=minor_need(OrganisationFactory()), offer=host_for_minors, by=staff
        )
    with pytest.raises(DomainError):
        services.match_propose(need=minor_need(accredited), offer=host_for_adults, by=staff)
    assert not Match.objects.exists()


def test_the_batch_places_minors_only_through_accredited_organisations(
    accredited: Organisation, host_for_minors: Offer, host_for_adults: Offer, sector: Sector
) -> None:
    OfferFactory(housing=True, published=True, sector=sector, capacity=2, household_types=["minor"])
    placed = minor_need(accredited)
    refused = minor_need(OrganisationFactory())
    batch_run()
    pairs = list(Match.objects.values_list("need_id", "offer__household_types"))
    assert {need for need, _types in pairs} == {placed.pk}
    assert all("minor" in types for _need, types in pairs)
    assert not Match.objects.filter(need=refused).exists()
