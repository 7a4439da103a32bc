from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone, translation

from core.errors import DomainError
from core.models import AuditEntry
from imports import services
from imports.models import ImportJob, ImportMapping, Target
from needs.models import Need
from notifications.models import Notification
from offers.models import Offer
from tests.factories import OfferFactory, OrganisationFactory, SectorFactory
from tests.imports.helpers import as_csv, donation_row, housing_row, phone_line_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def district() -> object:
    return SectorFactory(name="Centre-ville", code="centre")


def checked(job: ImportJob, staff: object, **options: object) -> ImportJob:
    return services.import_map(job=job, by=staff, mapping=services.proposed_mapping(job), **options)


def test_a_phone_line_file_is_checked_then_imported_through_the_phone_intake(
    staff: object, district: object, django_capture_on_commit_callbacks: object, in_english: None
) -> None:
    OfferFactory(by_phone=True, caller_phone="0611111111")
    content = phone_line_file(20, "Centre-ville", bad=3, duplicate_phones=["0611111111"])
    job = services.import_upload(
        by=staff, target=Target.OFFERS, file_name="ligne.csv", content=content
    )
    assert job.row_count == 20
    with django_capture_on_commit_callbacks(execute=True):
        checked(job, staff)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, job.failure
    assert Offer.objects.count() == 1  # the check imported nothing
    assert job.error_count == 3
    assert job.duplicate_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(job=job, by=staff)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.failure
    assert job.imported == 16
    assert Offer.objects.filter(origin="phone", status="pending").count() == 17
    assert job.content == b""
    assert AuditEntry.objects.filter(action="imports.job.imported").count() == 1
    assert ImportMapping.objects.get(target=Target.OFFERS).columns["title"] == "titre"


