"""Fuzz the API against its own schema with schemathesis, as each role, on a live server.

    python tests/fuzz/run.py [--examples 12] [--max-time 90] [--roles visitor,staff]

A fresh database (PostgreSQL when ``DATABASE_URL`` is set, a database of its own named
after it; SQLite in a temporary folder otherwise) gets the demo city and an API token per
role; gunicorn serves the app on a free loopback port; then ``st run`` tests every
operation with every check (``tests/fuzz/schemathesis.toml`` says the one setting and
why) as a visitor, a resident, an association member and a staff member. The run fails
on any server error, any answer outside the schema, any request the schema refuses that
the API accepted. Rate limits are raised for the run (the fuzzer is one client).

``/api/v1/me/token/`` is left out: the fuzzer would revoke its own token. Its tests are
in ``tests/core/test_api_account.py``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONFIG = ROOT / "tests" / "fuzz" / "schemathesis.toml"
ROLES = {
    "visitor": None,
    "resident": "habitant@example.org",
    "member": "asso-membre@example.org",
    "staff": "agent@example.org",
}
EXCLUDED_PATHS = ["/api/v1/me/token/"]
REPORTS = ROOT / "var" / "fuzz"  # each role's full output, kept after the run
HIGH_RATE = "1000000/m"


@dataclass
class Outcome:
    role: str
    seconds: float
    operations: str
    cases: str
    failures: str
    returncode: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def database(var_dir: Path) -> Iterator[str | None]:
    """A fresh database URL for the run (None: SQLite under ``var_dir``), dropped after."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        yield None
        return
    import psycopg

    parts = urlsplit(base)
    name = f"{parts.path.strip('/')}_fuzz"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_environment(var_dir: Path, database_url: str | None) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "ENTRAIDE_REQUIRE_SERVICES"}
    }
    environment.update(
        {
            "DJANGO_DEBUG": "false",
            "ENTRAIDE_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "entraide.settings",
            "ENTRAIDE_API_RATE_PERSON_READ": HIGH_RATE,
            "ENTRAIDE_API_RATE_PERSON_WRITE": HIGH_RATE,
            "ENTRAIDE_API_RATE_ADDRESS_READ": HIGH_RATE,
            "ENTRAIDE_API_RATE_ADDRESS_WRITE": HIGH_RATE,
        }
    )
    if database_url:
        environment["DATABASE_URL"] = database_url
    return environment


def prepare(environment: dict[str, str]) -> dict[str, str]:
    """Migrate, load the demo city, and give each role with an account an API token."""
    manage = [str(BIN / "python"), str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=environment, check=True)
    subprocess.run([*manage, "seed_demo"], env=environment, check=True, stdout=subprocess.DEVNULL)
    code = (
        "from accounts.models import User\n"
        "from accounts.services import user_rotate_api_token\n"
        "import sys\n"
        "for email in sys.argv[1:]:\n"
        "    _token, text = user_rotate_api_token(user=User.objects.get(email=email))\n"
        "    print(email, text)\n"
    )
    emails = [email for email in ROLES.values() if email]
    printed = subprocess.run(
        [str(BIN / "python"), "-c", "import django; django.setup()\n" + code, *emails],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return dict(line.split() for line in printed.splitlines() if "@" in line)


@contextmanager
def served(environment: dict[str, str], port: int, workers: int) -> Iterator[str]:
    command = [
        str(BIN / "gunicorn"), "entraide.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--timeout", "60", "--log-level", "warning",
        # Long query strings reach Django, which answers them; in production the proxy
        # in front bounds them (a 414 before the app).
        "--limit-request-line", "0",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=environment, cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("The server did not start.")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def fuzz(base: str, role: str, token: str | None, arguments: argparse.Namespace) -> Outcome:
    command = [
        str(BIN / "st"), "--config-file", str(CONFIG), "run", f"{base}/api/schema/",
        "--url", base, "--checks", "all", "--max-examples", str(arguments.examples),
        "--max-time", str(arguments.max_time), "--workers", str(arguments.workers),
        "--output-truncate", "true",
    ]  # fmt: skip
    for path in EXCLUDED_PATHS:
        command += ["--exclude-path", path]
    if token:
        command += ["--header", f"Authorization: Token {token}"]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{role}.txt").write_text(output)
    if result.returncode:
        print(output)
    summary = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated", output)
    found = re.search(r"(\d+) found (\d+) unique failures", output)
    return Outcome(
        role=role,
        seconds=seconds,
        operations=summary.group(1) if summary else "?",
        cases=cases.group(1) if cases else "?",
        failures=found.group(2) if found else "0",
        returncode=result.returncode,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=12, help="cases per operation at most")
    parser.add_argument("--max-time", type=int, default=90, help="seconds per role at most")
    parser.add_argument("--workers", type=int, default=2, help="concurrent fuzzer workers")
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated roles")
    arguments = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="entraide-fuzz-"))
    outcomes = []
    try:
        with database(var_dir) as database_url:
            environment = server_environment(var_dir, database_url)
            tokens = prepare(environment)
            # SQLite takes one writer at a time: one server process, one fuzzer worker.
            workers = 2 if database_url else 1
            if not database_url:
                arguments.workers = 1
            with served(environment, free_port(), workers) as base:
                for role in arguments.roles.split(","):
                    email = ROLES[role]
                    outcomes.append(fuzz(base, role, tokens.get(email or ""), arguments))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    print(f"\n{'role':<10} {'operations':>10} {'cases':>7} {'failures':>8} {'seconds':>8}")
    for outcome in outcomes:
        print(
            f"{outcome.role:<10} {outcome.operations:>10} {outcome.cases:>7} "
            f"{outcome.failures:>8} {outcome.seconds:>8.0f}"
        )
    total = sum(int(o.cases) for o in outcomes if o.cases.isdigit())
    print(f"{'all':<10} {'':>10} {total:>7} {'':>8} {sum(o.seconds for o in outcomes):>8.0f}")
    return 1 if any(outcome.returncode for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
