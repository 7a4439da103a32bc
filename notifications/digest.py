"""What the staff's daily digest counts: the staff queues the apps declared
(``core.staff_queues``), counted when the digest is sent."""

from __future__ import annotations

from core.staff_queues import staff_queues


def digest_counts() -> list[dict[str, object]]:
    """Keys and counts only: labels are looked up when each message is rendered, in its
    recipient's language."""
    return [{"key": q.key, "count": q.count(), "url": q.url} for q in staff_queues()]
