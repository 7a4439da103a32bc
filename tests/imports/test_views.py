from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.models import AuditEntry
from imports.models import ImportJob, Target
from offers.models import Offer
from tests.conftest import client_for
from tests.factories import MembershipFactory, SectorFactory, UserFactory
from tests.imports.helpers import as_csv, donation_row

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


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    return {
        "visitor": None,
        "resident": UserFactory(email="resident@example.org"),
        "other_resident": UserFactory(email="other@example.org"),
        "member": MembershipFactory(user__email="member@example.org").user,
        "wrong_member": MembershipFactory(user__email="wrong@example.org").user,
        "admin": MembershipFactory(user__email="admin@example.org", admin=True).user,
        "staff": UserFactory(email="staff@example.org", staff=True),
        "coordinator": UserFactory(email="coordinator@example.org", coordinator=True),
    }


@pytest.fixture
def job(people: dict[str, Any]) -> ImportJob:
    SectorFactory(name="Centre-ville", code="centre")
    return ImportJob.objects.create(
        target=Target.OFFERS,
        file_name="a.csv",
        file_format="csv",
        content=as_csv([donation_row(1, "centre")]),
        headers=["Titre"],
        row_count=1,
        created_by=people["staff"],
        status=ImportJob.Status.CHECKED,
        report={"rows": 1, "valid": 1, "errors": [], "duplicates": []},
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_import_page_is_for_staff_only(
    people: dict[str, Any], job: ImportJob, role: str
) -> None:
    client = client_for(people[role])
    pages = [
        "/equipe/imports/",
        "/equipe/imports/nouveau/",
        "/equipe/imports/modele-offers.csv",
        f"/equipe/imports/{job.pk}/",
        f"/equipe/imports/{job.pk}/colonnes/",
        f"/equipe/imports/{job.pk}/progression/",
        f"/equipe/imports/{job.pk}/lignes-ecartees.csv",
    ]
    expected = {"visitor": 302, "staff": 200, "coordinator": 200}.get(role, 403)
    assert {url: client.get(url).status_code for url in pages} == dict.fromkeys(pages, expected)
    for action in ("importer", "annuler", "supprimer"):
        response = client.post(f"/equipe/imports/{job.pk}/{action}/")
        if role not in ("staff", "coordinator"):
            assert response.status_code == expected, action
    if role not in ("staff", "coordinator"):
        job.refresh_from_db()
        assert job.status == ImportJob.Status.CHECKED


def test_staff_upload_map_check_and_import_with_the_pages(
    people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    SectorFactory(name="Centre-ville", code="centre")
    rows = [donation_row(n, "Centre-ville") for n in range(1, 6)]
    rows[0][1] = '=HYPERLINK("http://evil.example")'  # refused: a formula is no title
    rows[0][2] = "Atlantide"
    client = client_for(people["staff"])
    upload = SimpleUploadedFile("ligne.csv", as_csv(rows), content_type="text/csv")
    response = client.post("/equipe/imports/nouveau/", {"target": "offers", "file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/equipe/imports/{job.pk}/colonnes/"
    page = client.get(response["Location"]).content.decode()
    assert 'value="Titre" selected' in page
    from imports.services import proposed_mapping

    form = {f"field_{name}": header for name, header in proposed_mapping(job).items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/equipe/imports/{job.pk}/colonnes/", form)
    assert response.status_code == 302
    detail = client.get(f"/equipe/imports/{job.pk}/").content.decode()
    assert "Atlantide" in detail
    report = client.get(f"/equipe/imports/{job.pk}/lignes-ecartees.csv")
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[1][0] == "2"
    assert lines[1][3].startswith("'=HYPERLINK")  # the title cell, escaped
    assert AuditEntry.objects.filter(action="imports.error_report.downloaded").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/equipe/imports/{job.pk}/importer/", {"skip_duplicates": "1"})
    assert Offer.objects.count() == 4
    progress = client.get(f"/equipe/imports/{job.pk}/progression/")
    assert progress["HX-Refresh"] == "true"


def test_an_unreadable_file_is_refused_on_the_upload_page(people: dict[str, Any]) -> None:
    client = client_for(people["staff"])
    upload = SimpleUploadedFile("notes.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post("/equipe/imports/nouveau/", {"target": "offers", "file": upload})
    assert response.status_code == 200
    assert not ImportJob.objects.exists()


def test_a_needs_file_needs_its_association(people: dict[str, Any]) -> None:
    upload = SimpleUploadedFile("n.csv", b"Type\nlogement\n", content_type="text/csv")
    response = client_for(people["staff"]).post(
        "/equipe/imports/nouveau/", {"target": "needs", "file": upload}
    )
    assert response.status_code == 200
    assert not ImportJob.objects.exists()


def test_the_template_file_names_every_column(people: dict[str, Any]) -> None:
    client: Client = client_for(people["staff"])
    body = client.get("/equipe/imports/modele-needs.csv").content.decode("utf-8-sig")
    assert body.count(";") >= 10


def test_the_mapping_page_shows_no_callers_phone_or_e_mail(people: dict[str, Any]) -> None:
    """Any member of staff opens the mapping page: the samples help choose a column
    without showing a caller's contact."""
    SectorFactory(name="Centre-ville", code="centre")
    row = donation_row(1, "Centre-ville", phone="06 12 34 56 78")
    row[5] = "appelant@example.org"
    upload = SimpleUploadedFile("contacts.csv", as_csv([row]), content_type="text/csv")
    client = client_for(people["staff"], language="en")
    response = client.post("/equipe/imports/nouveau/", {"target": "offers", "file": upload})
    page = client_for(people["coordinator"], language="en").get(response["Location"])
    text = page.content.decode()
    assert "Couvertures 1" in text  # other columns keep their samples
    assert "06 12 34 56 78" not in text
    assert "appelant@example.org" not in text
    assert "(contact details, not shown)" in text
