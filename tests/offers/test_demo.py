"""The demo city's offers, loaded by ``seed_demo``: a realistic mix, valid, loaded once."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from offers.models import HousingCheck, Offer, OfferTransition

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_city: str) -> list[Offer]:
    return list(Offer.objects.select_related("category", "sector"))


def share(offers: list[Offer], **fields: str) -> float:
    matching = [o for o in offers if all(getattr(o, k) == v for k, v in fields.items())]
    return len(matching) / len(offers)


def test_the_demo_has_half_goods_a_quarter_housing_and_a_quarter_skills(
    demo: list[Offer],
) -> None:
    assert len(demo) >= 40
    assert share(demo, kind="donation") == pytest.approx(0.5, abs=0.05)
    assert share(demo, kind="housing") == pytest.approx(0.25, abs=0.05)
    assert share(demo, kind="skill") == pytest.approx(0.25, abs=0.05)


def test_most_demo_housing_is_a_room_in_a_home(demo: list[Offer]) -> None:
    housing = Counter(offer.housing_type for offer in demo if offer.kind == "housing")
    assert housing.most_common(1)[0][0] == "room"
    assert housing["room"] > len([o for o in demo if o.kind == "housing"]) / 2


def test_some_demo_offers_wait_for_review_and_most_are_published(demo: list[Offer]) -> None:
    statuses = Counter(offer.status for offer in demo)
    assert statuses["pending"] >= 5
    assert statuses["published"] > len(demo) / 2
    assert all(offer.submitted_at for offer in demo if offer.status == "pending")
    assert all(offer.last_confirmed_at for offer in demo if offer.status == "published")


def test_every_demo_offer_says_what_its_kind_needs(demo: list[Offer]) -> None:
    for offer in demo:
        offer.full_clean()


def test_published_demo_housing_has_its_checks(demo: list[Offer]) -> None:
    for offer in demo:
        if offer.kind == "housing" and offer.status == "published":
            steps = set(offer.housing_checks.values_list("step", flat=True))
            assert steps == set(HousingCheck.Step.values)


def test_loading_the_demo_twice_adds_no_offer(demo: list[Offer]) -> None:
    counts = (Offer.objects.count(), OfferTransition.objects.count(), HousingCheck.objects.count())
    call_command("seed_demo", stdout=StringIO())
    again = (Offer.objects.count(), OfferTransition.objects.count(), HousingCheck.objects.count())
    assert again == counts


def test_the_demo_history_holds_only_changes_the_lifecycle_allows(demo: list[Offer]) -> None:
    for log in OfferTransition.objects.exclude(from_status=""):
        assert log.to_status in Offer.TRANSITIONS[Offer.Status(log.from_status)], log


def test_the_demo_history_ends_at_each_offers_status(demo: list[Offer]) -> None:
    for offer in demo:
        last = OfferTransition.objects.filter(subject=offer).order_by("at", "id").last()
        assert last is not None
        assert last.to_status == offer.status
