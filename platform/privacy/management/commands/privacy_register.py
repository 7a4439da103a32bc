"""``manage.py privacy_register``: print the retention table of docs/privacy.md, or
``--write`` it there (from the settings in force: run it with the defaults)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from privacy.register import DOCUMENT, retention_table, with_table


class Command(BaseCommand):
    help = "Print (or --write into docs/privacy.md) the retention table of the settings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true", help="Rewrite docs/privacy.md.")

    def handle(self, *args: Any, write: bool, **options: Any) -> None:
        if write:
            DOCUMENT.write_text(with_table(DOCUMENT.read_text(encoding="utf-8")), encoding="utf-8")
            self.stdout.write(f"Written into {DOCUMENT}")
        else:
            self.stdout.write(retention_table())
