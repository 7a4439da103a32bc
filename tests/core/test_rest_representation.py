"""The compiled representation (core/rest/representation.py) gives DRF's dict, field for
field, for every model serializer the lists use, in any time zone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from rest_framework import serializers

from accounts.models import User
from core.rest import representation
from matching import services as matching_services
from matching.api import MatchSerializer
from matching.models import Match
from needs.api import NeedSerializer
from needs.models import Need
from offers.api import OfferSerializer, OwnOfferSerializer
from offers.models import Offer
from tests.factories import MembershipFactory, OfferFactory, SectorFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db


def drf_way(serializer: serializers.Serializer, instance: Any) -> dict[str, Any]:
    return dict(serializers.Serializer.to_representation(serializer, instance))


def same_as_drf(
    serializer_class: type[serializers.Serializer], rows: list[Any], *extra: str
) -> None:
    """Each instance, and each row of values standing for it, as DRF gives the instance."""
    serializer = serializer_class(context={})
    plan = representation.plan_for(serializer_class)
    assert plan.reads_rows
    model = type(rows[0])
    values = {
        row["id"]: representation.Row(row) for row in model.objects.values(*plan.columns, *extra)
    }
    for instance in rows:
        expected = drf_way(serializer, instance)
        for compiled in (
            representation.represent(serializer, instance),
            representation.represent(serializer, complete(values[instance.pk], instance)),
        ):
            assert compiled == expected
            assert list(compiled or {}) == list(expected)  # the same order too
    # As a list reads them (core/rest/lists.py): date-times and JSON as text.
    text = frozenset(name for name in plan.text_columns if name not in extra)
    assert text
    as_text = {representation.TEXT_PREFIX + name: Cast(name, output_field=TextField())
               for name in text}  # fmt: skip
    columns = [name for name in plan.columns if name not in text]
    read = {row["id"]: representation.Row(row)
            for row in model.objects.values(*columns, *extra, **as_text)}  # fmt: skip
    listed = [complete(read[instance.pk], instance) for instance in rows]
    compiled_list = representation.represent_rows(serializer, listed, text=text)
    assert compiled_list == [serializer.to_representation(instance) for instance in rows]


def complete(row: representation.Row, instance: Any) -> representation.Row:
    if isinstance(instance, Need):  # the list reads the districts' ids apart
        row["sectors"] = [sector.pk for sector in instance.sectors.all()]
    return row


@pytest.mark.parametrize("zone", ["Europe/Paris", "UTC", "America/Guadeloupe"])
def test_offers_are_represented_as_drf_would(resident: User, zone: str) -> None:
    sector = SectorFactory()
    OfferFactory(owner=resident, sector=sector, housing=True, published=True)
    OfferFactory(owner=resident, sector=sector, skill=True, pending=True)
    OfferFactory(
        owner=resident,
        sector=sector,
        contribution_per_month="12.50",
        available_from=timezone.localdate(),
        available_until=timezone.localdate() + timedelta(days=30),
    )
    OfferFactory(by_phone=True, sector=sector)
    rows = list(Offer.objects.for_lists())
    with timezone.override(zone):
        same_as_drf(OfferSerializer, rows)
        same_as_drf(OwnOfferSerializer, rows)


def test_needs_are_represented_as_drf_would(resident: User) -> None:
    sector = SectorFactory()
    member = MembershipFactory().user
    need = NeedFactory(organisation=member.memberships.first().organisation)
    need.sectors.add(sector)
    NeedFactory(donation=True, counter=True)
    same_as_drf(NeedSerializer, list(Need.objects.prefetch_related("sectors")))


def test_matches_are_represented_as_drf_would(staff: User) -> None:
    sector = SectorFactory()
    offer = OfferFactory(sector=sector, housing=True, published=True, capacity=2)
    need = NeedFactory(housing_types=["room"])
    need.sectors.add(sector)
    matching_services.match_propose(need=need, offer=offer, by=staff)
    matches = Match.objects.annotate(need_reference=F("need__internal_reference"))
    same_as_drf(MatchSerializer, list(matches), "criteria")


def test_a_serializer_can_keep_drfs_own_path() -> None:
    class Plain(OfferSerializer):
        compiled_representation = False

    assert representation.represent(Plain(context={}), Offer()) is None


def test_values_of_another_type_than_their_column_are_converted_as_drf_would(
    staff: User,
) -> None:
    """A row's text, number and list values are copied as they are only when they are of
    the type DRF would answer; anything else takes the converter (a list holding a number,
    a score read as a whole number)."""
    sector = SectorFactory()
    offer = OfferFactory(sector=sector, housing=True, published=True, capacity=2)
    need = NeedFactory(housing_types=["room"])
    need.sectors.add(sector)
    matching_services.match_propose(need=need, offer=offer, by=staff)
    plan = representation.plan_for(OfferSerializer)
    row = representation.Row(Offer.objects.values(*plan.columns).get(pk=offer.pk))
    row["languages"], row["household_types"] = ["fr", 3], []
    instance = Offer.objects.get(pk=offer.pk)
    instance.languages, instance.household_types = ["fr", 3], []
    serializer = OfferSerializer(context={})
    assert representation.represent(serializer, row) == drf_way(serializer, instance)
    match = Match.objects.annotate(need_reference=F("need__internal_reference")).get()
    match.score = 1
    match_plan = representation.plan_for(MatchSerializer)
    match_row = representation.Row(
        Match.objects.annotate(need_reference=F("need__internal_reference"))
        .values(*match_plan.columns, "criteria", "need_reference")
        .get()
    )
    match_row["score"] = 1
    serializer = MatchSerializer(context={})
    assert representation.represent(serializer, match_row) == drf_way(serializer, match)
    assert type(representation.represent(serializer, match_row)["score"]) is float  # type: ignore[index]


def test_each_serializer_gets_fields_of_its_own_bound_to_it() -> None:
    """Fields are copied from the ones built once per class (core/rest/serializers.py):
    two serializers share no field, and a list's item field belongs to its own list."""
    first, second = OfferSerializer(context={}), OfferSerializer(context={})
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other
        assert field.parent is first
        assert other.parent is second
        assert (field.source, field.required, field.read_only) == (
            other.source,
            other.required,
            other.read_only,
        )
    languages = first.fields["languages"]
    assert languages.child is not second.fields["languages"].child
    assert languages.child.parent is languages
    assert languages.child.source == ""
    checked = OfferSerializer(data={"languages": ["fr", "xx"]}, partial=True)
    assert not checked.is_valid()
    assert set(checked.errors) == {"languages"}
