"""Benchmark: matching at surge scale (docs/design.md §4 and §10), on a synthetic city.

Loads a deterministic city (``bench/synthetic_city.py``: 500,000 offers, 20,000 open
needs) into its own PostgreSQL database with COPY, in steps, and prints:

- suggestions for one need (top 10), p50/p95 over sampled open needs at 10k, 100k and
  500k offers: the engine call (``retrieval.suggestions_for_need``), the API endpoint
  (``GET /api/v1/matching/suggestions/?need=``, staff, through ``django.test.Client``),
  a naive scan (every published offer loaded and scored in Python) as a ratio, where the
  time goes, and the recall of the SQL retrieval against the naive top 10;
- the batch run (``matching.batch.batch_run``, in a fresh process so that its peak memory
  is its own) at 10k needs × 10k offers and 20k × 500k, with the split of its time;
- batch quality on 2,000 needs × 10,000 offers against ``engine.batch.exact``;
- each docs/design.md §10 target beside its figure, "met" or "not met".

Run with ``make bench`` or ``.venv/bin/python bench/matching.py --help``; develop with
small sizes (``--offers 20000 --needs 1000``, or ``--scale 0.05``). It uses its own
database, ``entraide_bench_matching``, which it empties first. Figures, never pass/fail;
not part of the test suite.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform as stdlib_platform
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import common  # noqa: E402 (bench/, this file's folder, is on the path)
import matching_traps  # noqa: E402
import synthetic_city as city  # noqa: E402
from common import ensure_database  # noqa: E402

# This file is named like the ``matching`` app, and bench/reports.py like ``reports``:
# once its neighbours are imported, bench/ leaves the path, so that the apps are found.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/entraide_bench_matching"
RESULT = "RESULT "  # the line a child process reports on
MIB = 2**20


# --- Set-up ---------------------------------------------------------------------------


def configure_environment(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)  # local-memory cache: nothing else is measured
    # As in production: no debug toolbar of queries, cached templates.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "entraide.settings")


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return f"{stdlib_platform.platform()}; {common.machine()}; PostgreSQL {postgres}"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def raw_cursor() -> Any:
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.cursor()


# --- The city in the database ----------------------------------------------------------


@dataclass
class City:
    """The loaded city and the row generators that continue it."""

    reference: city.CityReference
    staff_id: int
    offers: Iterator[tuple[Any, ...]]
    needs: Iterator[tuple[tuple[Any, ...], list[int]]]
    offer_count: int = 0
    need_count: int = 0
    load_seconds: list[float] = field(default_factory=list)


def build_city(seed: int, clock: city.Clock) -> City:
    """Empty the database, then districts, organisations and a staff user (ORM)."""
    from accounts.models import Organisation, User
    from core.models import Category, Sector
    from matching import retrieval

    with raw_cursor() as cursor:
        cursor.execute(
            "TRUNCATE offers_offer, needs_need, matching_match, matching_batchrun, "
            "accounts_organisation, core_sector, accounts_user RESTART IDENTITY CASCADE"
        )
    rng = random.Random(f"{seed}-reference")  # noqa: S311 (a benchmark, not cryptography)
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
        donation_leaves=[pk for pk, kind, _p in categories
                         if kind == "donation" and pk not in parents],
        donation_parents={pk: parent for pk, kind, parent in categories
                          if kind == "donation" and parent},
        skill_categories=[pk for pk, kind, _p in categories if kind == "skill"],
    )  # fmt: skip
    for n in range(city.ORGANISATIONS):
        organisation = Organisation.objects.create(
            name=f"Association {n}", kind="association", verified_at=clock.now
        )
        served = city.nearby(reference, rng.choice(reference.sector_ids), rng.randint(1, 4))
        organisation.sectors.set(served)
        reference.organisations[organisation.pk] = served
    staff = User.objects.create(email="staff@bench.example.org", role=User.Role.STAFF)
    retrieval.clear_caches()
    return City(
        reference=reference,
        staff_id=staff.pk,
        offers=city.offer_rows(reference, clock, seed),
        needs=city.need_rows(reference, clock, seed),
    )


def add_offers(state: City, total: int) -> None:
    """COPY offers until the city holds ``total``, then VACUUM ANALYZE (as autovacuum
    would soon do): hint bits set and planner statistics fresh before anything is timed."""
    if total <= state.offer_count:
        return
    started = time.perf_counter()
    rows = itertools.islice(state.offers, total - state.offer_count)
    with raw_cursor() as cursor:
        state.offer_count += city.copy_rows(cursor, "offers_offer", city.OFFER_COLUMNS, rows)
        city.reset_sequence(cursor, "offers_offer")
        cursor.execute("VACUUM ANALYZE offers_offer")
    seconds = time.perf_counter() - started
    print(f"  loaded offers up to {state.offer_count:,} in {seconds:.1f} s (COPY, VACUUM ANALYZE)")


def add_needs(state: City, total: int) -> None:
    """COPY open needs (and their preferred districts) until the city holds ``total``."""
    if total <= state.need_count:
        return
    started = time.perf_counter()
    generated = list(itertools.islice(state.needs, max(0, total - state.need_count)))
    links = ((row[0], sector) for row, sectors in generated for sector in sectors)
    with raw_cursor() as cursor:
        state.need_count += city.copy_rows(
            cursor, "needs_need", city.NEED_COLUMNS, (row for row, _sectors in generated)
        )
        city.copy_rows(cursor, "needs_need_sectors", ("need_id", "sector_id"), links)
        for table in ("needs_need", "needs_need_sectors"):
            city.reset_sequence(cursor, table)
            cursor.execute(f"VACUUM ANALYZE {table}")
    seconds = time.perf_counter() - started
    print(
        f"  loaded open needs up to {state.need_count:,} in {seconds:.1f} s (COPY, VACUUM ANALYZE)"
    )


def clear_suggestions() -> None:
    with raw_cursor() as cursor:
        cursor.execute("TRUNCATE matching_match, matching_batchrun RESTART IDENTITY CASCADE")


# --- Statistics ------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    import numpy as np

    return float(np.percentile(values, share)) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


# --- Suggestions for one need ---------------------------------------------------------


@dataclass
class SuggestionFigures:
    offers: int
    engine: list[float]
    api: list[float]
    naive_load: float
    naive_scan: list[float]
    breakdown: dict[str, float]
    recall: float
    recall_all: float
    agreement: float
    answer_recall: float


def sample_needs(seed: int, count: int) -> list[int]:
    from needs.models import Need

    pks = sorted(Need.objects.active().values_list("pk", flat=True))
    rng = random.Random(f"{seed}-sample")  # noqa: S311 (a benchmark, not cryptography)
    return rng.sample(pks, min(count, len(pks)))


def api_client(staff_id: int) -> Any:
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=staff_id))
    return client


def engine_call(pk: int) -> float:
    """One ``suggestions_for_need`` call, timed (the need is read before the clock)."""
    from matching import retrieval
    from needs.models import Need

    need = Need.objects.get(pk=pk)
    started = time.perf_counter()
    retrieval.suggestions_for_need(need, 10)
    return time.perf_counter() - started


def api_call(client: Any, pk: int) -> float:
    """One ``GET /api/v1/matching/suggestions/?need=`` request, timed."""
    started = time.perf_counter()
    response = client.get(f"/api/v1/matching/suggestions/?need={pk}&limit=10")
    if response.status_code != 200:
        raise SystemExit(f"API answered {response.status_code} for need {pk}")
    response.json()
    return time.perf_counter() - started


@dataclass
class SnapshotFigures:
    offers: int
    seconds: float
    rss_before: int  # bytes
    rss_after: int


def rss() -> int:
    """This process's resident memory now, in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def build_snapshot() -> SnapshotFigures:
    """The offers' snapshot that one need's suggestions rank from (``offer_index``), built
    as a web process builds it, with its time and what it adds to the process."""
    import gc

    from matching import offer_index, retrieval

    offer_index.clear()
    gc.collect()
    before, started = rss(), time.perf_counter()
    snapshot = offer_index.build(retrieval.offer_facts_in_bulk, retrieval.reference_data())
    seconds = time.perf_counter() - started
    gc.collect()
    return SnapshotFigures(snapshot.offers, seconds, before, rss())


