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
from tests.smtp_sink import SmtpSink

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


def worker_database_url() -> str:
    """``DATABASE_URL`` pointed at the database pytest-django created."""
    original = os.environ["DATABASE_URL"]
    parts = urlsplit(original)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def start_worker(
    *,
    concurrency: int = 2,
    extra_args: tuple[str, ...] = (),
    environment: dict[str, str] | None = None,
) -> WorkerProcess:
    """Start ``celery -A entraide worker`` on the test database; ``environment`` adds to or
    overrides the test process's environment (a broker, an SMTP server...)."""
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    environment = {**os.environ, "DATABASE_URL": worker_database_url(), **(environment or {})}
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"worker-{name.split('@')[0]}.log"
    command = [
        sys.executable, "-m", "celery", "-A", "entraide", "worker",
        "--loglevel=INFO", f"--concurrency={concurrency}", "-n", name,
        "--without-gossip", "--without-mingle", *extra_args,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            command,
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a test can kill it whole
        )
    worker = WorkerProcess(name, process, log_path, environment)
    wait_until_ready(worker)
    return worker


def wait_until_ready(worker: WorkerProcess, timeout: float = 60) -> None:
    """Wait for the worker's own "ready" line: it needs no broker shared with this process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited early:\n{worker.log()}")
        if " ready." in worker.log():
            return
        time.sleep(0.2)
    raise RuntimeError(f"The Celery worker did not answer within {timeout} s:\n{worker.log()}")


def stop_worker(worker: WorkerProcess, *, kill: bool = False) -> None:
    """Stop the worker; ``kill=True`` is a SIGKILL to its whole process group (a crash)."""
    if worker.process.poll() is not None:
        return
    if kill:
        os.killpg(worker.process.pid, signal.SIGKILL)
    else:
        worker.process.send_signal(signal.SIGTERM)
    try:
        worker.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait()


@pytest.fixture(scope="session")
def worker_smtp() -> Iterator[SmtpSink]:
    """The SMTP server the session's worker sends e-mail to."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: None, django_db_blocker: object, worker_smtp: SmtpSink
) -> Iterator[WorkerProcess]:
    """One real worker for the whole session (tests that need it are marked ``services``).

    It sends e-mail to ``worker_smtp`` and retries after 1 s instead of 30 s.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER or connection.vendor != "postgresql":
        unavailable("a real Celery worker needs DATABASE_URL (PostgreSQL) and REDIS_URL set")
    app.control.purge()
    worker = start_worker(
        environment={"EMAIL_URL": worker_smtp.email_url, "ENTRAIDE_NOTIFICATION_RETRY_BASE": "1"}
    )
    yield worker
    stop_worker(worker)
