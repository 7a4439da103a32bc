"""Choices read once for many forms (``core.form_choices``), as an import uses them."""

from __future__ import annotations

from typing import Any

import pytest

from core.form_choices import ModelChoiceReadOnce, RowsReadOnce, read_choices_once
from core.models import Sector
from offers.forms import offer_form_class
from offers.models import Offer
from tests.factories import CategoryFactory, SectorFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def donation_form(**data: Any) -> Any:
    values = {"title": "Blankets", "quantity": "3", "condition": "good", **data}
    return offer_form_class("donation")(data=values, instance=Offer(kind="donation"))


def test_forms_given_the_rows_choose_among_them_without_a_query(
    django_assert_num_queries: Any,
) -> None:
    sector, category = SectorFactory(), CategoryFactory()
    memo = RowsReadOnce()
    with django_assert_num_queries(2):  # the districts, the categories: once for all forms
        forms = [donation_form(sector=sector.pk, category=category.pk) for _ in range(3)]
        for form in forms:
            read_choices_once(form, memo)
    with django_assert_num_queries(0):
        assert all(form.is_valid() for form in forms), forms[0].errors
    assert forms[0].cleaned_data["sector"] == sector
    assert forms[0].cleaned_data["category"] == category


def test_a_value_outside_the_rows_is_refused_as_django_refuses_it() -> None:
    SectorFactory()
    category = CategoryFactory()
    form = donation_form(sector="999999", category=category.pk)
    read_choices_once(form, RowsReadOnce())
    assert not form.is_valid()
    assert form.errors["sector"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]


def test_the_rows_are_the_fields_own_queryset() -> None:
    """A category of another kind is not among a donation's choices, read once or not."""
    skill = CategoryFactory(kind="skill", code="french-lessons")
    form = donation_form(sector=SectorFactory().pk, category=skill.pk)
    read_choices_once(form, RowsReadOnce())
    assert not form.is_valid()
    assert "category" in form.errors


def test_without_rows_the_field_asks_the_database_as_django_does(
    django_assert_num_queries: Any,
) -> None:
    sector = SectorFactory()
    field = ModelChoiceReadOnce(queryset=Sector.objects.all())
    with django_assert_num_queries(1):
        assert field.clean(str(sector.pk)) == sector


def test_an_offer_form_checks_its_rules_without_looking_its_keys_up_again(
    django_assert_num_queries: Any,
) -> None:
    """The district and the category are read by their choices; the model's validation
    does not read them again, nor run the dates constraint as SQL (``clean`` states it)."""
    sector, category = SectorFactory(), CategoryFactory()
    form = donation_form(
        sector=sector.pk,
        category=category.pk,
        available_from="2030-05-02",
        available_until="2030-05-01",
    )
    with django_assert_num_queries(2):
        assert not form.is_valid()
    assert form.errors["available_until"] == ["The end date must come after the start date."]
