"""A real Celery worker process for the tests, on the test database and the real Redis.

The worker runs the project's own ``celery -A entraide worker`` command in a subprocess
whose ``DATABASE_URL`` points at the database pytest-django created, so tasks see what
(transactional) tests commit. It needs PostgreSQL and Redis: with SQLite the test
database lives in the test process's memory and no other process can reach it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from entraide.celery import app
from tests.services import unavailable

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = ROOT / "var" / "test-logs"


@dataclass
class WorkerProcess:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    environment: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _test_database_url() -> str:
    original = os.environ["DATABASE_URL"]
    parts = urlsplit(original)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def start_worker(*, concurrency: int = 2, extra_args: tuple[str, ...] = ()) -> WorkerProcess:
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    environment = {**os.environ, "DATABASE_URL": _test_database_url()}
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"worker-{name.split('@')[0]}.log"
    command = [
        sys.executable, "-m", "celery", "-A", "entraide", "worker",
        "--loglevel=INFO", f"--concurrency={concurrency}", "-n", name,
        "--without-gossip", "--without-mingle", *extra_args,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    worker = WorkerProcess(name, process, log_path, environment)
    wait_until_ready(worker)
    return worker


def wait_until_ready(worker: WorkerProcess, timeout: float = 60) -> None:
    hostname = worker.name.replace("%h", os.uname().nodename)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited early:\n{worker.log()}")
        if app.control.ping(destination=[hostname], timeout=1.0):
            return
    raise RuntimeError(f"The Celery worker did not answer within {timeout} s:\n{worker.log()}")


def stop_worker(worker: WorkerProcess, *, kill: bool = False) -> None:
    if worker.process.poll() is None:
        worker.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            worker.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: None, django_db_blocker: object) -> Iterator[WorkerProcess]:
    """One real worker for the whole session (tests that need it are marked ``services``)."""
    if settings.CELERY_TASK_ALWAYS_EAGER or connection.vendor != "postgresql":
        unavailable("a real Celery worker needs DATABASE_URL (PostgreSQL) and REDIS_URL set")
    app.control.purge()
    worker = start_worker()
    yield worker
    stop_worker(worker)
