"""Chaos: 1,000 notifications, a worker killed mid-run, the broker restarted empty.

Run with ``make chaos`` (also part of ``.ci/run``). It needs PostgreSQL (the worker
processes share the test database) and the ``redis-server`` program: the test runs a
broker of its own so that it can kill and restart it without touching anyone else's.
Then it checks the promise of the outbox: every message sent, none twice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.models import Count

from accounts.models import User
from notifications.models import Notification
from tests.celery_worker import ROOT, start_worker, stop_worker, worker_database_url
from tests.services import unavailable
from tests.smtp_sink import SmtpSink, free_port

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]
TOTAL = 1000


class RedisServer:
    """A throw-away Redis that keeps nothing on disk, like a broker that lost its memory."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            probe = subprocess.run(  # noqa: S603
                [shutil.which("redis-cli") or "redis-cli", "-p", str(self.port), "ping"],
                capture_output=True,
                check=False,
            )
            if probe.stdout.strip() == b"PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("The chaos Redis did not start.")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def broker() -> Iterator[RedisServer]:
    if connection.vendor != "postgresql":
        unavailable("the chaos test needs PostgreSQL (DATABASE_URL)")
    if shutil.which("redis-server") is None:
        unavailable("the chaos test needs the redis-server program")
    server = RedisServer()
    server.start()
    yield server
    server.kill()


def queue_notifications() -> None:
    """1,000 people and one queued e-mail each, as an urgent call leaves them."""
    User.objects.bulk_create(
        [User(email=f"chaos{n}@example.org", preferred_language="fr") for n in range(TOTAL)]
    )
    people = User.objects.filter(email__startswith="chaos").order_by("pk")
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=person,
                type="notifications.urgent_call",
                channel="email",
                language="fr",
                context={"message": "Couvertures pour ce soir.", "kind": "donation", "url": "/"},
                idempotency_key=f"chaos:{person.pk}:email",
            )
            for person in people
        ]
    )


def sweep(environment: dict[str, str]) -> str:
    """The sweep, run by the project's own command as beat would, against the chaos broker."""
    result = subprocess.run(
        [sys.executable, "manage.py", "notifications_sweep", "--older-than", "0", "--wet-run"],
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.strip()


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"Timed out waiting for {what}")


def test_no_notification_is_lost_or_sent_twice_across_a_worker_kill_and_a_broker_restart(
    broker: RedisServer,
) -> None:
    queue_notifications()
    with SmtpSink() as smtp:
        smtp.handler.delay = 0.01
        environment = {
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": broker.url,
            "CACHE_URL": broker.url.replace("/0", "/1"),
            "EMAIL_URL": smtp.email_url,
        }
        worker = start_worker(environment=environment)
        try:
            print(sweep(environment))
            wait_until(lambda: smtp.handler.count() >= TOTAL * 0.3, 120, "30% of the messages")
            # Kill it in the middle of a send: while a row is claimed ("sending").
            sending = Notification.objects.filter(status=Notification.Status.SENDING)
            wait_until(sending.exists, 30, "a message in flight")
            stop_worker(worker, kill=True)
        finally:
            stop_worker(worker, kill=True)
        delivered_before_crash = smtp.handler.count()
        in_flight = Notification.objects.filter(status=Notification.Status.SENDING).count()
        print(f"killed the worker after {delivered_before_crash} messages, {in_flight} in flight")

        broker.kill()  # everything queued in the broker is gone
        broker.start()

        worker = start_worker(environment=environment)
        try:
            print(sweep(environment))

            def all_final() -> bool:
                return not Notification.objects.exclude(status__in=Notification.FINAL).exists()

            wait_until(all_final, 180, "every notification to reach a final state")
        finally:
            stop_worker(worker)
        received = smtp.handler.notification_ids()

    statuses = dict(Notification.objects.values_list("status").annotate(n=Count("id")).order_by())
    print(f"statuses: {statuses}; received {sum(received.values())} messages")
    assert statuses == {"sent": TOTAL}
    assert len(received) == TOTAL, "some notifications were never received"
    assert max(received.values()) == 1, "some notifications were received twice"
    assert set(received) == {str(pk) for pk in Notification.objects.values_list("pk", flat=True)}
