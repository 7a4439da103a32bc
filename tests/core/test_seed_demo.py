import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import Membership, Organisation, User
from core.models import Sector

pytestmark = pytest.mark.django_db


def test_the_demo_city_has_sectors_and_one_verified_account_per_role(demo_city: str) -> None:
    assert Sector.objects.count() == 8
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {User.Role.RESIDENT, User.Role.STAFF, User.Role.COORDINATOR}
    # Apps add their own organisations (associations/demo.py): at least one of each.
    assert Membership.objects.filter(role=Membership.Role.ADMIN).exists()
    assert Organisation.objects.verified().exists()
    assert Organisation.objects.to_verify().exists()
    assert EmailAddress.objects.filter(verified=True).count() == User.objects.count()
    printed = demo_city
    # Every account one can sign in with is printed with its password; the neighbours who
    # own demo offers cannot sign in at all.
    for user in User.objects.all():
        if user.has_usable_password():
            assert user.email in printed
            assert user.check_password("entraide-demo")
        else:
            assert user.email.startswith("voisin-")
    assert User.objects.filter(email__startswith="voisin-").exists()


def test_loading_the_demo_twice_changes_nothing(demo_city: str) -> None:
    counts = [Sector.objects.count(), User.objects.count(), Organisation.objects.count()]
    call_command("seed_demo")
    assert counts == [Sector.objects.count(), User.objects.count(), Organisation.objects.count()]


@override_settings(PRODUCTION=True)
def test_the_demo_refuses_to_run_in_production() -> None:
    accounts = User.objects.count()
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert User.objects.count() == accounts