def time_suggestions(need_ids: Sequence[int], staff_id: int) -> dict[str, list[float]]:
    """Engine and API times per need, warm, from the offers' snapshot (the default) and
    read in SQL (``ENTRAIDE_MATCHING_OFFER_INDEX`` off): one untimed pass first (caches
    of the process and of PostgreSQL), then the four calls for each need, their order
    turning from one need to the next."""
    from django.test import override_settings

    client = api_client(staff_id)
    calls = {
        "engine": lambda pk: engine_call(pk),
        "api": lambda pk: api_call(client, pk),
        "engine_sql": lambda pk: sql_only(engine_call, pk),
        "api_sql": lambda pk: sql_only(lambda n: api_call(client, n), pk),
    }

    def sql_only(call: Callable[[int], float], pk: int) -> float:
        with override_settings(ENTRAIDE_MATCHING_OFFER_INDEX=False):
            return call(pk)

    for pk in need_ids:
        engine_call(pk)
        sql_only(engine_call, pk)
    times: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for position, pk in enumerate(need_ids):
        turn = position % len(names)
        for name in names[turn:] + names[:turn]:
            times[name].append(calls[name](pk))
    return times


@dataclass
class BurstFigures:
    written: int
    times: list[float]
    from_snapshot: int  # calls answered from the snapshot (not read in SQL)


