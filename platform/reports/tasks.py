from celery import shared_task

from reports.services import beds_snapshot_record


@shared_task(name="reports.snapshot_beds")
def snapshot_beds() -> dict[str, int]:
    """Hourly: today's beds offered and occupied, for the chart of beds over time."""
    snapshot = beds_snapshot_record()
    return {"offered": snapshot.beds_offered, "occupied": snapshot.beds_occupied}
