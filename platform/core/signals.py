from typing import Any

from celery.signals import worker_ready

from core.heartbeat import record_heartbeat


@worker_ready.connect
def _record_heartbeat_when_ready(**kwargs: Any) -> None:
    record_heartbeat()
