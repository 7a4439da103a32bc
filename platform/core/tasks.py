from celery import shared_task

from core.heartbeat import record_heartbeat


@shared_task(name="core.record_worker_heartbeat", ignore_result=False)
def record_worker_heartbeat() -> dict[str, str]:
    """Run every minute by beat: proves a worker takes tasks from the broker."""
    return record_heartbeat()
