"""Benchmark: the API lists and a burst of offer creations, each beside a bare Django view.

Starts gunicorn with the Dockerfile's flags (3 sync workers, ``--max-requests`` …) and the
production settings (``DJANGO_ENV=production``, PostgreSQL, Redis, no debug), whose URLconf
also serves bare views (``bench/api_server/api_bare.py``): the same token authentication, the same
queryset and the same fields, answered by ``values()`` and ``JsonResponse`` without DRF.
Then, in interleaved rounds (the order of the two flips each round), it drives each pair
with the same concurrency for the same time and prints, per endpoint, the medians over the
rounds of the requests per second and the 95th percentile of the latency, and the ratio
of the API to the bare view:

- ``GET /api/v1/offers/``, ``/api/v1/needs/``, ``/api/v1/matches/`` (first page, staff)
  and ``GET /api/v1/matching/suggestions/?need=`` (staff);
- ``POST /api/v1/offers/`` by residents (a donation each; target ≥ 100 per second,
  p95 ≤ 300 ms, no error) beside a bare insert of the same row and its first transition.

Requests come from many accounts and addresses (``X-Forwarded-For``), so that the rate
limits, which stay on at their production values, are spent as in a surge. It uses its
own database, ``entraide_bench_api``, which it fills first. Figures, never pass/fail.

    .venv/bin/python bench/api.py            # 9 rounds of 3 s per variant
    .venv/bin/python bench/api.py --quick    # 3 rounds of 1.5 s, about a minute
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# At the end: bench/ holds files named like the apps (matching.py, reports.py, privacy.py).
sys.path.append(str(ROOT / "bench"))

from common import ensure_database, machine  # noqa: E402 (after the path is set)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/entraide_bench_api"


def dockerfile_flags() -> list[str]:
    """The flags of the Dockerfile's gunicorn command, but its address (the bench binds a
    local port): the bench runs what the image runs."""
    text = (ROOT / "Dockerfile").read_text()
    command = text[text.index("\nCMD [") + len("\nCMD ") :]
    argv = json.loads(command[: command.index("]") + 1].replace("\\\n", " "))
    flags = argv[argv.index("entraide.wsgi:application") + 1 :]
    where = flags.index("--bind")
    return flags[:where] + flags[where + 2 :]


GUNICORN_FLAGS = dockerfile_flags()


# --- Data -----------------------------------------------------------------------------


@dataclass
class World:
    staff_tokens: list[str]
    resident_tokens: list[str]
    need_id: int
    sector_id: int
    category_id: int


def _tokens(users: list[Any]) -> list[str]:
    from knox.models import AuthToken

    return [AuthToken.objects.create(user=user)[1] for user in users]


def load(offers: int) -> World:
    """A city with ``offers`` offers, half as many needs and a fifth as many proposals."""
    from django.utils import timezone

    from accounts.models import Organisation, User
    from core.models import Category, Sector
    from matching.models import Match
    from needs.models import Need
    from offers.models import Offer, OfferTransition

    for model in (Match, OfferTransition, Offer, Need):
        model.objects.all().delete()
    User.objects.filter(email__startswith="bench-").delete()
    Organisation.objects.filter(name="Bench").delete()
    now = timezone.now()
    sector, _ = Sector.objects.get_or_create(
        code="bench", defaults={"name": "Bench", "centroid_latitude": 45, "centroid_longitude": 5}
    )
    bedding = Category.objects.get(code="bedding")
    residents = User.objects.bulk_create(
        [User(email=f"bench-resident-{n}@example.org") for n in range(400)]
    )
    staff = User.objects.bulk_create(
        [User(email=f"bench-staff-{n}@example.org", role=User.Role.STAFF) for n in range(50)]
    )
    rows = []
    for n in range(offers):
        common = {"owner": residents[n % len(residents)], "sector": sector, "status": "published",
                  "published_at": now, "last_confirmed_at": now, "title": f"Offre {n}",
                  "description": "Disponible en soirée, deux personnes."}  # fmt: skip
        if n % 2:
            rows.append(Offer(kind="donation", category=bedding, quantity=3, **common))
        else:
            rows.append(
                Offer(kind="housing", housing_type="room", capacity=2,
                      household_types=["single_adult", "couple"], languages=["fr", "ar"],
                      street_address=f"{n} rue des Lilas", postcode="38000",
                      available_from=timezone.localdate(), **common)
            )  # fmt: skip
    created = Offer.objects.bulk_create(rows, batch_size=2000)
    organisation = Organisation.objects.create(name="Bench", kind="association", verified_at=now)
    needs = Need.objects.bulk_create(
        [Need(kind="housing", organisation=organisation, status="open", opened_at=now,
              adults=1, household_size=1, household_type="single_adult",
              housing_types=["room"], languages=["fr"], note="Cherche une chambre.",
              internal_reference=f"B-{n}")
         for n in range(max(offers // 2, 1))],
        batch_size=2000,
    )  # fmt: skip
    Need.sectors.through.objects.bulk_create(
        [Need.sectors.through(need_id=need.pk, sector_id=sector.pk) for need in needs],
        batch_size=2000,
    )
    housing = [offer for offer in created if offer.kind == "housing"]
    Match.objects.bulk_create(
        [Match(need=needs[n % len(needs)], offer=housing[n % len(housing)], units=1,
               status="proposed", score=0.8, proposed_at=now,
               answer_due=now + timedelta(days=3))
         for n in range(max(offers // 5, 1))],
        batch_size=2000,
    )  # fmt: skip
    return World(
        staff_tokens=_tokens(staff),
        resident_tokens=_tokens(residents),
        # Proposals went to the first needs; the last one still waits for an offer, so that
        # its suggestions are a full answer, not an empty list.
        need_id=needs[-1].pk,
        sector_id=sector.pk,
        category_id=bedding.pk,
    )


# --- The server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """What the production settings require, and the bench's URLconf."""
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "api_settings",
        "PYTHONPATH": str(ROOT / "bench" / "api_server"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_URL": redis_url,
        "EMAIL_URL": "dummymail://",
        "ENTRAIDE_CONTACT_EMAIL": "bench@example.invalid",
        "ENTRAIDE_STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def start_server(environment: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    static = Path(environment["ENTRAIDE_STATIC_ROOT"])
    if not (static / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=environment, check=True,
        )  # fmt: skip
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(  # noqa: S603 (our own command line)
        [gunicorn, "entraide.wsgi:application", "--bind", f"127.0.0.1:{port}", *GUNICORN_FLAGS],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "GET", "/healthz", {})
            if status in (200, 503):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(
        "gunicorn did not start: " + (server.stderr.read() if server.stderr else b"").decode()
    )


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=40)


