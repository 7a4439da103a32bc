"""The checks behind /healthz: database, cache, broker and the last worker heartbeat."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from core.heartbeat import last_heartbeat

Check = dict[str, Any]


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_cache() -> Check:
    key = f"healthz-{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return {"ok": ok}


def check_broker() -> Check:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2
    )
    try:
        return {"ok": bool(client.ping())}
    finally:
        client.close()


def check_worker() -> Check:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    beat = last_heartbeat()
    if beat is None:
        return {"ok": False, "last_heartbeat": None}
    age = timezone.now() - beat
    max_age = timedelta(seconds=settings.ENTRAIDE_WORKER_HEARTBEAT_MAX_AGE)
    return {
        "ok": age <= max_age,
        "last_heartbeat": beat.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "worker": check_worker,
}


def run_checks() -> tuple[bool, dict[str, Check]]:
    results: dict[str, Check] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # a health check reports failures, it never raises
            results[name] = {"ok": False, "error": type(error).__name__}
    return all(result["ok"] for result in results.values()), results
