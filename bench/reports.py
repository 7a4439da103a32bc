"""Benchmark: the staff dashboard at 500,000 offers, and the import of a 10,000-row file.

Loads a synthetic city (``bench/synthetic_city.py``) into its own PostgreSQL database with
COPY: 500,000 offers and 20,000 needs spread over the last twelve months in every state,
60,000 matches at every stage of their life, a year of daily bed counts. Then prints:

- the dashboard's server time (``GET /equipe/tableau-de-bord/`` as staff, through
  ``django.test.Client``: every query, the templates and the charts), for the last 12
  months, since the beginning and for one kind, median and p90 of interleaved runs, the
  queries it makes, and the time of each section;
- the public statistics computed without their cache;
- the import of a 10,000-row file of phone offers: the check (a dry run through the
  services) and the import (one transaction), in rows per second.

Run with ``make bench`` or ``.venv/bin/python bench/reports.py --help``; develop with
``--scale 0.05``. It uses its own database (``entraide_bench_reports`` unless told), which
it empties first. Figures, never pass/fail; not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))

import common  # noqa: E402 (bench/, this file's folder, is on the path)
import synthetic_city as city  # noqa: E402

# This file is named like the ``reports`` app: once its neighbours are imported, bench/
# leaves the path, so that ``import reports`` finds the app.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH]

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/entraide_bench_reports"
MATCH_COLUMNS = (
    "id",
    "need_id",
    "offer_id",
    "units",
    "status",
    "score",
    "criteria",
    "created_at",
    "updated_at",
    "proposed_at",
    "answer_due",
    "resident_accepted_at",
    "association_accepted_at",
    "confirmed_at",
    "completed_at",
    "declined_by",
    "decline_reason",
    "outcome",
    "ended_by",
    "ended_on",
)
OFFER_STATUSES = (
    ("published", 70),
    ("pending", 8),
    ("paused", 5),
    ("closed", 10),
    ("expired", 5),
    ("rejected", 2),
)
NEED_STATUSES = (
    ("open", 45),
    ("partly_matched", 5),
    ("matched", 10),
    ("fulfilled", 20),
    ("closed", 10),
    ("cancelled", 5),
    ("expired", 5),
)


def configure_environment(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)  # tasks run eagerly: the import is timed in-process
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "entraide.settings")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def raw_cursor() -> Any:
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.cursor()


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def spread_over_a_year(
    rows: Iterator[tuple[Any, ...]],
    columns: tuple[str, ...],
    statuses: Any,
    now: datetime,
    seed: str,
) -> Iterator[tuple[Any, ...]]:
    """The generator's rows, with creation dates over the last year and mixed states."""
    rng = random.Random(seed)  # noqa: S311 (a benchmark, not cryptography)
    index = {name: columns.index(name) for name in columns}
    for row in rows:
        values = list(row)
        created = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        values[index["status"]] = _weighted(rng, statuses)
        values[index["created_at"]] = values[index["updated_at"]] = created
        for name in ("published_at", "opened_at", "last_confirmed_at"):
            if name in index:
                values[index[name]] = created + timedelta(hours=rng.uniform(1, 72))
        yield tuple(values)


