from __future__ import annotations

import pytest

from accounts import roles
from needs import selectors
from needs.models import Need
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db


def test_members_see_their_verified_organisations_needs_and_staff_all() -> None:
    org_a, org_b = OrganisationFactory(), OrganisationFactory()
    need_a, need_b = NeedFactory(organisation=org_a), NeedFactory(organisation=org_b)
    counter = NeedFactory(counter=True)
    member = MembershipFactory(organisation=org_a).user
    staff = UserFactory(staff=True)
    assert list(selectors.needs_visible_to(member)) == [need_a]
    assert set(selectors.needs_visible_to(staff)) == {need_a, need_b, counter}
    assert not selectors.needs_visible_to(UserFactory()).exists()
    assert not selectors.needs_visible_to(None).exists()


def test_a_member_of_an_organisation_that_is_no_longer_verified_sees_nothing() -> None:
    organisation = OrganisationFactory()
    NeedFactory(organisation=organisation)
    member = MembershipFactory(organisation=organisation).user
    organisation.verified_at = None
    organisation.save()
    assert not selectors.needs_visible_to(member).exists()


def test_the_internal_reference_is_for_the_association_or_staff_at_a_counter() -> None:
    organisation = OrganisationFactory()
    member = MembershipFactory(organisation=organisation).user
    staff = UserFactory(staff=True)
    assert roles.internal_reference_access(member)(organisation.pk)
    assert not roles.internal_reference_access(member)(None)
    assert not roles.internal_reference_access(staff)(organisation.pk)
    assert roles.internal_reference_access(staff)(None)
    assert not roles.can_see_internal_reference(UserFactory(), organisation)


def test_the_public_summary_counts_active_needs_only() -> None:
    organisation = OrganisationFactory()
    NeedFactory(organisation=organisation, critical=True)
    NeedFactory(organisation=organisation, status=Need.Status.PARTLY_MATCHED)
    NeedFactory(organisation=organisation, donation=True)
    NeedFactory(organisation=organisation, draft=True)
    NeedFactory(organisation=organisation, status=Need.Status.MATCHED)
    rows = selectors.public_summary()
    housing = next(r for r in rows if r.kind == "housing")
    assert (housing.critical, housing.high, housing.normal) == (1, 0, 1)
    assert sum(r.total for r in rows) == 3
    assert rows[0].kind == "housing"
