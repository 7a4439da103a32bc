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