def time_after_burst(need_ids: Sequence[int], written: int) -> BurstFigures:
    """Engine times from the snapshot once ``written`` published offers were saved after
    it was taken (a national appeal's minutes): every suggestion reads them again, best
    first. Their ``updated_at`` is set to now, then put back as it was."""
    from django.db import connection
    from django.utils import timezone

    from matching import offer_index, retrieval

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, updated_at FROM offers_offer WHERE status = 'published' "
            "ORDER BY md5(id::text) LIMIT %s", [written],
        )  # fmt: skip
        before = cursor.fetchall()
        cursor.execute(
            "UPDATE offers_offer SET updated_at = %s WHERE id = ANY(%s)",
            [timezone.now(), [pk for pk, _at in before]],
        )
    try:
        snapshot = offer_index.ready()
        changed = len(retrieval.written_since(snapshot.since)) if snapshot else 0
        times = [engine_call(pk) for pk in need_ids]
        kept = offer_index.ready() is snapshot and snapshot is not None
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE offers_offer AS o SET updated_at = v.at FROM unnest(%s::bigint[], "
                "%s::timestamptz[]) AS v(id, at) WHERE o.id = v.id",
                [[pk for pk, _at in before], [at for _pk, at in before]],
            )  # fmt: skip
    return BurstFigures(changed, times, len(times) if kept else 0)


