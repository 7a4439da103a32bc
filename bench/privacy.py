"""Benchmark: the nightly purge (``privacy.services.purge_run``) on a city's history.

Loads, in its own PostgreSQL database, ``--offers`` offers ended 13 months ago (with a
status change and a housing check each), as many still live, half as many ended needs with
a note, and as many messages four months old; then times a dry run (what
``purge_personal_data`` prints) and the real run, and the next night's run (nothing left to
do). Each repetition loads the data again; medians are printed with the load average.

    .venv/bin/python bench/privacy.py --offers 20000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import ensure_database, machine  # noqa: E402 (after the path is set)


def load(offers: int) -> None:
    from django.utils import timezone

    from accounts.models import Organisation, User
    from core.models import Category, Sector
    from needs.models import Need
    from notifications.models import Notification
    from offers.models import HousingCheck, Offer, OfferTransition

    for model in (Notification, HousingCheck, OfferTransition, Offer, Need):
        model.objects.all().delete()
    User.objects.filter(email__startswith="bench-").delete()
    now = timezone.now()
    old = now - timedelta(days=13 * 31)
    sector, _ = Sector.objects.get_or_create(
        code="bench", defaults={"name": "Bench", "centroid_latitude": 45, "centroid_longitude": 5}
    )
    category = Category.objects.get(code="bedding")
    owners = User.objects.bulk_create(
        [User(email=f"bench-{n}@example.org") for n in range(max(offers // 10, 1))]
    )
    rows = []
    for n in range(offers * 2):
        ended = n % 2 == 0
        rows.append(
            Offer(
                kind="donation", owner=owners[n % len(owners)], sector=sector, category=category,
                quantity=3, title=f"Couvertures {n}", description="Au 3e étage, sonner deux fois",
                street_address=f"{n} rue des Lilas", postcode="38000",
                status="closed" if ended else "published", last_confirmed_at=now,
            )
        )  # fmt: skip
    created = Offer.objects.bulk_create(rows, batch_size=2000)
    ended_ids = [offer.pk for offer in created if offer.status == "closed"]
    Offer.objects.filter(pk__in=ended_ids).update(updated_at=old)
    OfferTransition.objects.bulk_create(
        [OfferTransition(subject_id=pk, from_status="published", to_status="closed", at=old,
                         note="Je déménage") for pk in ended_ids],
        batch_size=2000,
    )  # fmt: skip
    organisation = Organisation.objects.create(name="Bench", kind="association", verified_at=now)
    Need.objects.bulk_create(
        [Need(kind="housing", organisation=organisation, status="closed", note="Famille X",
              household_type="single_adult", housing_types=["room"])
         for _n in range(offers // 2)],
        batch_size=2000,
    )  # fmt: skip
    Need.objects.filter(organisation=organisation).update(updated_at=old)
    Notification.objects.bulk_create(
        [Notification(recipient=owners[n % len(owners)], type="offers.offer_published",
                      channel="in_app", language="fr", status="sent",
                      context={"title": f"Couvertures {n}"}, idempotency_key=f"bench:{n}")
         for n in range(offers)],
        batch_size=2000,
    )  # fmt: skip
    Notification.objects.update(created_at=now - timedelta(days=4 * 31))


def timed(action: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()  # type: ignore[operator]
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=20_000, help="ended offers (as many live)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/entraide_bench"
        ),
    )
    arguments = parser.parse_args()
    ensure_database(arguments.database_url)
    os.environ["DATABASE_URL"] = arguments.database_url
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "entraide.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from privacy.services import purge_run

    call_command("migrate", verbosity=0)
    print(f"Machine: {machine()}")
    figures: dict[str, list[float]] = {"dry run": [], "run": [], "next run": []}
    counts = {}
    for _round in range(arguments.repeat):
        load(arguments.offers)
        seconds, _report = timed(lambda: purge_run(dry_run=True))
        figures["dry run"].append(seconds)
        seconds, report = timed(purge_run)
        figures["run"].append(seconds)
        counts = report.counts  # type: ignore[attr-defined]
        seconds, _report = timed(purge_run)
        figures["next run"].append(seconds)
    print(f"Ended offers {arguments.offers}, live offers {arguments.offers}, ended needs "
          f"{arguments.offers // 2}, old messages {arguments.offers}")  # fmt: skip
    print("Anonymised: " + ", ".join(f"{key} {count}" for key, count in counts.items() if count))
    for name, values in figures.items():
        print(f"{name:>9}: median {statistics.median(values):.2f} s "
              f"(runs: {', '.join(f'{v:.2f}' for v in values)})")  # fmt: skip
    print("Load average: " + " ".join(f"{value:.2f}" for value in os.getloadavg()))


if __name__ == "__main__":
    main()
