"""The worker heartbeat that /healthz reads: a timestamp the worker writes in the cache."""

from __future__ import annotations

import socket
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "worker-heartbeat"


def record_heartbeat() -> dict[str, str]:
    beat = {"at": timezone.now().isoformat(), "worker": socket.gethostname()}
    cache.set(HEARTBEAT_KEY, beat, timeout=24 * 3600)
    return beat


def last_heartbeat() -> datetime | None:
    beat = cache.get(HEARTBEAT_KEY)
    if not beat:
        return None
    return datetime.fromisoformat(beat["at"])
