"""``manage.py purge_personal_data``: what the nightly purge would do, or does.

By default (or with ``--dry-run``) it only counts; ``--wet-run`` anonymises, erases and
deletes, and writes the run's audit entry, like the nightly task.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from privacy.retention import rules
from privacy.services import purge_run


class Command(BaseCommand):
    help = "Anonymise personal data past its retention period (a dry run unless --wet-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--dry-run", action="store_true", help="Count what would be done (the default)."
        )
        mode.add_argument("--wet-run", action="store_true", help="Do it.")

    def handle(self, *args: Any, dry_run: bool, wet_run: bool, **options: Any) -> None:
        for found in rules():
            self.stdout.write(f"{found.key:>20}: {found.period} ({found.setting})")
        report = purge_run(dry_run=not wet_run)
        verb = "Would change" if report.dry_run else "Changed"
        for key, count in report.counts.items():
            self.stdout.write(f"{verb} {count:>7} {key}")
        if report.dry_run:
            self.stdout.write("Dry run: nothing was changed. Run again with --wet-run to do it.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Done: {report.total} rows, one audit entry."))
