"""Celery: tasks leave on commit only, and a real worker runs them through Redis."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings

from core.heartbeat import HEARTBEAT_KEY
from core.tasks import record_worker_heartbeat
from entraide.celery import app
from tests.celery_worker import WorkerProcess


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs() -> None:
    class Refused(Exception):
        pass

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            record_worker_heartbeat.delay_on_commit()
            raise Refused

    with pytest.raises(Refused):
        enqueue_then_fail()
    assert cache.get(HEARTBEAT_KEY) is None


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_a_task_enqueued_on_commit_runs_once_the_transaction_commits(
    django_capture_on_commit_callbacks: object,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        record_worker_heartbeat.delay_on_commit()
        assert cache.get(HEARTBEAT_KEY) is None
    assert len(callbacks) == 1
    assert cache.get(HEARTBEAT_KEY) is not None


def test_the_broker_redelivers_only_after_the_longest_countdown_we_use() -> None:
    from django.conf import settings

    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert timeout > settings.CELERY_LONGEST_COUNTDOWN
    assert app.conf.task_acks_late is True


@pytest.mark.services
@pytest.mark.django_db
def test_a_real_worker_runs_a_task_sent_through_redis_and_returns_its_result(
    celery_worker: WorkerProcess, client: Client
) -> None:
    result = record_worker_heartbeat.delay()
    beat = result.get(timeout=30)
    assert result.successful()
    assert set(beat) == {"at", "worker"}
    # The worker wrote its heartbeat in the shared cache, so the web side sees it alive.
    with override_settings(ENTRAIDE_HEALTHZ_TOKEN="monitor-token"):
        body = client.get("/healthz", headers={"Authorization": "Bearer monitor-token"}).json()
    assert body["checks"]["worker"]["ok"] is True, body
    assert body["checks"]["broker"] == {"ok": True}
    assert body["status"] == "ok"


def test_every_periodic_task_names_a_registered_task() -> None:
    from django.conf import settings

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
