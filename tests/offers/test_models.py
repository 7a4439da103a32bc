"""What an offer must say (``Offer.clean``), by kind, and how phones are compared."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from offers.models import Offer, normalise_phone
from tests.factories import OfferFactory
from tests.offers.helpers import category

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

TODAY = timezone.localdate
DAY = timedelta(days=1)


def refused_fields(**fields: Any) -> set[str]:
    """The fields ``Offer.clean`` complains about for an offer built with these values."""
    offer: Offer = OfferFactory.build(**fields)
    try:
        offer.clean()
    except ValidationError as error:
        return set(error.message_dict)
    return set()


def housing(**fields: Any) -> set[str]:
    return refused_fields(housing=True, **fields)


def donation(**fields: Any) -> set[str]:
    return refused_fields(**fields)


def skill(**fields: Any) -> set[str]:
    return refused_fields(**{"skill": True, "category": category("french-lessons"), **fields})


def test_a_complete_offer_of_each_kind_is_accepted() -> None:
    assert housing() == set()
    assert donation(category=category("bedding")) == set()
    assert skill() == set()


def test_the_end_date_comes_after_the_start_date() -> None:
    assert donation(available_from=TODAY() + 5 * DAY, available_until=TODAY() + DAY) == {
        "available_until"
    }
    assert donation(available_from=TODAY() + DAY, available_until=TODAY() + DAY) == set()


def test_the_end_date_is_not_past() -> None:
    assert donation(available_until=TODAY() - DAY) == {"available_until"}
    assert donation(available_until=TODAY()) == set()


def test_the_database_refuses_dates_out_of_order_too() -> None:
    with pytest.raises(IntegrityError):
        OfferFactory(available_from=TODAY() + 5 * DAY, available_until=TODAY())


def test_the_longest_stay_is_not_shorter_than_the_shortest() -> None:
    assert housing(min_stay_nights=7, max_stay_nights=3) == {"max_stay_nights"}
    assert housing(min_stay_nights=3, max_stay_nights=3) == set()


@pytest.mark.parametrize("capacity", [None, 0])
def test_housing_has_at_least_one_bed(capacity: int | None) -> None:
    assert housing(capacity=capacity) == {"capacity"}


def test_housing_welcomes_at_least_one_kind_of_household() -> None:
    assert housing(household_types=[]) == {"household_types"}


@pytest.mark.parametrize("address", ["", "   "])
def test_housing_needs_its_address(address: str) -> None:
    assert housing(street_address=address) == {"street_address"}


def test_housing_says_what_kind_of_housing_it_is() -> None:
    assert housing(housing_type="") == {"housing_type"}


@pytest.mark.parametrize("quantity", [None, 0])
def test_a_donation_has_a_quantity_of_at_least_one(quantity: int | None) -> None:
    assert donation(quantity=quantity) == {"quantity"}


def test_food_has_a_best_before_date_in_the_future() -> None:
    food = category("food")
    assert food.asks_best_before
    assert donation(category=food) == {"best_before"}
    assert donation(category=food, best_before=TODAY()) == {"best_before"}
    assert donation(category=food, best_before=TODAY() + DAY) == set()


def test_goods_other_than_food_need_no_best_before_date() -> None:
    assert donation(category=category("furniture"), best_before=None) == set()


def test_goods_and_skills_need_a_category_of_their_kind() -> None:
    assert donation(category=None) == {"category"}
    assert donation(category=category("interpreting")) == {"category"}
    assert refused_fields(skill=True, category=category("bedding")) == {"category"}


def test_housing_has_no_category() -> None:
    assert housing(category=category("bedding")) == {"category"}


def test_interpreting_says_between_which_languages() -> None:
    interpreting = category("interpreting")
    assert skill(category=interpreting) == {"language_pairs"}
    assert skill(category=interpreting, language_pairs="  ") == {"language_pairs"}
    assert skill(category=interpreting, language_pairs="arabe ↔ français") == set()


def test_a_skill_is_offered_at_set_times_or_remotely() -> None:
    assert skill(weekly_slots=[]) == {"weekly_slots"}
    assert skill(weekly_slots=[], remote_possible=True) == set()


@pytest.mark.parametrize(
    "title", ["Chambre, appelez le 06 12 34 56 78", "Vélo +33612345678", "Écrire à moi@example.org"]
)
def test_a_title_with_contact_data_is_refused(title: str) -> None:
    assert donation(title=title) == {"title"}


def test_a_title_with_small_numbers_is_fine() -> None:
    assert donation(title="Vélo enfant 20 pouces, 2 casques") == set()


def test_lists_hold_only_known_codes() -> None:
    assert housing(languages=["fr", "klingon"], household_types=["pets"]) == {
        "languages",
        "household_types",
    }
    assert skill(weekly_slots=["mon-night"]) == {"weekly_slots"}


def test_full_validation_refuses_a_capacity_below_one() -> None:
    offer: Offer = OfferFactory.build(skill=True, category=category("french-lessons"), capacity=0)
    with pytest.raises(ValidationError) as refusal:
        offer.full_clean(exclude=["sector", "owner"])
    assert "capacity" in refusal.value.message_dict


@pytest.mark.parametrize(
    "typed",
    ["06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678", "+33612345678"],
)
def test_a_french_phone_is_compared_in_its_national_form(typed: str) -> None:
    assert normalise_phone(typed) == "0612345678"


def test_a_foreign_phone_keeps_its_digits() -> None:
    assert normalise_phone("+380 44 123 45 67") == "380441234567"


@pytest.mark.parametrize(
    "description", ["Appelez-moi au 06 12 34 56 78", "écrire à jeanne.dupont@example.org"]
)
def test_a_description_with_contact_data_is_refused(description: str) -> None:
    assert donation(description=description) == {"description"}


def test_pick_up_hours_with_a_phone_number_are_refused() -> None:
    assert donation(pickup_hours="le soir, appeler le 06 12 34 56 78") == {"pickup_hours"}
