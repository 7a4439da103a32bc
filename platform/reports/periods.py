"""Periods of time the figures are read over, in the city's local dates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(first: date, last: date) -> Iterator[date]:
    """The first day of every month from ``first``'s to ``last``'s, both included."""
    month = month_start(first)
    while month <= last:
        yield month
        month = next_month(month)


@dataclass(frozen=True)
class Period:
    """From ``start`` (None: since the beginning) to ``end``, both days included."""

    start: date | None
    end: date

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - timedelta(days=days - 1), today)

    def bounds(self) -> tuple[datetime | None, datetime]:
        """The first moment of the period (None: no start) and the first moment after it."""
        start = local_midnight(self.start) if self.start is not None else None
        return start, local_midnight(self.end + timedelta(days=1))

    def q(self, field: str) -> Q:
        """Rows whose ``field`` (a datetime) falls in the period."""
        start, after = self.bounds()
        condition = Q(**{f"{field}__lt": after})
        if start is not None:
            condition &= Q(**{f"{field}__gte": start})
        return condition

    def days(self, first_known: date | None) -> int:
        start = self.start or first_known or self.end
        return (self.end - start).days + 1
