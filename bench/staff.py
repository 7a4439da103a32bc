"""Benchmark: the staff's pages at surge scale (issue 11).

Loads a synthetic city (``bench/synthetic_city.py``) into its own PostgreSQL database with
COPY: 100,000 offers (5,000 of them pending, some taken by phone with a caller's number, all
with a street), 20,000 needs, 300 organisations to verify, suggestions and proposals. Then
prints, for each staff page (the queues, the offer list, the workbench, a need's page with
its search for pairing, the staff search by street and by phone), the server time through
``django.test.Client`` as a staff member (every query, the templates), median and p95 of
interleaved runs, and its SQL queries at full scale next to a page of one row: a count that
does not grow with the rows on the page. Target: p95 ≤ 150 ms. Last, a scripted browser
(Debian's Chromium) moderates 100 pending donations with "Approve and next" and 100 in bulk
after the preview: the clicks and page loads per offer (target: one of each, fewer in bulk).

Run with ``make bench`` (``STAFF_BENCH_ARGS="--scale 0.1"`` to try it first) or
``.venv/bin/python bench/staff.py --help``. It uses its own database
(``entraide_bench_staff`` unless told), which it empties first. Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
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

sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH]

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/entraide_bench_staff"
TARGET_P95_MS = 150
STREETS = ("des Lilas", "Jean Jaurès", "de la Paix", "Victor Hugo", "du Moulin", "des Écoles",
           "Pasteur", "de la Gare", "Gambetta", "des Alpes")  # fmt: skip
COLUMN = {name: index for index, name in enumerate(city.OFFER_COLUMNS)}
MATCH_COLUMNS = ("id", "need_id", "offer_id", "units", "status", "score", "criteria",
                 "created_at", "updated_at", "proposed_at", "answer_due", "declined_by",
                 "decline_reason", "outcome", "ended_by")  # fmt: skip


def configure_environment(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
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


def staff_offer_rows(rows: Iterator[tuple[Any, ...]], pending: int, now: datetime,
                     seed: int) -> Iterator[tuple[Any, ...]]:  # fmt: skip
    """The generator's offers with what staff search and sort by: a street and a postcode,
    a caller's phone for those taken by phone, and the first ``pending`` waiting for review
    since a random moment of the last ten days (the rest published)."""
    rng = random.Random(f"{seed}-staff")  # noqa: S311 (a benchmark, not cryptography)
    for row in rows:
        values = list(row)
        pk = values[COLUMN["id"]]
        values[COLUMN["street_address"]] = f"{pk % 180 + 1} rue {STREETS[pk % len(STREETS)]}"
        values[COLUMN["postcode"]] = f"380{pk % 5}0"
        values[COLUMN["title"]] = f"{values[COLUMN['title']]} {STREETS[(pk * 7) % len(STREETS)]}"
        if pk % 4 == 0:
            values[COLUMN["caller_name"]] = f"Appelant {pk}"
            values[COLUMN["caller_phone"]] = f"06{pk:08d}"
        if pk <= pending:
            values[COLUMN["status"]] = "pending"
            created = now - timedelta(seconds=rng.uniform(0, 10 * 86400))
            values[COLUMN["created_at"]] = values[COLUMN["updated_at"]] = created
        yield tuple(values)


def match_rows(suggested: int, proposed: int, offers: int, needs: int, pending: int,
               now: datetime, seed: int) -> Iterator[tuple[Any, ...]]:  # fmt: skip
    rng = random.Random(f"{seed}-matches")  # noqa: S311
    pairs: set[tuple[int, int]] = set()
    pk = 0
    while pk < suggested + proposed:
        need, offer = rng.randint(1, needs), rng.randint(pending + 1, offers)
        if (need, offer) in pairs:
            continue
        pairs.add((need, offer))
        pk += 1
        status = "suggested" if pk <= suggested else "proposed"
        created = now - timedelta(hours=rng.uniform(1, 240))
        sent = created if status == "proposed" else None
        due = created + timedelta(days=7) if sent else None
        yield (pk, need, offer, 1, status, rng.uniform(20, 90), "[]", created, created, sent, due,
               "", "", "", "")  # fmt: skip


def build_city(offers: int, needs: int, pending: int, organisations: int, seed: int) -> dict:
    from django.utils import timezone

    from accounts.models import Organisation, User
    from core.models import Category, Sector

    now = timezone.now()
    clock = city.Clock(now)
    with raw_cursor() as cursor:
        cursor.execute(
            "TRUNCATE offers_offer, needs_need, matching_match, accounts_organisation, "
            "core_sector, accounts_user, core_auditentry, core_claim RESTART IDENTITY CASCADE"
        )
    rng = random.Random(f"{seed}-reference")  # noqa: S311
    sectors = Sector.objects.bulk_create(
        Sector(code=f"bench-{n:02d}", name=f"Quartier {n}", position=n,
               centroid_latitude=Decimal(str(lat)), centroid_longitude=Decimal(str(lon)))
        for n, (lat, lon) in enumerate(city.district_centroids(rng), start=1)
    )  # fmt: skip
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
    Organisation.objects.bulk_create(
        Organisation(name=f"Candidate {n}", kind="association") for n in range(organisations)
    )
    staff = User.objects.create(email="staff@bench.example.org", role=User.Role.STAFF)
    started = time.perf_counter()
    with raw_cursor() as cursor:
        rows = itertools.islice(city.offer_rows(reference, clock, seed), offers)
        city.copy_rows(cursor, "offers_offer", city.OFFER_COLUMNS,
                       staff_offer_rows(rows, pending, now, seed))  # fmt: skip
        generated = list(itertools.islice(city.need_rows(reference, clock, seed), needs))
        city.copy_rows(cursor, "needs_need", city.NEED_COLUMNS, (row for row, _s in generated))
        links = ((row[0], sector) for row, sectors in generated for sector in sectors)
        city.copy_rows(cursor, "needs_need_sectors", ("need_id", "sector_id"), links)
        matches = match_rows(2_000, 1_000, offers, needs, pending, now, seed)
        city.copy_rows(cursor, "matching_match", MATCH_COLUMNS, matches)
        for table in ("offers_offer", "needs_need", "needs_need_sectors", "matching_match"):
            city.reset_sequence(cursor, table)
            cursor.execute(f"VACUUM ANALYZE {table}")
    seconds = time.perf_counter() - started
    print(f"  loaded {offers:,} offers ({pending:,} pending), {needs:,} needs, "
          f"{organisations:,} organisations to verify, 3,000 matches in {seconds:.1f} s "
          "(COPY, VACUUM ANALYZE)")  # fmt: skip
    return {"staff_id": staff.pk, "sector_id": sectors[0].pk}


def pages(built: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, str] | None]]:
    """name: (method, address, posted data); each at full scale."""
    from needs.models import Need

    need = Need.objects.filter(status="open").order_by("id").first()
    need_page = f"/equipe/mises-en-relation/besoin/{need.pk if need else 1}/"
    district = built["sector_id"]
    return {
        "offers to review": ("GET", "/equipe/offres/", None),
        "  filtered: district": ("GET", f"/equipe/offres/?district={district}", None),
        "  filtered: goods, 3 days": ("GET", "/equipe/offres/?kind=donation&age=3", None),
        "all offers": ("GET", "/equipe/offres/recherche/", None),
        "  published housing": ("GET", "/equipe/offres/recherche/?state=published&kind=housing",
                                None),
        "offers to call back": ("GET", "/equipe/offres/a-rappeler/", None),
        "needs": ("GET", "/equipe/besoins/", None),
        "organisations to verify": ("GET", "/equipe/associations/", None),
        "workbench": ("GET", "/equipe/mises-en-relation/", None),
        "proposals awaiting answers": ("GET", "/equipe/mises-en-relation/en-attente/", None),
        "people to call, alerts": ("GET", "/equipe/mises-en-relation/a-appeler/", None),
        "a need and its suggestions": ("GET", need_page, None),
        "  pairing search": ("GET", f"{need_page}?offer_q=Lilas", None),
        "search: a street": ("POST", "/equipe/recherche/", {"q": "rue Victor Hugo"}),
        "search: a typo": ("POST", "/equipe/recherche/", {"q": "Gambeta"}),
        "search: a caller's phone": ("POST", "/equipe/recherche/", {"q": "06 00 00 04 00"}),
    }  # fmt: skip


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def page_figures(built: dict[str, Any], repeats: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from offers.models import Offer

    client = Client()
    client.force_login(User.objects.get(pk=built["staff_id"]))
    found = pages(built)

    def get(name: str) -> None:
        method, url, data = found[name]
        response = client.post(url, data) if method == "POST" else client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")

    for name in found:
        get(name)  # warm: the process's and PostgreSQL's caches
    times: dict[str, list[float]] = {name: [] for name in found}
    for round_ in range(repeats):  # interleaved, so that a slow moment hits every page
        for name in list(found) if round_ % 2 == 0 else list(reversed(found)):
            times[name].append(timed(lambda name=name: get(name)))
    queries: dict[str, int] = {}
    for name in found:
        with CaptureQueriesContext(connection) as captured:
            get(name)
        queries[name] = len(captured.captured_queries)
    met = 0
    print(f"\nStaff pages at {Offer.objects.count():,} offers ({repeats} runs each, {load()}):")
    print(f"  {'page':<30} {'median':>9} {'p95':>9}  queries  target p95 ≤ {TARGET_P95_MS} ms")
    for name, values in times.items():
        values.sort()
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))] * 1000
        met += p95 <= TARGET_P95_MS
        print(f"  {name:<30} {statistics.median(values) * 1000:7.1f} ms {p95:7.1f} ms  "
              f"{queries[name]:>7}  {'met' if p95 <= TARGET_P95_MS else 'NOT MET'}")  # fmt: skip
    print(f"  {met} of {len(times)} pages meet the target")
    growth(client, get)


def growth(client: Any, get: Callable[[str], None]) -> None:
    """Queries of the queue pages with one row and with a full page: the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from offers.models import Offer

    setup_test_environment()  # the test client then keeps each response's context
    one = Offer.objects.filter(status="pending").order_by("id").first()
    assert one is not None
    pairs = {
        "offers to review": ("/equipe/offres/?kind=housing&urgency=critical&age=30",
                             "/equipe/offres/"),
        "all offers": (f"/equipe/offres/recherche/?state=pending&kind={one.kind}&age=30",
                       "/equipe/offres/recherche/"),
        "needs": ("/equipe/besoins/?state=draft", "/equipe/besoins/"),
    }  # fmt: skip
    print("  queries with few rows and with a full page (must not grow):")
    for name, (few, full) in pairs.items():
        counts = []
        for url in (few, full):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            counts.append((len(response.context["page"]), len(captured.captured_queries)))
        print(f"    {name:<20} {counts[0][0]:>3} rows: {counts[0][1]} queries   "
              f"{counts[1][0]:>3} rows: {counts[1][1]} queries")  # fmt: skip