class SqlTimer:
    """Time spent inside the database driver, and the number of queries."""

    def __init__(self) -> None:
        self.seconds, self.queries = 0.0, 0

    def __call__(self, execute: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(*args)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def engine_breakdown(need_ids: Sequence[int]) -> dict[str, float]:
    """Mean time of each step of ``suggestions_for_need``, done step by step."""
    from django.db import connection
    from django.utils import timezone

    from matching import retrieval
    from matching.engine.scoring import score
    from matching.engine.vectorised import OfferIndex, candidates, top_candidates
    from needs.models import Need

    sums: dict[str, float] = dict.fromkeys(
        ("need_facts", "retrieval", "retrieval_sql", "queries", "rows", "offer_facts",
         "constraints_score", "feasible"), 0.0,
    )  # fmt: skip
    today, chosen = timezone.localdate(), retrieval.weights()
    for pk in need_ids:
        need = Need.objects.get(pk=pk)
        started = time.perf_counter()
        facts = retrieval.need_facts(need)
        sums["need_facts"] += time.perf_counter() - started
        timer = SqlTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            offers = retrieval.nearest_candidates(need, facts, retrieval.RETRIEVAL_LIMIT)
        sums["retrieval"] += time.perf_counter() - started
        sums["retrieval_sql"] += timer.seconds
        sums["queries"] += timer.queries
        sums["rows"] += len(offers)
        started = time.perf_counter()
        index = OfferIndex.build(offers)
        sums["offer_facts"] += time.perf_counter() - started
        started = time.perf_counter()
        best = top_candidates(index, facts, 10, chosen, today)
        sides = {offer.id: offer for offer in offers}
        explained = [score(facts, sides[pk], weights=chosen, today=today) for pk, _s in best]
        sums["constraints_score"] += time.perf_counter() - started
        sums["feasible"] += len(candidates(index, facts, chosen, today)[0])
        del explained
    return {name: total / max(len(need_ids), 1) for name, total in sums.items()}


def load_offer_facts() -> list[Any]:
    """The naive scan's first step: every published offer with something left, as facts."""
    from matching import batch

    return list(batch.offer_facts_in_bulk())


def naive_top(facts: Any, offers: Sequence[Any], limit: int = 10) -> list[tuple[int, float]]:
    """Every offer checked with ``violations`` and scored with ``score``, then sorted."""
    from django.utils import timezone

    from matching import retrieval
    from matching.engine.constraints import violations
    from matching.engine.scoring import score

    today, chosen = timezone.localdate(), retrieval.weights()
    pairs = [
        (offer.id, score(facts, offer, weights=chosen, today=today).total)
        for offer in offers
        if not violations(facts, offer)
    ]
    pairs.sort(key=lambda pair: (-pair[1], pair[0]))
    return pairs[:limit]


@dataclass
class NaiveFigures:
    load: float
    scans: list[float]
    agreement: float  # share of scanned needs whose vectorised top 10 is the naive top 10
    recall: float  # SQL retrieval: share of the naive top-10 offers it retrieves
    recall_all: float  # share of needs whose whole naive top 10 was retrieved
    answer_recall: float  # share of the naive top 10 in suggestions_for_need's top 10
    answer_recall_sql: float  # the same, read in SQL (no offers' snapshot)


def naive_and_recall(need_ids: Sequence[int], scanned: int) -> NaiveFigures:
    """The naive scan on the first ``scanned`` needs; retrieval recall on all of them,
    against the exhaustive top 10 (the vectorised index over the same facts, which is
    checked to agree with the naive scan on the scanned needs)."""
    from django.test import override_settings
    from django.utils import timezone

    from matching import retrieval
    from matching.engine.vectorised import OfferIndex, top_candidates
    from needs.models import Need

    started = time.perf_counter()
    offers = load_offer_facts()
    loaded = time.perf_counter() - started
    index, chosen, today = OfferIndex.build(offers), retrieval.weights(), timezone.localdate()
    scans, agree, hits, whole, answer_hits, total = [], 0, 0, 0, 0, 0
    answer_sql_hits = 0
    for position, pk in enumerate(need_ids):
        need = Need.objects.get(pk=pk)
        facts = retrieval.need_facts(need)
        best = [i for i, _s in top_candidates(index, facts, 10, chosen, today)]
        if position < scanned:
            started = time.perf_counter()
            naive = naive_top(facts, offers)
            scans.append(time.perf_counter() - started)
            agree += [i for i, _s in naive] == best
        retrieved = {
            o.id for o in retrieval.nearest_candidates(need, facts, retrieval.RETRIEVAL_LIMIT)
        }
        answered = {s.subject.pk for s in retrieval.suggestions_for_need(need, 10)}
        with override_settings(ENTRAIDE_MATCHING_OFFER_INDEX=False):
            in_sql = {s.subject.pk for s in retrieval.suggestions_for_need(need, 10)}
        answer_sql_hits += sum(i in in_sql for i in best)
        found = sum(i in retrieved for i in best)
        hits, total, whole = hits + found, total + len(best), whole + (found == len(best))
        answer_hits += sum(i in answered for i in best)
    return NaiveFigures(
        load=loaded, scans=scans, agreement=agree / max(len(scans), 1),
        recall=hits / max(total, 1), recall_all=whole / max(len(need_ids), 1),
        answer_recall=answer_hits / max(total, 1),
        answer_recall_sql=answer_sql_hits / max(total, 1),
    )  # fmt: skip


def measure_suggestions(state: City, need_ids: Sequence[int], naive_needs: int) -> dict[str, Any]:
    snapshot = build_snapshot()
    times = time_suggestions(need_ids, state.staff_id)
    # A hundredth of the city written since the snapshot: 5,000 offers at 500,000.
    burst = time_after_burst(need_ids[:50], max(state.offer_count // 100, 1))
    breakdown = engine_breakdown(need_ids[:50])
    naive = naive_and_recall(need_ids, min(naive_needs, len(need_ids)))
    figures = {"offers": state.offer_count, **times, "naive": naive, "breakdown": breakdown,
               "snapshot": snapshot, "burst": burst}  # fmt: skip
    print_suggestions(figures, len(need_ids))
    return figures


def print_suggestions(figures: dict[str, Any], sampled: int) -> None:
    engine, api, naive = figures["engine"], figures["api"], figures["naive"]
    b = figures["breakdown"]
    engine_p50 = percentile(engine, 50)
    naive_each = [naive.load + scan for scan in naive.scans]
    print(f"Suggestions for one need (top 10) at {figures['offers']:,} offers, "
          f"{sampled} sampled open needs, warm, engine and API alternating; {load()}")  # fmt: skip
    snap = figures["snapshot"]
    print(f"  offers' snapshot (offer_index): {snap.offers:,} offers in {snap.seconds:.1f} s; "
          f"resident memory {snap.rss_before / MIB:,.0f} → {snap.rss_after / MIB:,.0f} MiB "
          f"(+{(snap.rss_after - snap.rss_before) / MIB:,.0f} MiB)")  # fmt: skip
    for label, engine_times, api_times in (
        ("from the snapshot", engine, api),
        ("read in SQL      ", figures["engine_sql"], figures["api_sql"]),
    ):
        print(f"  {label}  engine suggestions_for_need: p50 {ms(percentile(engine_times, 50))}"
              f"   p95 {ms(percentile(engine_times, 95))}   max {ms(max(engine_times))};   "
              f"API GET .../suggestions/: p50 {ms(percentile(api_times, 50))}   "
              f"p95 {ms(percentile(api_times, 95))}   max {ms(max(api_times))}")  # fmt: skip
    burst = figures["burst"]
    print(f"  {burst.written:,} offers written since the snapshot (a burst), "
          f"{len(burst.times)} needs, {burst.from_snapshot} answered from the snapshot: engine "
          f"p50 {ms(percentile(burst.times, 50))}   p95 {ms(percentile(burst.times, 95))}   "
          f"max {ms(max(burst.times))}")  # fmt: skip
    naive_p50, scan_p50 = percentile(naive_each, 50), percentile(naive.scans, 50)
    print(f"  naive scan ({len(naive.scans)} needs): load every published offer as facts "
          f"{naive.load:.2f} s once, then scan p50 {ms(scan_p50)}; per need p50 "
          f"{naive_p50:.2f} s = {naive_p50 / engine_p50:,.1f}× the engine p50 (scan alone "
          f"{scan_p50 / engine_p50:,.1f}×)")  # fmt: skip
    print(f"  where the time goes read in SQL (mean over {min(sampled, 50)} needs): need facts "
          f"{ms(b['need_facts'])}; retrieval {ms(b['retrieval'])} of which SQL "
          f"{ms(b['retrieval_sql'])} in {b['queries']:.1f} queries for {b['rows']:.0f} offers "
          f"(read as facts); candidate index {ms(b['offer_facts'])}; vectorised constraints + "
          f"scores and the top 10 explained {ms(b['constraints_score'])} "
          f"({b['feasible']:.0f} feasible)")  # fmt: skip
    print(f"  SQL retrieval recall (nearest_candidates, RETRIEVAL_LIMIT) vs exhaustive top 10, "
          f"{sampled} needs: {naive.recall:.3f} of offers; {naive.recall_all:.3f} of needs whole; "
          f"top 10 returned vs exhaustive top 10: {naive.answer_recall:.3f} from the snapshot, "
          f"{naive.answer_recall_sql:.3f} read in SQL")  # fmt: skip
    print(
        f"  (exhaustive top 10 = vectorised index over the naive scan's facts; identical to the "
        f"naive scan on {naive.agreement:.0%} of the {len(naive.scans)} needs scanned both ways)"
    )


# --- Batch runs, each in a fresh process ----------------------------------------------


def wrap_steps(timed: Callable[..., Any]) -> None:
    """Time the steps of ``batch_run`` by replacing, in this process only, the functions
    it calls (whichever of them the current code has)."""
    from matching import batch
    from matching.engine import batch as engine_batch
    from matching.engine import vectorised

    batch.need_facts_in_bulk = timed("read_needs", batch.need_facts_in_bulk, True)
    batch.offer_facts_in_bulk = timed("read_offers", batch.offer_facts_in_bulk, True)
    build = vectorised.OfferIndex.build
    vectorised.OfferIndex.build = timed("index", build)  # type: ignore[method-assign]
    for module in (batch, engine_batch):  # top-K candidates, wherever they are called from
        if hasattr(module, "candidate_edges"):
            module.candidate_edges = timed("candidates", module.candidate_edges)
    engine_batch.assign = timed("solver", engine_batch.assign)


def child_batch(trace: bool) -> None:
    """In the child: ``batch_run()`` end to end, its steps timed by wrapping them."""
    import django

    django.setup()
    from matching import batch

    split: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any], materialise: bool = False) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result = function(*args, **kwargs)
            result = list(result) if materialise else result
            split[name] = split.get(name, 0.0) + time.perf_counter() - started
            return result

        return wrapper

    wrap_steps(timed)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    run = batch.batch_run()
    seconds = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] if trace else None
    split["write"] = seconds - sum(split.values())
    waited = days_waited()
    print(RESULT + json.dumps({
        "waited": waited,
        "seconds": seconds, "split": split, "maxrss": resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss * 1024, "traced": traced,
        "needs": run.needs_considered, "offers": run.offers_considered,
        "suggestions": run.suggestions, "critical": run.critical_covered,
        "score": run.total_score,
    }))  # fmt: skip


