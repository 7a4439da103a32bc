import pytest
from django.core.management import call_command

from accounts import roles
from accounts.models import Organisation, User
from core.vocabulary import HelpKind
from needs.models import Need

pytestmark = pytest.mark.django_db


def test_the_demo_has_needs_of_every_kind_urgency_and_state_without_personal_data(
    demo_city: str,
) -> None:
    needs = Need.objects.all()
    assert 25 <= needs.count() <= 40
    assert set(needs.values_list("kind", flat=True)) == set(HelpKind.values)
    assert set(needs.values_list("urgency", flat=True)) == set(Need.Urgency.values)
    assert set(needs.values_list("status", flat=True)) == set(Need.Status.values)
    assert needs.filter(origin=Need.Origin.COUNTER).exists()
    assert not needs.flagged().exists()
    assert Organisation.objects.to_verify().exists()
    member = User.objects.get(email="asso-membre@example.org")
    assert len(roles.active_memberships(member)) == 2  # picks which one they act for


def test_loading_the_demo_twice_adds_no_need(demo_city: str) -> None:
    count = Need.objects.count()
    call_command("seed_demo")
    assert Need.objects.count() == count
