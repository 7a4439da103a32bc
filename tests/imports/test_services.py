from __future__ import annotations

import pytest

from core.models import AuditEntry
from imports import services
from imports.models import ImportJob, ImportMapping, Target
from offers.models import Offer
from tests.factories import OfferFactory, SectorFactory
from tests.imports.helpers import phone_line_file

pytestmark = [pytest.mark.django_db]


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
