from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core.models import AuditEntry
from tests.conftest import client_for
from tests.factories import MembershipFactory, OfferFactory, SectorFactory, UserFactory
from tests.needs.factories import NeedFactory
from tests.reports.factories import placed_need

pytestmark = [pytest.mark.django_db]

ROLES = [
    "visitor",
    "resident",
    "other_resident",
    "member",
    "wrong_member",
    "admin",
    "staff",
    "coordinator",
]
STAFF_PAGES = [
    "/equipe/tableau-de-bord/",
    "/equipe/tableau-de-bord/?period=dates&start=2020-01-01&end=2030-01-01&kind=housing",
    "/equipe/tableau-de-bord/funnel.csv",
    "/equipe/tableau-de-bord/districts.csv?period=all",
    "/equipe/reseau/",
    "/equipe/reseau/?measure=beds_offered&kind=skill",
]
PUBLIC_PAGES = [
    "/statistiques/",
    "/statistiques/?type=housing",
    "/donnees-ouvertes/",
    "/donnees-ouvertes/schema.json",
    "/donnees-ouvertes/datapackage.json",
    "/donnees-ouvertes/tous-les-mois.csv",
    "/donnees-ouvertes/tous-les-mois.json",
]


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    member = MembershipFactory(user__email="member@example.org")
    return {
        "visitor": None,
        "resident": UserFactory(email="resident@example.org"),
        "other_resident": UserFactory(email="other@example.org"),
        "member": member.user,
        "wrong_member": MembershipFactory(user__email="wrong@example.org").user,
        "admin": MembershipFactory(user__email="admin@example.org", admin=True).user,
        "staff": UserFactory(email="staff@example.org", staff=True),
        "coordinator": UserFactory(email="coordinator@example.org", coordinator=True),
    }


def as_(people: dict[str, Any], role: str) -> Client:
    return client_for(people[role], language="en")


@pytest.mark.parametrize("role", ROLES)
def test_the_dashboard_exports_and_network_are_for_staff_only(
    people: dict[str, Any], role: str
) -> None:
    client = as_(people, role)
    expected = {"visitor": 302, "staff": 200, "coordinator": 200}.get(role, 403)
    assert {url: client.get(url).status_code for url in STAFF_PAGES} == dict.fromkeys(
        STAFF_PAGES, expected
    )


@pytest.mark.parametrize("role", ROLES)
def test_statistics_and_open_data_are_public(people: dict[str, Any], role: str) -> None:
    client = as_(people, role)
    assert {url: client.get(url).status_code for url in PUBLIC_PAGES} == dict.fromkeys(
        PUBLIC_PAGES, 200
    )


@pytest.mark.parametrize("role", ["staff", "resident"])
def test_a_network_file_is_removed_by_staff_only(people: dict[str, Any], role: str) -> None:
    from reports.models import NetworkDataset

    dataset = NetworkDataset.objects.create(
        city="Lyon", rows=[], first_month="2025-01", last_month="2025-01"
    )
    response = as_(people, role).post(f"/equipe/reseau/{dataset.pk}/supprimer/")
    assert response.status_code == (302 if role == "staff" else 403)
    assert NetworkDataset.objects.filter(pk=dataset.pk).exists() == (role != "staff")


def a_city(size: int) -> None:
    now = timezone.now()
    for number in range(size):
        sector = SectorFactory(name=f"Quartier {number % 3}", code=f"q{number % 3}")
        OfferFactory(published=True, sector=sector)
        OfferFactory(pending=True, housing=True, sector=sector)
        need = NeedFactory(critical=number % 2 == 0, opened_at=now - timedelta(days=2))
        need.sectors.set([sector])
        placed_need(opened=now - timedelta(days=5), waited=timedelta(days=number % 4 + 1))


def test_the_dashboard_costs_the_same_queries_whatever_the_size_of_the_city(
    people: dict[str, Any], django_assert_num_queries: Any
) -> None:
    staff = as_(people, "staff")
    staff.get("/equipe/tableau-de-bord/")  # first-request costs (sessions, unread badge)
    a_city(2)
    with django_assert_num_queries(15) as small:
        assert staff.get("/equipe/tableau-de-bord/?period=all").status_code == 200
    a_city(12)
    with django_assert_num_queries(len(small.captured_queries)):
        assert staff.get("/equipe/tableau-de-bord/?period=all").status_code == 200


def test_an_export_withholds_small_counts_and_escapes_formulas(people: dict[str, Any]) -> None:
    sector = SectorFactory(name='=HYPERLINK("http://evil.example","x")', code="evil")
    for _number in range(6):
        OfferFactory(published=True, sector=sector)
    OfferFactory(published=True, housing=True, sector=sector)
    response = as_(people, "staff").get("/equipe/tableau-de-bord/districts.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8-sig")
    lines = [line.split(";") for line in body.splitlines()]
    row = next(line for line in lines if "HYPERLINK" in line[0])
    assert row[0].startswith("\"'=HYPERLINK")  # shown as text by spreadsheets
    assert row[1:4] == ["<5", "6", "0"]  # one housing offer, six of goods, no skill


def test_the_dashboard_shows_staff_exact_counts(people: dict[str, Any]) -> None:
    OfferFactory(pending=True)
    page = as_(people, "staff").get("/equipe/tableau-de-bord/?period=all").content.decode()
    assert "<td>1</td>" in page


def test_a_coordinator_uploads_another_citys_file_and_sees_it_beside_ours(
    people: dict[str, Any],
) -> None:
    lyon = (
        "city,population,month,kind,measure,value,status,threshold\n"
        "Lyon,500000,2025-03,all,placements,50,shown,5\n"
        "Lyon,500000,2025-04,all,placements,,fewer_than_threshold,5\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_(people, "coordinator")
    upload = SimpleUploadedFile("lyon.csv", lyon.encode(), content_type="text/csv")
    response = client.post("/equipe/reseau/", {"file": upload}, follow=True)
    page = response.content.decode()
    assert "Lyon" in page
    assert "at least" in page  # April is withheld in Lyon's file
    assert "1.0" in page or "1,0" in page  # 50 per 500,000 is 1.0 per 10,000 inhabitants
    assert AuditEntry.objects.filter(action="reports.network_file.uploaded").count() == 1


def test_a_file_that_breaks_the_schema_is_refused_with_the_reason(people: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = "city,month,kind,measure,value,status,threshold\nLyon,2025-13,all,placements,3,shown,5\n"
    upload = SimpleUploadedFile("bad.csv", bad.encode(), content_type="text/csv")
    response = as_(people, "staff").post("/equipe/reseau/", {"file": upload})
    page = response.content.decode()
    assert "does not follow the schema" in page
    assert "2025-13" in page
    from reports.models import NetworkDataset

    assert not NetworkDataset.objects.exists()