def days_waited() -> dict[str, list[float]]:
    """Days since publication of the open needs the run served (a suggestion) and of
    those it did not, as quartiles, by urgency and in all."""
    from django.utils import timezone

    from matching.models import Match
    from needs.models import Need

    today = timezone.localdate()
    suggested = Match.objects.filter(status=Match.Status.SUGGESTED)
    served = set(suggested.values_list("need_id", flat=True))
    groups: dict[str, list[int]] = {}
    for pk, urgency, opened in Need.objects.active().values_list("pk", "urgency", "opened_at"):
        days = today.toordinal() - timezone.localtime(opened).date().toordinal() if opened else 0
        side = "served" if pk in served else "unserved"
        for key in (f"{side}", f"{side} {urgency}"):
            groups.setdefault(key, []).append(days)
    return {key: [len(days), *(percentile(days, q) for q in (25, 50, 75))]
            for key, days in sorted(groups.items())}  # fmt: skip


def print_waited(waited: dict[str, list[float]]) -> None:
    print("  days waited since publication (needs, quartiles 25/50/75):")
    for key, (count, q1, q2, q3) in waited.items():
        print(f"    {key:<20} {count:>7,.0f} needs  {q1:5.0f} {q2:5.0f} {q3:5.0f}")


def run_batch(label: str, trace: bool, keep: bool = False) -> dict[str, Any]:
    arguments = [sys.executable, __file__, "--child-batch", "--database-url",
                 os.environ["DATABASE_URL"]] + (["--tracemalloc"] if trace else [])  # fmt: skip
    done = subprocess.run(arguments, capture_output=True, text=True, env=dict(os.environ))  # noqa: S603
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"The batch child failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT) :])
    split = result["split"]
    traced = f", tracemalloc peak {result['traced'] / MIB:.0f} MiB" if result["traced"] else ""
    print(
        f"Batch run {label}: {result['needs']:,} needs × {result['offers']:,} offers: "
        f"{result['seconds']:.1f} s, peak RSS {result['maxrss'] / MIB:.0f} MiB{traced}; {load()}"
    )
    print(
        f"  reading facts {split['read_needs'] + split['read_offers']:.1f} s (needs "
        f"{split['read_needs']:.1f}, offers {split['read_offers']:.1f}); candidate generation "
        f"{split.get('index', 0) + split.get('candidates', 0):.1f} s (index "
        f"{split.get('index', 0):.1f}, top-K {split.get('candidates', 0):.1f}); solver "
        f"{split['solver']:.1f} s; writing and the rest {split['write']:.1f} s"
    )
    print(f"  {result['suggestions']:,} suggestions, {result['critical']:,} critical needs covered,"
          f" total score {result['score']:,.0f}")  # fmt: skip
    print_waited(result["waited"])
    if not keep:
        clear_suggestions()
    return result


