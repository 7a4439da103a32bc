"""Open data: every file follows the published Table Schema (checked with frictionless),
and no output ever publishes a count from 1 to the threshold minus one."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from frictionless import Resource, Schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Category, Sector
from needs.models import Need
from offers.models import Offer
from reports import opendata, statistics
from tests.conftest import client_for
from tests.factories import OrganisationFactory, SectorFactory, UserFactory
from tests.reports.factories import placed_need

pytestmark = [pytest.mark.django_db]


def shipped_schema() -> Schema:
    return Schema.from_descriptor(opendata.schema_descriptor())


def test_the_shipped_schema_is_a_valid_table_schema_documented_field_by_field() -> None:
    report = Schema.validate_descriptor(opendata.schema_descriptor())
    assert report.valid, report.flatten(["message"])
    docs = (opendata.SCHEMA_PATH.parents[3] / "docs" / "open-data.md").read_text()
    for field in opendata.schema_descriptor()["fields"]:
        assert field["description"]
        assert f"`{field['name']}`" in docs


def day_in_month(months_ago: int) -> datetime:
    """The 10th of a past month, at noon, local time."""
    month = timezone.localdate().replace(day=1)
    for _step in range(months_ago):
        month = (month - timedelta(days=1)).replace(day=1)
    return timezone.make_aware(datetime.combine(month.replace(day=10), time(12)))


def some_months_of_activity() -> None:
    """Housing placements: seven last month, two the month before, six before that."""
    for months_ago, count in ((1, 7), (2, 2), (3, 6)):
        moment = day_in_month(months_ago)
        for _number in range(count):
            match = placed_need(opened=moment - timedelta(days=2), waited=timedelta(days=2))
            Offer.objects.filter(pk=match.offer_id).update(created_at=moment)


def validate_csv(body: bytes) -> None:
    report = Resource(data=body, format="csv", schema=shipped_schema()).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:5]


def validate_json(body: bytes) -> None:
    rows = json.loads(body)
    names = [field.name for field in shipped_schema().fields]
    table = [names] + [[row[name] for name in names] for row in rows]
    report = Resource(data=table, schema=shipped_schema()).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:5]


def test_every_open_data_file_validates_against_the_schema() -> None:
    some_months_of_activity()
    client = Client()
    package = client.get("/donnees-ouvertes/datapackage.json").json()
    assert len(package["resources"]) >= 4  # two months at least, CSV and JSON
    files = [f"/donnees-ouvertes/{resource['path']}" for resource in package["resources"]]
    files += ["/donnees-ouvertes/tous-les-mois.csv", "/donnees-ouvertes/tous-les-mois.json"]
    for url in files:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Access-Control-Allow-Origin"] == "*"
        (validate_csv if url.endswith(".csv") else validate_json)(response.content)
    schema = client.get("/donnees-ouvertes/schema.json").json()
    assert schema == opendata.schema_descriptor()


def test_only_months_that_are_over_are_published() -> None:
    some_months_of_activity()
    current = timezone.localdate().strftime("%Y-%m")
    assert Client().get(f"/donnees-ouvertes/{current}.csv").status_code == 404
    assert Client().get("/donnees-ouvertes/1999-01.csv").status_code == 404
    rows = Client().get("/donnees-ouvertes/tous-les-mois.json").json()
    assert current not in {row["month"] for row in rows}


def test_a_file_says_which_counts_are_withheld_and_why() -> None:
    some_months_of_activity()
    rows = Client().get("/donnees-ouvertes/tous-les-mois.json").json()
    placements = {(r["month"], r["kind"]): r for r in rows if r["measure"] == "placements"}
    months = sorted({month for month, _kind in placements})
    housing = [placements[(month, "housing")] for month in months[-3:]]
    before = housing[1]
    assert (before["value"], before["status"]) == (None, "fewer_than_threshold")
    # The total since the start (15) is published: another month is hidden too, so that
    # no subtraction says the withheld 2.
    assert any(row["status"] == "hidden" for row in housing)
    assert all(row["value"] is None or row["value"] >= 5 or row["value"] == 0 for row in housing)
    assert before["threshold"] == 5


# --- No small count anywhere ----------------------------------------------------------------

SMALL_WORDS = re.compile(r"^\d[\d\s ,.]*$")


def published_numbers(texts: list[str]) -> set[int]:
    return {int(re.sub(r"\D", "", text)) for text in texts if SMALL_WORDS.match(text.strip())}


def page_cells(client: Client, url: str) -> list[str]:
    html = client.get(url).content.decode()
    return re.findall(r"<td>([^<]*)</td>", html) + re.findall(r"<strong>([^<]*)</strong>", html)


def export_cells(client: Client, url: str) -> list[str]:
    body = client.get(url).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    return [cell for row in rows[1:] for cell in row[1:]]


def city_with(counts: dict[tuple[int, str], int]) -> None:
    """``counts[(months ago, kind)]`` offers received, needs opened and matches confirmed."""
    sector = Sector.objects.first() or SectorFactory()
    organisation = OrganisationFactory()
    bedding = Category.objects.get(code="bedding")
    for (months_ago, kind), count in counts.items():
        moment = day_in_month(months_ago)
        extra: dict[str, Any] = {"category": bedding, "quantity": 1} if kind == "donation" else {}
        if kind == "housing":
            extra = {"capacity": 1, "housing_type": "room"}
        offers = Offer.objects.bulk_create(
            Offer(kind=kind, title="x", sector=sector, status="published", **extra)
            for _ in range(count)
        )
        Offer.objects.filter(pk__in=[o.pk for o in offers]).update(created_at=moment)
        needs = Need.objects.bulk_create(
            Need(
                kind=kind,
                organisation=organisation,
                status="open",
                opened_at=moment,
                category=bedding if kind == "donation" else None,
            )
            for _ in range(count)
        )
        from matching.models import Match

        Match.objects.bulk_create(
            Match(
                need=need, offer=offer, status="confirmed", confirmed_at=moment, proposed_at=moment
            )
            for need, offer in zip(needs, offers, strict=True)
        )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    counts=st.dictionaries(
        st.tuples(st.integers(0, 2), st.sampled_from(["housing", "donation", "skill"])),
        st.integers(0, 9),
        max_size=6,
    )
)
def test_no_published_cell_is_between_one_and_the_threshold(
    counts: dict[tuple[int, str], int], db: None
) -> None:
    from matching.models import Match

    Match.objects.all().delete()
    Need.objects.all().delete()
    Offer.objects.all().delete()
    cache.clear()
    city_with(counts)
    staff = client_for(UserFactory(email="staff@example.org", staff=True))
    visitor = Client()
    texts: list[str] = []
    texts += page_cells(visitor, "/statistiques/")
    for kind in ("housing", "donation", "skill"):
        texts += page_cells(visitor, f"/statistiques/?type={kind}")
    texts += page_cells(visitor, "/besoins/")
    for table in (
        "offers-by-state",
        "needs-by-state",
        "urgent-needs",
        "funnel",
        "time-to-placement",
        "beds",
        "districts",
    ):
        texts += [
            cell
            for cell in export_cells(staff, f"/equipe/tableau-de-bord/{table}.csv?period=all")
            if not re.search(r"[:.\-]", cell)
        ]
    stats = statistics.compute()
    values = [row["value"] for row in opendata.rows(stats, stats.months)]
    shown = published_numbers(texts) | {value for value in values if value is not None}
    assert not {n for n in shown if 0 < n < 5}, sorted(shown)
