"""What the staff's daily digest counts: sections that apps register (a hook).

Each section is a label and a function returning how many items wait in one queue
(offers to moderate, organisations to verify, failed messages...). The notifications app
imports no domain app; domains register their own sections in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class DigestSection:
    key: str
    label: str | Promise
    count: Callable[[], int]
    url: str


_sections: dict[str, DigestSection] = {}


def register_digest_section(section: DigestSection) -> DigestSection:
    _sections[section.key] = section
    return section


def digest_sections() -> list[DigestSection]:
    return sorted(_sections.values(), key=lambda section: section.key)


def digest_counts() -> list[dict[str, object]]:
    """Keys and counts only: labels are looked up when each message is rendered, in its
    recipient's language."""
    return [{"key": s.key, "count": s.count(), "url": s.url} for s in digest_sections()]
