"""Run the city-wide batch assignment; its results become suggestions for staff."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from matching.batch import batch_run, need_facts_in_bulk, offer_facts_in_bulk


class Command(BaseCommand):
    help = (
        "Assign every open need to the published offers at once (OR-Tools) and store the "
        "result as suggestions, replacing unproposed suggestions of earlier runs. Nothing "
        "is proposed to anyone. Without --wet-run, only says what it would consider."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wet-run", action="store_true", help="Really run and store.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["wet_run"]:
            needs = sum(1 for _ in need_facts_in_bulk())
            offers = sum(1 for _ in offer_facts_in_bulk())
            self.stdout.write(
                f"Would assign {needs} open needs to {offers} published offers and replace "
                "the unproposed suggestions. Run again with --wet-run to do it."
            )
            return
        run = batch_run()
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.suggestions} suggestions ({run.critical_covered} critical needs covered) "
                f"from {run.needs_considered} needs and {run.offers_considered} offers "
                f"in {run.seconds:.1f} s."
            )
        )
