from __future__ import annotations

import factory

from core.models import Category
from core.vocabulary import HelpKind
from needs.models import Need
from tests.factories import OrganisationFactory


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    kind = HelpKind.HOUSING
    organisation = factory.SubFactory(OrganisationFactory)
    origin = Need.Origin.ASSOCIATION
    status = Need.Status.OPEN
    urgency = Need.Urgency.NORMAL
    adults = 1
    children = 0
    household_size = factory.LazyAttribute(lambda need: need.adults + need.children)
    household_type = "single_adult"
    housing_types = factory.LazyFunction(lambda: ["room"])
    note = "Cherche une chambre pour un mois."
    internal_reference = factory.Sequence(lambda n: f"REF-{n:04d}")

    class Params:
        draft = factory.Trait(status=Need.Status.DRAFT)
        critical = factory.Trait(urgency=Need.Urgency.CRITICAL)
        counter = factory.Trait(organisation=None, origin=Need.Origin.COUNTER)
        donation = factory.Trait(
            kind=HelpKind.DONATION,
            household_type="",
            housing_types=factory.LazyFunction(list),
            category=factory.LazyFunction(lambda: Category.objects.get(code="bedding")),
            quantity=5,
        )
        skill = factory.Trait(
            kind=HelpKind.SKILL,
            household_type="",
            housing_types=factory.LazyFunction(list),
            category=factory.LazyFunction(lambda: Category.objects.get(code="interpreting")),
        )