def browser_figures(staff_id: int, offers: int) -> None:
    """A scripted browser (Debian's Chromium, Playwright) moderates ``offers`` pending
    donations of one district with "Approve and next", then as many in bulk after the
    preview: the clicks and page loads per moderated offer."""
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test import Client
    from django.test.testcases import LiveServerThread
    from django.utils import timezone
    from playwright.sync_api import sync_playwright

    from accounts.models import User
    from core.models import Category, Sector
    from offers.models import Offer

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        print("\nNo Chromium at /usr/bin/chromium: no browser figures.")
        return
    now = timezone.now()
    bedding = Category.objects.get(code="bedding")
    districts = []
    for name in ("Bench one by one", "Bench in bulk"):
        district = Sector.objects.create(code=name.lower().replace(" ", "-"), name=name,
                                         position=999, centroid_latitude=Decimal("45.19"),
                                         centroid_longitude=Decimal("5.72"))  # fmt: skip
        Offer.objects.bulk_create(
            Offer(kind="donation", status="pending", title=f"{name} {n}", sector=district,
                  category=bedding, quantity=2, submitted_at=now - timedelta(minutes=n))
            for n in range(offers)
        )  # fmt: skip
        districts.append(district)
    client = Client()
    client.force_login(User.objects.get(pk=staff_id))
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    url = f"http://127.0.0.1:{server.port}"
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(chromium), headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
    try:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": url, "value": session}])
        page = context.new_page()
        loads: list[str] = []
        page.on("load", lambda loaded: loads.append(loaded.url))
        clicks = 0
        page.goto(f"{url}/equipe/offres/?district={districts[0].pk}")
        page.get_by_role("link", name=f"{districts[0].name} {offers - 1}", exact=True).click()
        clicks += 1
        started = time.perf_counter()
        while page.get_by_role("button", name="Approve and next").count():
            page.get_by_role("button", name="Approve and next").click()
            clicks += 1
            page.wait_for_load_state("load")
        one_by_one = time.perf_counter() - started
        done = Offer.objects.filter(sector=districts[0], status="published").count()
        print(f"\nModeration in a browser ({offers} pending donations each way, {load()}):")
        print(f"  approve and next: {done} published, {clicks / done:.2f} clicks and "
              f"{(len(loads) - 1) / done:.2f} page loads per offer, "
              f"{one_by_one / done * 1000:.0f} ms per offer")  # fmt: skip
        loads.clear()
        clicks = ticks = 0
        page.goto(f"{url}/equipe/offres/?district={districts[1].pk}")
        while page.get_by_role("checkbox").count():
            boxes = page.get_by_role("checkbox")
            for index in range(boxes.count()):
                boxes.nth(index).check()
                ticks += 1
            page.get_by_role("button", name="Preview the ticked offers of goods and skills").click()
            page.get_by_role("button", name=re.compile("^Publish th")).click()
            clicks += 2
            page.wait_for_load_state("load")
        done = Offer.objects.filter(sector=districts[1], status="published").count()
        print(
            f"  in bulk after the preview: {done} published, {ticks / done:.2f} ticks, "
            f"{clicks / done:.2f} clicks and {len(loads) / done:.2f} page loads per offer"
        )
    finally:
        browser.close()
        playwright.stop()
        server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_STAFF_URL", DEFAULT_URL))
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=20_000)
    parser.add_argument("--pending", type=int, default=5_000)
    parser.add_argument("--organisations", type=int, default=300)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size")
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--browser-offers", type=int, default=100,
        help="pending donations moderated in a scripted browser (0: none)",
    )  # fmt: skip
    args = parser.parse_args()
    common.ensure_database(args.database_url)
    configure_environment(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    print(f"Staff pages benchmark — {common.machine()}; PostgreSQL "
          f"{connection.cursor().connection.info.server_version}; {load()}")  # fmt: skip
    scale = args.scale
    sizes = (args.offers, args.needs, args.pending, args.organisations)
    built = build_city(*(int(size * scale) for size in sizes), args.seed)
    page_figures(built, args.repeats)
    if args.browser_offers:
        browser_figures(built["staff_id"], args.browser_offers)


if __name__ == "__main__":
    main()
