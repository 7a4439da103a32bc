"""The register of processing (GDPR article 30) as ``docs/privacy.md`` shows it: its
retention table is written from ``privacy.retention.rules`` (``manage.py privacy_register
--write``), so that the document, the notice and the purge read the same periods."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation

from privacy.retention import rules

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "privacy.md"
START = "<!-- retention table: written by `manage.py privacy_register --write` -->"
END = "<!-- end of the retention table -->"


def retention_table() -> str:
    with translation.override("en"):
        lines = [
            "| What | Kept | Then | What stays | Why | Setting |",
            "|---|---|---|---|---|---|",
        ]
        for rule in rules():
            cells = [rule.what, f"{rule.period} {rule.starts}", rule.then, rule.kept,
                     rule.reason, f"`{rule.setting}`"]  # fmt: skip
            lines.append("| " + " | ".join(str(cell).replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines)


def with_table(document: str) -> str:
    before, _start, rest = document.partition(START)
    _old, _end, after = rest.partition(END)
    return f"{before}{START}\n{retention_table()}\n{END}{after}"
