from celery import shared_task

from privacy.services import purge_run


@shared_task(name="privacy.purge")
def purge() -> dict[str, int]:
    """Nightly: anonymise what is past its retention period (docs/privacy.md)."""
    return purge_run().counts