def measure_replacement() -> float:
    """A later batch run first deletes the suggestions of this one, with the ORM (as
    ``batch_run`` does): that step, timed on the suggestions just written."""
    from matching.models import Match

    started = time.perf_counter()
    deleted, _by_model = Match.objects.filter(status=Match.Status.SUGGESTED).delete()
    seconds = time.perf_counter() - started
    print(
        f"  the next run's deletion of these {deleted:,} suggestions (ORM delete(), inside "
        f"batch_run): {seconds:.1f} s; not in the figures above, which start from none"
    )
    clear_suggestions()
    return seconds


# --- Batch quality ---------------------------------------------------------------------


def measure_quality(seed: int, count: int) -> dict[str, float]:
    """The batch's plan (as ``batch_run`` computes it) against the independent exact
    optimum over the full feasible graph (``engine.reference``), on ``count`` open needs
    and every published offer; greedy on the batch's edges for scale."""
    from django.utils import timezone

    from matching import batch, retrieval
    from matching.engine import batch as engine_batch
    from matching.engine import reference, vectorised

    started = time.perf_counter()
    today = timezone.localdate()
    needs = list(batch.need_facts_in_bulk(today))
    rng = random.Random(f"{seed}-quality")  # noqa: S311 (a benchmark, not cryptography)
    needs = sorted(rng.sample(needs, min(count, len(needs))), key=lambda n: n.id)
    offers = list(batch.offer_facts_in_bulk())
    chosen = retrieval.weights()
    plan_started = time.perf_counter()
    assignment, edges = batch.assign_city(needs, offers, today=today)
    plan_seconds = time.perf_counter() - plan_started
    greedy = engine_batch.greedy(needs, offers, edges)
    index = vectorised.OfferIndex.build(offers)

    def pairs_of(need: Any) -> Any:
        ids, scores = vectorised.candidates(index, need, chosen, today)
        return zip(ids.tolist(), scores.tolist(), strict=True)

    exact_started = time.perf_counter()
    # The counts are solved exactly; the score within 1e-4 of HiGHS's proven bound, and the
    # ratio below is taken against that bound: it can only understate the batch.
    best = reference.lexicographic_optimum(needs, offers, weights=chosen, today=today,
                                           integral=False, pairs_of=pairs_of, score_gap=1e-4,
                                           time_limit=900)  # fmt: skip
    figures = {
        "needs": len(needs), "offers": len(offers), "edges": len(edges),
        "plan_seconds": plan_seconds, "exact_seconds": time.perf_counter() - exact_started,
        "seconds": time.perf_counter() - started, "exact_pairs": best.pairs,
        "batch": assignment.objective, "exact": best.objective, "greedy": greedy.objective,
        "score_ratio": assignment.total_score / max(best.total_score, 1e-9),
        "score_ratio_bound": assignment.total_score / max(best.score_bound, 1e-9),
        "greedy_ratio": greedy.total_score / max(best.total_score, 1e-9),
        "certified": assignment.certified,
    }  # fmt: skip
    print_quality(figures)
    return figures