def build_city(offers: int, needs: int, matches: int, seed: int) -> dict[str, Any]:
    from django.utils import timezone

    from accounts.models import Organisation, User
    from core.models import Category, Sector
    from reports.models import BedsDay

    now = timezone.now()
    clock = city.Clock(now)
    with raw_cursor() as cursor:
        cursor.execute(
            "TRUNCATE offers_offer, needs_need, matching_match, matching_batchrun, "
            "accounts_organisation, core_sector, accounts_user, reports_bedsday, "
            "imports_importjob, imports_importmapping, core_auditentry, "
            "notifications_notification RESTART IDENTITY CASCADE"
        )
    rng = random.Random(f"{seed}-reference")  # noqa: S311
    sectors = Sector.objects.bulk_create(
        Sector(
            code=f"bench-{n:02d}",
            name=f"Quartier {n}",
            position=n,
            centroid_latitude=Decimal(str(lat)),
            centroid_longitude=Decimal(str(lon)),
        )
        for n, (lat, lon) in enumerate(city.district_centroids(rng), start=1)
    )
    categories = list(Category.objects.values_list("pk", "kind", "parent_id"))
    parents = {parent for _pk, _kind, parent in categories if parent}
    reference = city.CityReference(
        sector_ids=[s.pk for s in sectors],
        sector_points={
            s.pk: (float(s.centroid_latitude), float(s.centroid_longitude)) for s in sectors
        },
        donation_leaves=[
            pk for pk, kind, _p in categories if kind == "donation" and pk not in parents
        ],
        donation_parents={
            pk: parent for pk, kind, parent in categories if kind == "donation" and parent
        },
        skill_categories=[pk for pk, kind, _p in categories if kind == "skill"],
    )
    for n in range(city.ORGANISATIONS):
        organisation = Organisation.objects.create(
            name=f"Association {n}", kind="association", verified_at=now
        )
        served = city.nearby(reference, rng.choice(reference.sector_ids), rng.randint(1, 4))
        organisation.sectors.set(served)
        reference.organisations[organisation.pk] = served
    staff = User.objects.create(email="staff@bench.example.org", role=User.Role.STAFF)
    started = time.perf_counter()
    with raw_cursor() as cursor:
        offer_rows = spread_over_a_year(
            itertools.islice(city.offer_rows(reference, clock, seed), offers),
            city.OFFER_COLUMNS,
            OFFER_STATUSES,
            now,
            f"{seed}-offer-dates",
        )
        city.copy_rows(cursor, "offers_offer", city.OFFER_COLUMNS, offer_rows)
        generated = list(itertools.islice(city.need_rows(reference, clock, seed), needs))
        need_rows = spread_over_a_year(
            (row for row, _sectors in generated),
            city.NEED_COLUMNS,
            NEED_STATUSES,
            now,
            f"{seed}-need-dates",
        )
        city.copy_rows(cursor, "needs_need", city.NEED_COLUMNS, need_rows)
        links = ((row[0], sector) for row, sectors in generated for sector in sectors)
        city.copy_rows(cursor, "needs_need_sectors", ("need_id", "sector_id"), links)
        city.copy_rows(
            cursor, "matching_match", MATCH_COLUMNS, match_rows(matches, offers, needs, now, seed)
        )
        for table in ("offers_offer", "needs_need", "needs_need_sectors", "matching_match"):
            city.reset_sequence(cursor, table)
            cursor.execute(f"VACUUM ANALYZE {table}")
    today = timezone.localdate()
    BedsDay.objects.bulk_create(
        BedsDay(
            day=today - timedelta(days=n), beds_offered=40_000 + n * 7, beds_occupied=12_000 - n * 3
        )
        for n in range(1, 366)
    )
    seconds = time.perf_counter() - started
    print(
        f"  loaded {offers:,} offers, {needs:,} needs, {matches:,} matches in {seconds:.1f} s "
        "(COPY, VACUUM ANALYZE)"
    )
    return {"staff_id": staff.pk, "sector": sectors[0].name}


def match_rows(count: int, offers: int, needs: int, now: datetime, seed: int) -> Iterator[tuple]:
    """Matches at every stage: suggested, proposed, accepted, confirmed, completed (some
    broken down), declined, expired, cancelled; a need and an offer drawn at random."""
    rng = random.Random(f"{seed}-matches")  # noqa: S311
    stages = (
        ("suggested", 20),
        ("proposed", 8),
        ("accepted_by_resident", 4),
        ("confirmed", 18),
        ("completed", 25),
        ("declined", 12),
        ("expired", 8),
        ("cancelled", 5),
    )
    pairs: set[tuple[int, int]] = set()
    pk = 0
    while pk < count:
        need, offer = rng.randint(1, needs), rng.randint(1, offers)
        if (need, offer) in pairs:
            continue
        pairs.add((need, offer))
        pk += 1
        status = _weighted(rng, stages)
        created = now - timedelta(seconds=rng.uniform(0, 360 * 86400))
        proposed = created + timedelta(hours=rng.uniform(1, 48)) if status != "suggested" else None
        accepted = (
            proposed + timedelta(hours=rng.uniform(2, 96))
            if proposed and status in ("accepted_by_resident", "confirmed", "completed")
            else None
        )
        confirmed = (
            accepted + timedelta(hours=rng.uniform(1, 72))
            if accepted and status in ("confirmed", "completed")
            else None
        )
        completed = (
            confirmed + timedelta(days=rng.uniform(7, 90))
            if confirmed and (status == "completed")
            else None
        )
        outcome = ""
        if completed:
            outcome = _weighted(rng, (("went_well", 80), ("ended_early", 12), ("broke_down", 8)))
        yield (
            pk,
            need,
            offer,
            1,
            status,
            rng.uniform(0, 1),
            "[]",
            created,
            created,
            proposed,
            proposed + timedelta(days=7) if proposed else None,
            accepted,
            confirmed,
            confirmed,
            completed,
            "resident" if status == "declined" else "",
            "",
            outcome,
            "",  # who ended the stay early: not recorded in this city
            completed.date() if completed else None,
        )