# --- The load -------------------------------------------------------------------------


def request(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **headers})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Run:
    rate: float
    p95_ms: float
    errors: int
    count: int


Call = Callable[[int], tuple[str, str, dict[str, str], bytes | None, int]]


def drive(port: int, call: Call, seconds: float, concurrency: int) -> Run:
    """``concurrency`` clients, each sending ``call(n)`` one after another for ``seconds``."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = iter(range(10**9))

    def client() -> None:
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop:
            with lock:
                n = next(counter)
            method, path, headers, body, expected = call(n)
            start = time.perf_counter()
            try:
                status, _ = request(port, method, path, headers, body)
            except OSError:
                status = 0
            mine.append(time.perf_counter() - start)
            failed += status != expected
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else 0.0
    return Run(len(latencies) / elapsed, p95, errors[0], len(latencies))


def headers_for(token: str, n: int) -> dict[str, str]:
    # Production trusts one proxy: the last X-Forwarded-For entry is the client's address.
    return {
        "Authorization": f"Token {token}",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": f"10.0.{n % 200 // 100}.{n % 100 + 1}",
        "Accept": "application/json",
    }


def list_call(world: World, path: str) -> Call:
    def call(n: int) -> tuple[str, str, dict[str, str], bytes | None, int]:
        return (
            "GET",
            path,
            headers_for(world.staff_tokens[n % len(world.staff_tokens)], n),
            None,
            200,
        )

    return call


def create_call(world: World, path: str) -> Call:
    def call(n: int) -> tuple[str, str, dict[str, str], bytes | None, int]:
        body = json.dumps(
            {"kind": "donation", "title": f"Couvertures {n}", "sector": world.sector_id,
             "category": world.category_id, "quantity": 3,
             "description": "Trois couvertures chaudes, à retirer le soir."}
        ).encode()  # fmt: skip
        headers = {
            **headers_for(world.resident_tokens[n % len(world.resident_tokens)], n),
            "Content-Type": "application/json",
        }
        return "POST", path, headers, body, 201

    return call


def _rows(body: bytes) -> list[dict[str, Any]]:
    answer = json.loads(body)
    return list(answer["results"] if isinstance(answer, dict) else answer)


def check_answers(port: int, pairs: dict[str, tuple[Call, Call]]) -> None:
    """Each API list and its bare view answer the same rows, and not none: a bare view
    that did less, or a list left empty by the data, would make the ratio say nothing."""
    for name, (api, bare) in pairs.items():
        answers = []
        for call in (api, bare):
            method, path, headers, body, expected = call(0)
            status, content = request(port, method, path, headers, body)
            if status != expected:
                raise SystemExit(f"{name}: {path} answered {status}")
            answers.append(_rows(content))
        keys = [[(row.get("id"), row.get("offer")) for row in rows] for rows in answers]
        if not keys[0] or keys[0] != keys[1]:
            raise SystemExit(f"{name}: the API and the bare view answer different rows: {keys}")
        if set(answers[0][0]) != set(answers[1][0]):
            raise SystemExit(f"{name}: different fields: {set(answers[0][0]) ^ set(answers[1][0])}")
        print(f"{name}: the API and the bare view answer the same {len(keys[0])} rows")


# --- Main -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=3.0, help="per variant and round")
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="3 rounds of 1.5 s, 2,000 offers")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    )
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.rounds, arguments.seconds, arguments.offers = 3, 1.5, 2000

    ensure_database(arguments.database_url)
    os.environ["DATABASE_URL"] = arguments.database_url
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "entraide.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    world = load(arguments.offers)
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = start_server(server_environment(arguments.database_url, arguments.redis_url), port)
    suggestions = f"?need={world.need_id}"
    pairs = {
        "offers list": (list_call(world, "/api/v1/offers/"), list_call(world, "/bare/offers/")),
        "needs list": (list_call(world, "/api/v1/needs/"), list_call(world, "/bare/needs/")),
        "matches list": (list_call(world, "/api/v1/matches/"), list_call(world, "/bare/matches/")),
        "suggestions": (
            list_call(world, f"/api/v1/matching/suggestions/{suggestions}"),
            list_call(world, f"/bare/suggestions/{suggestions}"),
        ),
        "offer creation": (
            create_call(world, "/api/v1/offers/"),
            create_call(world, "/bare/offers/create/"),
        ),
    }
    results: dict[str, dict[str, list[Run]]] = {name: {"api": [], "bare": []} for name in pairs}
    try:
        check_answers(port, {name: pairs[name] for name in pairs if name != "offer creation"})
        for api, bare in pairs.values():  # warm every worker on every path
            drive(port, api, 0.5, arguments.concurrency)
            drive(port, bare, 0.5, arguments.concurrency)
        for round_number in range(arguments.rounds):
            for name, (api, bare) in pairs.items():
                order = [("api", api), ("bare", bare)]
                for variant, call in order if round_number % 2 == 0 else order[::-1]:
                    run = drive(port, call, arguments.seconds, arguments.concurrency)
                    results[name][variant].append(run)
    finally:
        stop_server(server)
    report(arguments, results)


def report(arguments: argparse.Namespace, results: dict[str, dict[str, list[Run]]]) -> None:
    print(f"Machine: {machine()}")
    print(
        f"gunicorn {' '.join(GUNICORN_FLAGS)} (the Dockerfile's), DJANGO_ENV=production; "
        f"{arguments.offers} offers; {arguments.rounds} interleaved rounds of "
        f"{arguments.seconds:g} s per variant, {arguments.concurrency} clients"
    )
    print(f"{'':16} {'API req/s':>10} {'p95 ms':>8} {'bare req/s':>11} {'p95 ms':>8} "
          f"{'ratio':>6} {'errors':>7}")  # fmt: skip
    for name, variants in results.items():
        api, bare = variants["api"], variants["bare"]
        ratios = [a.rate / b.rate for a, b in zip(api, bare, strict=True) if b.rate]
        print(
            f"{name:16} {statistics.median(r.rate for r in api):10.1f} "
            f"{statistics.median(r.p95_ms for r in api):8.1f} "
            f"{statistics.median(r.rate for r in bare):11.1f} "
            f"{statistics.median(r.p95_ms for r in bare):8.1f} "
            f"{statistics.median(ratios):6.2f} "
            f"{sum(r.errors for r in api)}/{sum(r.errors for r in bare)}"
        )
    creation = results["offer creation"]["api"]
    rate = statistics.median(r.rate for r in creation)
    p95 = statistics.median(r.p95_ms for r in creation)
    errors = sum(r.errors for r in creation)
    met = rate >= 100 and p95 <= 300 and errors == 0
    print(
        f"Offer creation over the API: {rate:.0f}/s, p95 {p95:.0f} ms, {errors} errors "
        f"(target ≥ 100/s, p95 ≤ 300 ms, 0 errors: {'met' if met else 'not met'})"
    )
    lists = [name for name in results if name != "offer creation"]
    for name in lists:
        api, bare = results[name]["api"], results[name]["bare"]
        ratio = statistics.median(a.rate / b.rate for a, b in zip(api, bare, strict=True))
        print(f"{name}: ratio {ratio:.2f} (target ≥ 0.8: {'met' if ratio >= 0.8 else 'not met'})")
    print("Load average: " + " ".join(f"{value:.2f}" for value in os.getloadavg()))


if __name__ == "__main__":
    main()
