"""Fill the days before the first hourly count of beds, read back from the status logs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reports.models import BedsDay
from reports.services import beds_backfill


class Command(BaseCommand):
    help = (
        "Write the beds offered and occupied of the past DAYS days that have no figures yet, "
        "read back from the status logs of offers and matches. Needs --wet-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--wet-run", action="store_true", help="Write the figures.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        known = BedsDay.objects.count()
        if not options["wet_run"]:
            self.stdout.write(
                f"Would fill the days of the last {days} days that have no figures "
                f"({known} days are recorded). Run again with --wet-run to write them."
            )
            return
        written = beds_backfill(days=days)
        self.stdout.write(self.style.SUCCESS(f"{written} days written."))
