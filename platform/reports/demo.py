"""The demo city's share of reports: today's count of beds, as the hourly task would
record it (``core``'s ``seed_demo`` finds this loader)."""

from __future__ import annotations

from typing import Any

from reports.services import beds_snapshot_record


def load_demo(*, sectors: Any, users: Any, stdout: Any) -> None:
    snapshot = beds_snapshot_record()
    stdout.write(
        f"  beds today: {snapshot.beds_offered} offered, {snapshot.beds_occupied} occupied"
    )