def test_a_crash_in_the_middle_leaves_nothing_imported_and_the_job_can_start_again(
    staff: object,
    district: object,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = services.import_upload(
        by=staff, target=Target.OFFERS, file_name="ligne.csv", content=phone_line_file(12, "centre")
    )
    with django_capture_on_commit_callbacks(execute=True):
        checked(job, staff)
    job.refresh_from_db()
    from offers import services as offer_services

    real = offer_services.offer_take_by_phone
    calls = {"n": 0}

    def breaks_on_the_eighth(**kwargs: Any) -> Offer:
        calls["n"] += 1
        if calls["n"] == 8:
            raise RuntimeError("the disk is full")
        return real(**kwargs)

    monkeypatch.setattr(offer_services, "offer_take_by_phone", breaks_on_the_eighth)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(job=job, by=staff)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "nothing was imported" in job.failure
    assert not Offer.objects.exists()
    assert not AuditEntry.objects.filter(action="offers.offer.taken_by_phone").exists()
    monkeypatch.setattr(offer_services, "offer_take_by_phone", real)
    with django_capture_on_commit_callbacks(execute=True):
        checked(job, staff)
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(job=job, by=staff)
    job.refresh_from_db()
    assert (job.status, job.imported, Offer.objects.count()) == ("done", 12, 12)


def test_the_check_changes_nothing_not_even_a_message_or_an_audit_entry(
    staff: object, district: object, django_capture_on_commit_callbacks: Any, mailoutbox: list
) -> None:
    rows = [donation_row(n, "Centre-ville") for n in range(1, 4)]
    rows[0][5] = "caller@example.org"  # would be invited to take the offer over
    job = services.import_upload(
        by=staff, target=Target.OFFERS, file_name="a.csv", content=as_csv(rows)
    )
    before = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        checked(job, staff)
    job.refresh_from_db()
    assert job.report["valid"] == 3
    assert not Offer.objects.exists()
    assert not Notification.objects.exists()
    assert mailoutbox == []
    assert AuditEntry.objects.count() == before


def test_rows_repeating_each_other_or_an_offer_are_left_out_unless_staff_say_so(
    staff: object, district: object, django_capture_on_commit_callbacks: Any
) -> None:
    OfferFactory(housing=True, published=True, street_address="5 Rue des Tilleuls")
    rows = [
        donation_row(1, "centre"),
        donation_row(2, "centre", phone="0600000001"),
        housing_row(5, "centre"),
    ]
    job = services.import_upload(
        by=staff, target=Target.OFFERS, file_name="a.csv", content=as_csv(rows)
    )
    with django_capture_on_commit_callbacks(execute=True):
        checked(job, staff)
    job.refresh_from_db()
    duplicates = {entry["row"]: entry for entry in job.report["duplicates"]}
    assert duplicates[3]["same_as"] == [2]  # the same phone as the first row
    assert duplicates[4]["existing"]  # the same address, whatever the case
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(job=job, by=staff, skip_duplicates=False)
    job.refresh_from_db()
    assert job.imported == 3


def test_an_associations_needs_are_created_for_it_published_and_their_notes_flagged(
    staff: object, district: object, django_capture_on_commit_callbacks: Any
) -> None:
    organisation = OrganisationFactory()
    header = [
        "Type",
        "Urgence",
        "Adultes",
        "Enfants",
        "Ménage",
        "Quartiers",
        "Remarque",
        "Catégorie",
        "Quantité",
        "Type de logement",
    ]
    rows = [
        ["logement", "critique", "2", "1", "famille", "Centre-ville", "", "", "", "chambre"],
        ["dons", "normale", "1", "0", "", "", "Appeler le 06 12 34 56 78", "bedding", "4", ""],
        # Children make a family, not a woman alone: the service refuses it.
        ["logement", "haute", "1", "2", "Femme seule", "", "", "", "", "chambre, urgence"],
    ]
    job = services.import_upload(
        by=staff,
        target=Target.NEEDS,
        organisation=organisation,
        file_name="asso.csv",
        content=as_csv(rows, header),
    )
    with django_capture_on_commit_callbacks(execute=True):
        checked(job, staff)
    job.refresh_from_db()
    assert job.error_count == 1, job.report["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(job=job, by=staff)
    job.refresh_from_db()
    assert job.report["flagged"] == 1
    goods, housing = Need.objects.order_by("kind")
    assert (goods.kind, goods.status, goods.note_flags) == ("donation", "open", ["phone"])
    assert (housing.urgency, housing.household_size, housing.origin) == (
        "critical",
        3,
        "staff_for_association",
    )
    assert list(housing.sectors.values_list("code", flat=True)) == ["centre"]
    assert {need.organisation for need in (housing, goods)} == {organisation}


def test_an_xlsx_file_is_read_with_its_dates_and_numbers(
    staff: object, district: object, django_capture_on_commit_callbacks: Any
) -> None:
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "Type",
            "Titre",
            "Quartier",
            "Téléphone",
            "Consentement",
            "Nombre de lits",
            "Public",
            "Adresse",
            "Type de logement",
            "Disponible à partir du",
        ]
    )
    start = timezone.localdate() + dt.timedelta(days=10)
    sheet.append(
        [
            "Hébergement",
            "Studio",
            "Centre-ville",
            612345678,
            "x",
            2,
            "Couple",
            "1 place Grenette",
            "logement entier",
            dt.datetime.combine(start, dt.time()),
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    job = services.import_upload(
        by=staff, target=Target.OFFERS, file_name="ligne.xlsx", content=buffer.getvalue()
    )
    with django_capture_on_commit_callbacks(execute=True):
        checked(job, staff)
    job.refresh_from_db()
    assert job.report["errors"] == []
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(job=job, by=staff)
    offer = Offer.objects.get()
    assert (offer.caller_phone, offer.capacity, offer.housing_type) == ("0612345678", 2, "dwelling")
    assert offer.available_from == start
    assert offer.consent_recorded_at is not None


def test_the_mapping_is_kept_for_the_next_file_by_column_title(
    staff: object, district: object, django_capture_on_commit_callbacks: Any
) -> None:
    header = ["Genre", "Objet", "Lieu", "Tel", "OK"]
    rows = [["Dons", "Couvertures", "Centre-ville", "0611111111", "oui"]]
    first = services.import_upload(
        by=staff, target=Target.OFFERS, file_name="1.csv", content=as_csv(rows, header)
    )
    assert "sector" not in services.proposed_mapping(first)
    mapping = {
        "kind": "Genre",
        "title": "Objet",
        "sector": "Lieu",
        "caller_phone": "Tel",
        "consent": "OK",
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.import_map(job=first, by=staff, mapping=mapping)
    second = services.import_upload(
        by=staff,
        target=Target.OFFERS,
        file_name="2.csv",
        content=as_csv(rows, [h.upper() for h in header]),
    )
    assert services.proposed_mapping(second) == {k: v.upper() for k, v in mapping.items()}


def test_a_mapping_without_the_required_columns_is_refused(staff: object, district: object) -> None:
    job = services.import_upload(
        by=staff,
        target=Target.OFFERS,
        file_name="a.csv",
        content=as_csv([["x", "y"]], ["Titre", "Autre"]),
    )
    with pytest.raises(DomainError) as refused, translation.override("en"):
        services.import_map(job=job, by=staff, mapping={"title": "Titre"})
    assert "District" in str(refused.value.message)
    assert "phone or e-mail" in str(refused.value.message)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.pdf", b"%PDF", "CSV or XLSX"),
        ("a.csv", b"Titre\n", "no header row or no data row"),
        ("a.xlsx", b"not a zip", "cannot be read"),
        ("a.csv", b"A;A\n1;2\n", "same title"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(
    staff: object, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(DomainError) as refused, translation.override("en"):
        services.import_upload(by=staff, target=Target.OFFERS, file_name=name, content=content)
    assert message in str(refused.value.message)
    assert not ImportJob.objects.exists()


def test_only_staff_import(resident: object) -> None:
    with pytest.raises(PermissionError):
        services.import_upload(
            by=resident,
            target=Target.OFFERS,
            file_name="a.csv",
            content=as_csv([donation_row(1, "x")]),
        )


def test_housing_by_phone_needs_the_host_charter_read_to_every_caller(
    staff: object, district: object, django_capture_on_commit_callbacks: Any, coordinator: Any
) -> None:
    from offers.models import HostCharterAcceptance
    from offers.services import host_charter_publish

    host_charter_publish(by=coordinator, texts={"fr": "Charte d'accueil"})
    content = as_csv([housing_row(1, "Centre-ville"), donation_row(2, "Centre-ville")])
    for declared, valid in ((False, 1), (True, 2)):
        job = services.import_upload(
            by=staff, target=Target.OFFERS, file_name="ligne.csv", content=content
        )
        with django_capture_on_commit_callbacks(execute=True):
            checked(job, staff, charter_declared=declared)
        job.refresh_from_db()
        assert job.report["valid"] == valid, job.report
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(job=job, by=staff)
    housing = Offer.objects.get(kind="housing")
    acceptance = HostCharterAcceptance.objects.get(offer=housing)
    assert acceptance.recorded_by == staff


def test_an_accredited_organisation_imports_needs_for_minors_measured_from_its_districts(
    staff: object, district: object, django_capture_on_commit_callbacks: Any
) -> None:
    accredited = OrganisationFactory(minors_accredited_at=timezone.now())
    accredited.sectors.add(district)
    other = OrganisationFactory()
    header = ["Type", "Urgence", "Adultes", "Ménage", "Distance", "Type de logement"]
    rows = [["logement", "haute", "1", "mineur", "5", "chambre"]]
    reports = {}
    for organisation in (accredited, other):
        job = services.import_upload(
            by=staff, target=Target.NEEDS, organisation=organisation,
            file_name="mineurs.csv", content=as_csv(rows, header),
        )  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            checked(job, staff)
        job.refresh_from_db()
        reports[organisation] = job
    assert reports[accredited].error_count == 0, reports[accredited].report["errors"]
    assert reports[other].error_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(job=reports[accredited], by=staff)
    need = Need.objects.get()
    assert (need.household_type, need.max_distance_km, need.organisation) == (
        "minor",
        5,
        accredited,
    )


def test_the_check_reads_the_districts_and_the_categories_once_for_the_whole_file(
    staff: object, district: object, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    job = services.import_upload(
        by=staff,
        target=Target.OFFERS,
        file_name="ligne.csv",
        content=phone_line_file(30, "Centre-ville"),
    )
    capture = CaptureQueriesContext(connection)
    with capture as queries, django_capture_on_commit_callbacks(execute=True):
        checked(job, staff)
    job.refresh_from_db()
    assert job.report["valid"] == 30
    choices = [q["sql"] for q in queries if 'FROM "core_sector"' in q["sql"]
               or 'FROM "core_category"' in q["sql"]]  # fmt: skip
    # the file's lookups, then each form field's choices (districts, blankets): not per row
    assert len(choices) <= 4, choices