def print_quality(f: dict[str, Any]) -> None:
    print(f"Batch quality on {f['needs']:,} needs × {f['offers']:,} offers: the plan in "
          f"{f['plan_seconds']:.1f} s ({f['edges']:,} candidate edges), the exact optimum over "
          f"all {f['exact_pairs']:,} feasible pairs in {f['exact_seconds']:.1f} s; "
          f"{load()}")  # fmt: skip
    for label, key in (("exact optimum", "exact"), ("batch", "batch"), ("greedy", "greedy")):
        c, u, h, total = f[key]
        print(f"  {label:<14} critical households {c:>5,}, critical units {u:>6,}, "
              f"high households {h:>5,}, score {total:,.1f}")  # fmt: skip
    print(
        f"  batch score {f['score_ratio']:.4%} of the exact optimum, "
        f"{f['score_ratio_bound']:.4%} of HiGHS's proven bound on it (greedy "
        f"{f['greedy_ratio']:.2%}); critical coverage proven by the plan: {f['certified']}"
    )


def measure_traps(scale: int, seed: int) -> list[dict[str, Any]]:
    """The instances built to trap a pruned solver, each against the exact optimum."""
    from django.conf import settings

    from matching.engine import batch as engine_batch
    from matching.engine import reference, vectorised
    from matching.engine.scoring import Weights

    results = []
    k = settings.ENTRAIDE_MATCHING_BATCH_CANDIDATES
    print(f"Trap instances (top {k} candidates per need, as the batch); {load()}")
    for trap in matching_traps.traps(scale, seed):
        started = time.perf_counter()
        index = vectorised.OfferIndex.build(trap.offers)
        today = matching_traps.TODAY
        made = engine_batch.plan(index, trap.needs, trap.offers, k=k, weights=Weights(),
                                 today=today)  # fmt: skip
        seconds = time.perf_counter() - started
        best = reference.lexicographic_optimum(trap.needs, trap.offers, weights=Weights(),
                                               today=today, integral=False)  # fmt: skip
        got = made.assignment.objective
        ok = got[:2] == best.objective[:2]
        print(f"  {trap.name} ({len(trap.needs):,} needs, {len(trap.offers):,} offers, plan "
              f"{seconds:.1f} s): critical households {got[0]} of a maximum {best.objective[0]}, "
              f"critical units {got[1]} of {best.objective[1]}, high {got[2]} of "
              f"{best.objective[2]}, score {got[3] / max(best.total_score, 1e-9):.4%}; "
              f"critical = maximum: {'yes' if ok else 'NO'}")  # fmt: skip
        results.append({"name": trap.name, "ok": ok, "score": got[3] / max(best.total_score, 1e-9)})
    return results


# --- Targets ---------------------------------------------------------------------------


def print_targets(results: dict[str, Any]) -> None:
    print("docs/design.md §10 targets")
    largest = results["suggestions"][-1]
    offers = largest["offers"]
    engine_p95, api_p95 = percentile(largest["engine"], 95), percentile(largest["api"], 95)
    rows = [
        (f"suggestions p95 engine ≤ 50 ms at 500k (measured at {offers:,})",
         ms(engine_p95), engine_p95 <= 0.050 and offers >= 500_000),
        (f"suggestions p95 API ≤ 100 ms at 500k (measured at {offers:,})",
         ms(api_p95), api_p95 <= 0.100 and offers >= 500_000),
    ]  # fmt: skip
    big, small = results.get("batch_big"), results.get("batch_small")
    if big:
        size = f"{big['needs']:,} × {big['offers']:,}"
        full = big["needs"] >= 20_000 and big["offers"] >= 500_000
        rows.append((f"batch ≤ 5 min at 20k × 500k ({size})", f"{big['seconds']:.1f} s",
                     big["seconds"] <= 300 and full))  # fmt: skip
        rows.append((f"batch ≤ 2 GiB at 20k × 500k ({size})", f"{big['maxrss'] / MIB:.0f} MiB",
                     big["maxrss"] <= 2 * 2**30 and full))  # fmt: skip
    if small:
        size = f"{small['needs']:,} × {small['offers']:,}"
        rows.append((f"batch ≤ 60 s at 10k × 10k ({size})", f"{small['seconds']:.1f} s",
                     small["seconds"] <= 60))  # fmt: skip
    q = results.get("quality")
    if q:
        rows += [
            (f"batch score ≥ 0.999 of the exact optimum ({q['needs']:,} × {q['offers']:,})",
             f"{q['score_ratio_bound']:.4f}", q["score_ratio_bound"] >= 0.999),
            ("batch critical households = the full graph's maximum",
             f"{q['batch'][0]} / {q['exact'][0]}", q["batch"][0] == q["exact"][0]),
            ("batch critical units = the full graph's maximum",
             f"{q['batch'][1]} / {q['exact'][1]}", q["batch"][1] == q["exact"][1]),
        ]  # fmt: skip
    rows.append(
        (
            "one-need top 10 recall ≥ 0.98 (vs the exhaustive top 10)",
            f"{largest['naive'].answer_recall:.3f}",
            largest["naive"].answer_recall >= 0.98,
        )
    )
    for trap in results.get("traps", []):
        rows.append((f"trap '{trap['name']}': critical = maximum", "yes" if trap["ok"] else "no",
                     trap["ok"]))  # fmt: skip
    for label, figure, ok in rows:
        print(f"  {label:<62} {figure:>12}  {verdict(ok)}")
    print("  (a target measured below its stated size is reported as not met)")


