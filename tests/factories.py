"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Membership, Organisation, User
from core.models import Sector

PASSWORD = "correct-horse-battery"


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"sector-{n}")
    name = factory.Sequence(lambda n: f"Sector {n}")
    centroid_latitude = "45.18850"
    centroid_longitude = "5.72450"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("first_name")
    preferred_language = "fr"

    class Params:
        staff = factory.Trait(role=User.Role.STAFF)
        coordinator = factory.Trait(role=User.Role.COORDINATOR)

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Association {n}")
    kind = Organisation.Kind.ASSOCIATION
    verified_at = factory.LazyFunction(timezone.now)

    class Params:
        unverified = factory.Trait(verified_at=None)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.MEMBER

    class Params:
        admin = factory.Trait(role=Membership.Role.ADMIN)


class CategoryFactory(factory.django.DjangoModelFactory):
    """A category of the default tree (core's data migration): fetched by its code."""

    class Meta:
        model = "core.Category"
        django_get_or_create = ["code"]

    kind = "donation"
    code = "bedding"
    name = factory.LazyAttribute(lambda category: category.code)


class OfferFactory(factory.django.DjangoModelFactory):
    """A resident's draft offer of goods; traits for the other kinds, statuses and intake."""

    class Meta:
        model = "offers.Offer"

    kind = "donation"
    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Couvertures {n}")
    sector = factory.SubFactory(SectorFactory)
    category = factory.SubFactory(CategoryFactory, code="bedding")
    quantity = 5
    status = "draft"

    class Params:
        housing = factory.Trait(
            kind="housing",
            title=factory.Sequence(lambda n: f"Chambre {n}"),
            category=None,
            quantity=None,
            housing_type="room",
            capacity=1,
            household_types=factory.LazyFunction(lambda: ["single_adult"]),
            available_from=factory.LazyFunction(timezone.localdate),
            street_address="3 rue des Lilas",
            postcode="38000",
        )
        skill = factory.Trait(
            kind="skill",
            title=factory.Sequence(lambda n: f"Cours de français {n}"),
            category=factory.SubFactory(CategoryFactory, code="french-lessons", kind="skill"),
            quantity=None,
            weekly_slots=factory.LazyFunction(lambda: ["mon-evening"]),
        )
        pending = factory.Trait(status="pending", submitted_at=factory.LazyFunction(timezone.now))
        published = factory.Trait(
            status="published",
            submitted_at=factory.LazyFunction(timezone.now),
            published_at=factory.LazyFunction(timezone.now),
            last_confirmed_at=factory.LazyFunction(timezone.now),
        )
        paused = factory.Trait(
            status="paused",
            published_at=factory.LazyFunction(timezone.now),
            last_confirmed_at=factory.LazyFunction(timezone.now),
        )
        rejected = factory.Trait(status="rejected", moderation_message="Précisez les dates.")
        expired = factory.Trait(
            status="expired",
            published_at=factory.LazyFunction(timezone.now),
            last_confirmed_at=factory.LazyFunction(timezone.now),
        )
        closed = factory.Trait(status="closed")
        by_phone = factory.Trait(
            owner=None,
            origin="phone",
            status="pending",
            submitted_at=factory.LazyFunction(timezone.now),
            caller_name="Jeanne",
            caller_phone="0612345678",
            consent_recorded_at=factory.LazyFunction(timezone.now),
        )


class HousingCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "offers.HousingCheck"

    offer = factory.SubFactory(OfferFactory, housing=True, pending=True)
    step = "phone_call"
    done_on = factory.LazyFunction(timezone.localdate)

    class Params:
        visit = factory.Trait(step="visit")
