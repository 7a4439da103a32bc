"""Benchmark: an urgent call to 10,000 opted-in residents, end to end.

A staff member sends the call; a real Celery worker (``celery -A entraide worker``, two
processes) creates the 10,000 notifications in bulk, publishes them through Redis, and
sends each e-mail to an SMTP server on localhost (aiosmtpd, in this process). Printed:
the time of the staff member's click, the time until every message is queued, the time
until every message is received, sends per second, and peak memory.

Run with ``make bench`` (PostgreSQL and Redis needed; it uses its own database,
``entraide_bench``, which it empties first). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import ensure_database, machine  # noqa: E402 (after the path is set)


def configure_environment(database_url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    # As in production: no debug toolbar of queries, cached templates.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "entraide.settings")


def peak_rss_mib(pid: int) -> float:
    """High-water mark of a process's resident memory (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pids(root_pid: int) -> list[int]:
    children = Path(f"/proc/{root_pid}/task/{root_pid}/children")
    pids = [root_pid]
    if children.exists():
        for child in children.read_text().split():
            pids.extend(worker_pids(int(child)))
    return pids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/entraide_bench"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    arguments = parser.parse_args()

    ensure_database(arguments.database_url)
    from tests.smtp_sink import SmtpSink

    with SmtpSink() as smtp:
        os.environ["EMAIL_URL"] = smtp.email_url
        configure_environment(arguments.database_url, arguments.redis_url)
        run(arguments.residents, arguments.concurrency, smtp)


def run(residents: int, concurrency: int, smtp: object) -> None:
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import User
    from entraide.celery import app
    from notifications.models import Notification, NotificationPreference
    from notifications.services import urgent_call_send
    from tests.celery_worker import start_worker, stop_worker

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    app.control.purge()

    print(f"Machine: {machine()}; PostgreSQL {connection.pg_version // 10000}")
    started = time.perf_counter()
    people = User.objects.bulk_create(
        [User(email=f"resident{n}@example.org", preferred_language="fr") for n in range(residents)],
        batch_size=5000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in people],
        batch_size=5000,
    )
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(
                user=u, urgent_calls=True, urgent_kinds=",donation,", urgent_languages=",fr,"
            )
            for u in people
        ],
        batch_size=5000,
    )
    staff = User.objects.create(email="staff@example.org", role=User.Role.STAFF)
    print(f"Set-up: {residents:,} opted-in residents in {time.perf_counter() - started:.1f} s")

    worker = start_worker(concurrency=concurrency, environment=dict(os.environ))
    try:
        click = time.perf_counter()
        with transaction.atomic():
            call = urgent_call_send(
                by=staff,
                message="Nous cherchons 200 couvertures pour ce soir au gymnase Jean-Jaurès.",
                kind="donation",
                sector=None,
                language="fr",
            )
        click_seconds = time.perf_counter() - click
        expected_rows = residents * 2  # e-mail and in-app
        milestones = watch(
            {
                "queued": lambda: Notification.objects.count() >= expected_rows,
                "first": lambda: smtp.handler.count() > 0,  # type: ignore[attr-defined]
                "done": lambda: smtp.handler.count() >= residents,  # type: ignore[attr-defined]
            },
            since=click,
            timeout=1800,
        )
        queued_seconds, first_received, done_seconds = (
            milestones["queued"],
            milestones["first"],
            milestones["done"],
        )
        pids = worker_pids(worker.process.pid)
        worker_peak = sum(peak_rss_mib(pid) for pid in pids)
        largest = max(peak_rss_mib(pid) for pid in pids)
    finally:
        stop_worker(worker)

    received = smtp.handler.notification_ids()  # type: ignore[attr-defined]
    sent = Notification.objects.filter(channel="email", status="sent").count()
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Urgent call #{call.pk} to {call.recipients_count:,} residents")
    print(
        f"  staff click (record, count audience, audit, publish):  {click_seconds * 1000:8.0f} ms"
    )
    print(f"  all {expected_rows:,} notifications queued (rows + broker): {queued_seconds:8.1f} s")
    print(f"  first e-mail received:                               {first_received:8.2f} s")
    print(f"  all {residents:,} e-mails received:                      {done_seconds:8.1f} s")
    print(f"  sends per second, end to end:                        {residents / done_seconds:8.0f}")
    print(
        f"  sends per second, once sending started:              "
        f"{residents / (done_seconds - first_received):8.0f}"
    )
    duplicates = sum(n - 1 for n in received.values())
    missing = residents - len(received)
    print(f"  duplicates: {duplicates}, missing: {missing}, e-mail rows sent: {sent:,}")
    print(
        f"  peak memory: worker {worker_peak:.0f} MiB over {len(pids)} processes "
        f"(largest {largest:.0f} MiB); this process (with the SMTP server) {own_peak:.0f} MiB"
    )


def watch(conditions: dict[str, object], since: float, timeout: float) -> dict[str, float]:
    """Seconds from ``since`` until each condition first held, polled together."""
    reached: dict[str, float] = {}
    deadline = time.perf_counter() + timeout
    while len(reached) < len(conditions):
        if time.perf_counter() > deadline:
            raise SystemExit(f"Timed out after {timeout} s; reached {reached}")
        for name, condition in conditions.items():
            if name not in reached and condition():  # type: ignore[operator]
                reached[name] = time.perf_counter() - since
        time.sleep(0.02)
    return reached


if __name__ == "__main__":
    main()
