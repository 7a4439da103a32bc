"""Take up notifications that a crash or a broker restart left behind (what beat runs every
minute). Without --wet-run it only says what it would do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from notifications.selectors import stale_for_sweep
from notifications.tasks import sweep


class Command(BaseCommand):
    help = "Re-queue notifications stuck in 'queued' or 'sending'. Needs --wet-run to act."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.ENTRAIDE_NOTIFICATION_STALE_AFTER,
            help="Seconds a row must have waited (default: ENTRAIDE_NOTIFICATION_STALE_AFTER).",
        )
        parser.add_argument("--limit", type=int, default=100_000)
        parser.add_argument("--wet-run", action="store_true", help="Act, instead of only telling.")

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = timedelta(seconds=options["older_than"])
        if not options["wet_run"]:
            sending, queued = stale_for_sweep(older_than=older_than, limit=options["limit"])
            self.stdout.write(
                f"Would take up {len(sending)} abandoned 'sending' and {len(queued)} overdue "
                "'queued' notifications. Run again with --wet-run to do it."
            )
            return
        result = sweep(older_than=older_than, limit=options["limit"])
        self.stdout.write(
            f"Took up {result['abandoned']} abandoned and published {result['overdue']} "
            "overdue notifications."
        )
