"""The queues city staff work through, as apps declare them (a registry).

Each queue is a label, a function counting what waits in it, and the page where staff work
it: offers to moderate, organisations to verify, failed messages... Domain apps register
theirs in their ``AppConfig.ready()`` (through their ``notifications.py``); the staff home
page shows them with their counts, and the staff's daily digest (``notifications``) sends
the same counts. Core imports no app: the apps come to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class StaffQueue:
    key: str
    label: str | Promise
    count: Callable[[], int]
    url: str


_queues: dict[str, StaffQueue] = {}


def register_staff_queue(queue: StaffQueue) -> StaffQueue:
    _queues[queue.key] = queue
    return queue


def staff_queues() -> list[StaffQueue]:
    return sorted(_queues.values(), key=lambda queue: queue.key)
