import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import Organisation, User
from accounts.validators import validate_phone, validate_registration_number
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_email_is_the_login_and_is_unique_whatever_its_case() -> None:
    User.objects.create_user("Camille@Example.org", "a-long-password")
    with pytest.raises(IntegrityError):
        User.objects.create(email="CAMILLE@example.org")


def test_a_superuser_is_a_coordinator() -> None:
    user = User.objects.create_superuser("root@example.org", "a-long-password")
    assert user.role == User.Role.COORDINATOR
    assert user.is_staff


def test_a_user_is_shown_by_display_name_or_else_by_email() -> None:
    assert str(UserFactory(display_name="Nadia")) == "Nadia"
    assert str(UserFactory(display_name="", email="x@example.org")) == "x@example.org"


@pytest.mark.parametrize("phone", ["06 12 34 56 78", "+33 6 12 34 56 78", "04.76.00.00.00"])
def test_usual_phone_numbers_are_accepted(phone: str) -> None:
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["call me", "12", "+33 6 12 34 56 78 90 12 34"])
def test_things_that_are_not_phone_numbers_are_refused(phone: str) -> None:
    with pytest.raises(ValidationError):
        validate_phone(phone)


@pytest.mark.parametrize("number", ["W381234567", "w381 234 567", "732829320"])
def test_rna_and_siren_numbers_are_accepted(number: str) -> None:
    validate_registration_number(number)


@pytest.mark.parametrize("number", ["W38123456", "732829321", "ABC", "12345678901234"])
def test_malformed_registration_numbers_are_refused(number: str) -> None:
    with pytest.raises(ValidationError):
        validate_registration_number(number)


def test_an_organisation_is_verified_only_once_someone_verified_it() -> None:
    organisation = Organisation(name="Accueil", kind=Organisation.Kind.ASSOCIATION)
    assert not organisation.is_verified
