"""A file of the phone line of 500 rows, imported by a real Celery worker in PostgreSQL:
the check and the import run in the background while the page shows the progress, which
the task moves every 25 rows.

Its size keeps the suite fast (the check and the import run about 90 and 110 rows a second
on two cores): the 10,000-row file is measured by ``bench/reports.py``."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from imports import services
from imports.models import ImportJob, Target
from offers.models import Offer
from tests.celery_worker import WorkerProcess
from tests.factories import CategoryFactory, SectorFactory, UserFactory
from tests.imports.helpers import phone_line_file

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROWS = 500


def wait_until_over(job: ImportJob, worker: WorkerProcess, timeout: float = 1200) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if not job.running:
            return job
        time.sleep(0.5)
    raise AssertionError(f"Import {job.pk} still {job.status}: {worker.log()[-3000:]}")


def test_a_large_file_is_checked_then_imported_in_the_background(
    celery_worker: WorkerProcess,
) -> None:
    SectorFactory(name="Centre-ville", code="centre")
    # Transactional tests empty the tables after them, the default categories included.
    CategoryFactory(code="bedding", kind="donation")
    staff = UserFactory(staff=True)
    client = Client()
    client.force_login(staff)
    content = phone_line_file(ROWS, "Centre-ville", bad=4)
    job = services.import_upload(by=staff, target=Target.OFFERS, file_name="ligne.csv",
                                 content=content)  # fmt: skip
    services.import_map(job=job, by=staff, mapping=services.proposed_mapping(job))
    progress = client.get(f"/equipe/imports/{job.pk}/").content.decode()
    assert "<progress" in progress  # the page shows a bar while the worker checks
    job = wait_until_over(job, celery_worker)
    assert job.status == ImportJob.Status.CHECKED, job.failure or celery_worker.log()[-3000:]
    assert (job.report["valid"], job.error_count) == (ROWS - 4, 4)
    assert not Offer.objects.exists()

    services.import_start(job=job, by=staff)
    job = wait_until_over(job, celery_worker)
    assert job.status == ImportJob.Status.DONE, job.failure or celery_worker.log()[-3000:]
    assert job.imported == ROWS - 4
    assert Offer.objects.filter(origin="phone", status="pending").count() == ROWS - 4
    report = client.get(f"/equipe/imports/{job.pk}/lignes-ecartees.csv")
    assert len(report.content.decode("utf-8-sig").strip().splitlines()) == 1 + 4
