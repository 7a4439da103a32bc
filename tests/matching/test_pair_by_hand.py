"""Staff pair a need with an offer they searched for: every hard constraint of the engine
is checked, and a pair that breaks one is refused with the rule's name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, User
from core.models import Category, Sector
from core.vocabulary import HelpKind
from matching.engine.constraints import RULES
from matching.models import Match
from needs.models import Need
from offers.models import Offer
from tests.conftest import client_for
from tests.factories import OfferFactory, SectorFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _room(sector: Sector, **extra: Any) -> Offer:
    return OfferFactory(housing=True, published=True, sector=sector, **extra)


def _donation(sector: Sector, code: str) -> Offer:
    return OfferFactory(published=True, sector=sector, category=Category.objects.get(code=code))


def _interpreter(sector: Sector, languages: list[str]) -> Offer:
    return OfferFactory(published=True, sector=sector, kind=HelpKind.SKILL, quantity=None,
                        capacity=1, category=Category.objects.get(code="interpreting"),
                        languages=languages)  # fmt: skip


def _broke_down_before(need: Need, offer: Offer) -> None:
    Match.objects.create(need=need, offer=offer, status=Match.Status.COMPLETED,
                         outcome=Match.Outcome.BROKE_DOWN)  # fmt: skip


def _held_elsewhere(need: Need, offer: Offer) -> None:
    other = NeedFactory(organisation=need.organisation)
    Match.objects.create(need=other, offer=offer, status=Match.Status.PROPOSED, units=1)


Case = tuple[dict[str, Any], Callable[[Sector], Offer], Callable[[Need, Offer], None] | None]
FAR = {"centroid_latitude": "48.85660", "centroid_longitude": "2.35220"}

# One pair per rule of matching/engine/constraints.py, breaking that rule only.
BREAKING: dict[str, Case] = {
    "kind": ({}, lambda s: _donation(s, "bedding"), None),
    "category": ({"donation": True}, lambda s: _donation(s, "furniture"), None),
    "beds": ({"adults": 3, "household_type": "family"},
             lambda s: _room(s, household_types=["family"]), None),
    "household_type": ({"household_type": "family"}, _room, None),
    "minors": ({"household_type": "minor"}, lambda s: _room(s, household_types=["minor"]), None),
    "broken_down": ({}, _room, _broke_down_before),
    "housing_type": ({"housing_types": ["dwelling"]}, _room, None),
    "step_free": ({"step_free_access": True}, _room, None),
    "pets": ({"no_pets": True}, lambda s: _room(s, pets_at_home=True), None),
    "dates": ({"wanted_until": TODAY() + timedelta(days=20)},
              lambda s: _room(s, available_from=TODAY() + timedelta(days=60)), None),
    "stay_length": ({"wanted_until": TODAY() + timedelta(days=20)},
                    lambda s: _room(s, min_stay_nights=60), None),
    "cover": ({"wanted_until": TODAY() + timedelta(days=300)},
              lambda s: _room(s, available_until=TODAY() + timedelta(days=3)), None),
    "distance": ({"max_distance_km": 1, "far": True}, _room, None),
    "languages": ({"skill": True, "languages": ["ti"]},
                  lambda s: _interpreter(s, ["ar", "fr"]), None),
    "units": ({}, _room, _held_elsewhere),
}  # fmt: skip


def test_every_hard_constraint_has_a_breaking_pair_here() -> None:
    assert set(BREAKING) == {name for name, _rule in RULES}


def _make(rule: str, organisation: Organisation, sector: Sector) -> tuple[Need, Offer]:
    need_fields, make_offer, setup = BREAKING[rule]
    need_fields = dict(need_fields)
    far = need_fields.pop("far", False)
    need = NeedFactory(organisation=organisation, opened_at=timezone.now(), **need_fields)
    if far:
        need.sectors.set([SectorFactory(**FAR)])
    offer = make_offer(sector)
    if setup:
        setup(need, offer)
    return need, offer


@pytest.fixture
def staff_client(staff: User) -> Client:
    return client_for(staff, language="en")


def _pair(client: Client, need: Need, offer: Offer) -> Any:
    return client.post(reverse("matching-staff:pair", args=[need.pk]), {"offer": offer.pk})


@pytest.mark.parametrize("rule", [name for name, _rule in RULES])
def test_a_pair_breaking_a_hard_constraint_is_refused_with_the_rules_name(
    rule: str, organisation: Organisation, sector: Sector, staff_client: Client
) -> None:
    from matching.retrieval import _RULE_LABELS

    need, offer = _make(rule, organisation, sector)
    response = _pair(staff_client, need, offer)
    assert response.status_code == 302
    assert response.url == reverse("matching-staff:need", args=[need.pk])
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert str(_RULE_LABELS[rule]) in message
    assert message.startswith("This pair breaks a rule of matching")
    assert not Match.objects.filter(need=need, offer=offer, status=Match.Status.PROPOSED).exists()


def test_staff_pair_a_need_with_an_offer_the_engine_did_not_suggest(
    organisation: Organisation, sector: Sector, staff_client: Client
) -> None:
    need = NeedFactory(organisation=organisation, urgency="critical", opened_at=timezone.now())
    room = _room(sector, title="Chambre rue des Lilas")
    page = staff_client.get(reverse("matching-staff:need", args=[need.pk]), {"offer_q": "lilas"})
    assert page.context["candidates"] == [(room, [])]
    assert "Fits every rule of matching." in page.content.decode()
    response = _pair(staff_client, need, room)
    match = Match.objects.get(need=need, offer=room)
    assert response.url == reverse("matching-staff:match", args=[match.pk])
    assert match.status == Match.Status.PROPOSED


def test_the_search_on_a_need_page_shows_the_rules_a_pair_would_break(
    organisation: Organisation, sector: Sector, staff_client: Client
) -> None:
    need = NeedFactory(organisation=organisation, step_free_access=True)
    room = _room(sector, title="Chambre à l'étage")
    page = staff_client.get(reverse("matching-staff:need", args=[need.pk]), {"offer_q": "étage"})
    assert page.context["candidates"] == [(room, ["no step-free access"])]
    assert "Propose this pair" not in page.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [("visitor", 302), ("resident", 403), ("association_member", 403), ("staff", 302),
     ("coordinator", 302)],
)  # fmt: skip
def test_only_staff_pair_by_hand(
    request: pytest.FixtureRequest, role: str, status: int, organisation: Organisation,
    sector: Sector,
) -> None:  # fmt: skip
    user = None if role == "visitor" else request.getfixturevalue(role)
    need, room = NeedFactory(organisation=organisation), _room(sector)
    response = _pair(client_for(user), need, room)
    assert response.status_code == status
    proposed = Match.objects.filter(need=need, offer=room, status=Match.Status.PROPOSED)
    assert proposed.exists() == (role in ("staff", "coordinator"))
