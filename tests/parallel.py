"""The suite in parallel (pytest-xdist, ``make test`` runs ``-n 2``): what each worker
process keeps to itself.

pytest-django gives each worker its own test database (``test_entraide_gw0``, ``_gw1``…).
Redis is shared by the whole machine, so each worker also gets its own Redis databases,
two numbers further per worker (broker on n, cache on n + 1): one worker clearing its
cache, or purging its queue, never touches another's. The environment follows, for the
processes a worker starts (its Celery worker, its servers).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.test import override_settings

from entraide.env import redis_sibling_database


def worker_number() -> int | None:
    """0, 1… in a pytest-xdist worker process; None when the suite runs in one process."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name.removeprefix("gw")) if name.startswith("gw") else None


def own_redis_settings(number: int) -> dict[str, Any]:
    """The settings that point worker ``number`` at its own Redis databases."""
    broker = redis_sibling_database(settings.REDIS_URL, offset=2 * number)
    cache = redis_sibling_database(broker)
    caches = {alias: {**options, "LOCATION": cache} for alias, options in settings.CACHES.items()}
    return {
        "REDIS_URL": broker,
        "CACHE_URL": cache,
        "CACHES": caches,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
    }


def own_redis_databases() -> Iterator[None]:
    """For the session (a fixture body): this worker's Redis databases, in the settings,
    in the Celery app and in the environment its subprocesses inherit."""
    number = worker_number()
    if not number or not settings.REDIS_URL:
        yield
        return
    from entraide.celery import app

    own = own_redis_settings(number)
    saved_environment = {name: os.environ.get(name) for name in ("REDIS_URL", "CACHE_URL")}
    saved_conf = (app.conf.broker_url, app.conf.result_backend)
    os.environ.update(REDIS_URL=own["REDIS_URL"], CACHE_URL=own["CACHE_URL"])
    app.conf.broker_url = app.conf.result_backend = own["REDIS_URL"]
    with override_settings(**own):
        yield
    app.conf.broker_url, app.conf.result_backend = saved_conf
    for name, value in saved_environment.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
