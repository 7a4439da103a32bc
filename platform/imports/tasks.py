"""Thin Celery entry points: they take a job's id and call the service."""

from celery import shared_task


@shared_task(name="imports.check")
def check(job_id: int) -> str:
    from imports.services import import_check

    return import_check(job_id=job_id).status


@shared_task(name="imports.run")
def run(job_id: int) -> str:
    from imports.services import import_run

    return import_run(job_id=job_id).status