# --- The whole run ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    offers: int
    needs: int
    samples: int
    small_batch: int
    quality_needs: int
    quality_offers: int
    trap_scale: int
    naive_needs: int | None

    @property
    def stages(self) -> list[int]:
        return [s for s in (10_000, 100_000) if s < self.offers] + [self.offers]


def run(sizes: Sizes, seed: int, trace_big: bool, suggestions_only: bool = False) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    # Midnight today: the same city (timestamps included) for every run of the day.
    clock = city.Clock(now=timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0))
    started = time.perf_counter()
    print(f"Machine: {machine()}; {load()}")
    print(f"City: {sizes.offers:,} offers in steps {sizes.stages}, {sizes.needs:,} open needs, "
          f"seed {seed}")  # fmt: skip
    state = build_city(seed, clock)
    first = sizes.stages[0]
    small = min(sizes.small_batch, sizes.needs)
    add_offers(state, first)
    add_needs(state, small)
    results: dict[str, Any] = {"suggestions": []}
    if not suggestions_only:
        results["batch_small"] = run_batch(f"(small, {small:,} × {first:,})", trace=False)
        run_batch("(small again, traced with tracemalloc: slower, for its peak only)", trace=True)
        results["traps"] = measure_traps(sizes.trap_scale, seed)
        add_offers(state, sizes.quality_offers)
        results["quality"] = measure_quality(seed, sizes.quality_needs)
    add_needs(state, sizes.needs)
    need_ids = sample_needs(seed, sizes.samples)
    for stage in sizes.stages:
        add_offers(state, stage)
        naive_needs = sizes.naive_needs or min(sizes.samples, max(20, 2_000_000 // stage))
        results["suggestions"].append(measure_suggestions(state, need_ids, naive_needs))
    if suggestions_only:
        print_targets(results)
        print(f"Suggestions only: {(time.perf_counter() - started) / 60:.1f} min; {load()}")
        return
    results["batch_big"] = run_batch(
        f"(surge, {sizes.needs:,} × {state.offer_count:,})", trace=trace_big, keep=True
    )
    results["replacement"] = measure_replacement()
    print_targets(results)
    print(f"Whole benchmark: {(time.perf_counter() - started) / 60:.1f} min; {load()}")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=500_000, help="offers at the end")
    parser.add_argument("--needs", type=int, default=20_000, help="open needs")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size")
    parser.add_argument("--samples", type=int, default=200, help="needs timed one by one")
    parser.add_argument("--naive-needs", type=int, help="needs scanned naively (default: "
                        "all samples up to 10k offers, 20 from 100k)")  # fmt: skip
    parser.add_argument("--small-batch", type=int, default=10_000, help="needs of the small run")
    parser.add_argument("--quality-needs", type=int, default=3_000)
    parser.add_argument("--quality-offers", type=int, default=20_000,
                        help="offers in the city when quality is measured")  # fmt: skip
    parser.add_argument("--trap-scale", type=int, default=4, help="size of the trap instances")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace Python allocations in the surge batch too (slow)")  # fmt: skip
    parser.add_argument("--database-url", default=os.environ.get("BENCH_MATCHING_DATABASE_URL",
                                                                 DEFAULT_URL))  # fmt: skip
    parser.add_argument("--suggestions-only", action="store_true",
                        help="only the one-need suggestions, at each size (no batch)")  # fmt: skip
    parser.add_argument("--child-batch", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    configure_environment(arguments.database_url)
    if arguments.child_batch:
        child_batch(arguments.tracemalloc)
        return
    ensure_database(arguments.database_url)
    scale = arguments.scale

    def scaled(value: int) -> int:
        return max(1, round(value * scale))

    sizes = Sizes(
        offers=scaled(arguments.offers), needs=scaled(arguments.needs),
        samples=min(arguments.samples, scaled(arguments.needs)),
        small_batch=scaled(arguments.small_batch), quality_needs=scaled(arguments.quality_needs),
        quality_offers=scaled(arguments.quality_offers), trap_scale=arguments.trap_scale,
        naive_needs=arguments.naive_needs,
    )  # fmt: skip
    run(sizes, arguments.seed, arguments.tracemalloc, arguments.suggestions_only)


if __name__ == "__main__":
    main()