# --- The dashboard ----------------------------------------------------------------------------


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def dashboard_figures(staff_id: int, repeats: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=staff_id))
    urls = {
        "last 12 months": "/equipe/tableau-de-bord/",
        "since the beginning": "/equipe/tableau-de-bord/?period=all",
        "housing, 3 months": "/equipe/tableau-de-bord/?period=90&kind=housing",
    }

    def get(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")

    for url in urls.values():
        get(url)  # warm: the process's and PostgreSQL's caches
    times: dict[str, list[float]] = {name: [] for name in urls}
    for round_ in range(repeats):  # interleaved, so that a slow moment hits every variant
        for name in list(urls) if round_ % 2 == 0 else list(reversed(urls)):
            times[name].append(timed(lambda name=name: get(urls[name])))
    with CaptureQueriesContext(connection) as queries:
        get(urls["last 12 months"])
    print(f"\nDashboard server time at {offers_count():,} offers ({repeats} runs each, {load()}):")
    for name, values in times.items():
        values.sort()
        p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
        print(
            f"  {name:<22} median {statistics.median(values) * 1000:7.1f} ms   "
            f"p90 {p90 * 1000:7.1f} ms"
        )
    print(f"  queries per page: {len(queries.captured_queries)}")
    section_times()


def offers_count() -> int:
    from offers.models import Offer

    return Offer.objects.count()


def section_times() -> None:
    from django.utils import translation

    from reports import dashboard
    from reports import statistics as public_figures
    from reports.periods import Period

    period = Period.last_days(365)
    with translation.override("fr"):
        print("  by section (last 12 months, median of 3):")
        for slug in dashboard.SECTIONS:
            values = sorted(
                timed(lambda slug=slug: dashboard.section(slug, period, "")) for _ in range(3)
            )
            print(f"    {slug:<12} {values[1] * 1000:7.1f} ms")
        values = sorted(timed(public_figures.compute) for _ in range(3))
        print(f"  public statistics, without their cache: {values[1] * 1000:.1f} ms (median of 3)")


# --- The import -------------------------------------------------------------------------------


def phone_line_csv(rows: int, district: str) -> bytes:
    """Offers as a phone line writes them down: four in five blankets, one in five rooms."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            "Type",
            "Titre",
            "Quartier",
            "Nom",
            "Téléphone",
            "Consentement",
            "Catégorie",
            "Quantité",
            "Nombre de lits",
            "Public",
            "Adresse",
            "Type de logement",
        ]
    )
    for n in range(1, rows + 1):
        if n % 5:
            writer.writerow(
                [
                    "Dons",
                    f"Couvertures {n}",
                    district,
                    f"Appelant {n}",
                    f"06{n:08d}",
                    "oui",
                    "bedding",
                    "3",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        else:
            writer.writerow(
                [
                    "Hébergement",
                    f"Chambre {n}",
                    district,
                    f"Hôte {n}",
                    f"07{n:08d}",
                    "oui",
                    "",
                    "",
                    "2",
                    "Femme seule",
                    f"{n} rue du Banc",
                    "chambre",
                ]
            )
    return buffer.getvalue().encode("utf-8")


def import_figures(staff_id: int, rows: int, district: str) -> None:
    from accounts.models import User
    from imports import services
    from imports.models import ImportJob, Target

    staff = User.objects.get(pk=staff_id)
    content = phone_line_csv(rows, district)
    started = time.perf_counter()
    job = services.import_upload(
        by=staff, target=Target.OFFERS, file_name="bench.csv", content=content
    )
    upload = time.perf_counter() - started
    started = time.perf_counter()
    services.import_map(job=job, by=staff, mapping=services.proposed_mapping(job))  # eager
    check = time.perf_counter() - started
    job.refresh_from_db()
    if job.status != ImportJob.Status.CHECKED:
        raise SystemExit(f"The check ended {job.status}: {job.failure}")
    started = time.perf_counter()
    services.import_start(job=job, by=staff)
    run = time.perf_counter() - started
    job.refresh_from_db()
    if job.status != ImportJob.Status.DONE:
        raise SystemExit(f"The import ended {job.status}: {job.failure}")
    print(f"\nImport of a {rows:,}-row file of phone offers ({load()}):")
    print(f"  upload and read   {upload:7.1f} s")
    print(f"  check (dry run)   {check:7.1f} s   {rows / check:7.0f} rows/s")
    print(
        f"  import            {run:7.1f} s   {rows / run:7.0f} rows/s   "
        f"({job.imported:,} imported, {job.error_count} refused, "
        f"{job.duplicate_count} possible duplicates)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_REPORTS_URL", DEFAULT_URL))
    parser.add_argument("--offers", type=int, default=500_000)
    parser.add_argument("--needs", type=int, default=20_000)
    parser.add_argument("--matches", type=int, default=60_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-import", action="store_true", help="the dashboard only")
    args = parser.parse_args()
    scale = args.scale
    common.ensure_database(args.database_url)
    configure_environment(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    print(
        f"Reports benchmark — {common.machine()}; PostgreSQL "
        f"{connection.cursor().connection.info.server_version}; {load()}"
    )
    built = build_city(
        int(args.offers * scale), int(args.needs * scale), int(args.matches * scale), args.seed
    )
    dashboard_figures(built["staff_id"], args.repeats)
    if args.no_import:
        return
    import_figures(built["staff_id"], max(int(args.import_rows * scale), 100), built["sector"])


if __name__ == "__main__":
    main()
