"""The range of dates a plan can use: what is offered, wanted, or checked.

A date years ahead is almost always a typo (2062 for 2026), and a date long past cannot
be planned with: both are refused where they are written, in the services and models.
"""

from __future__ import annotations

from datetime import date, timedelta

# How far ahead an availability, a wanted period or a best-before date may go.
MAX_YEARS_AHEAD = 5


def latest_plannable(today: date) -> date:
    return today + timedelta(days=365 * MAX_YEARS_AHEAD)


def too_far_ahead(day: date | None, today: date) -> bool:
    return day is not None and day > latest_plannable(today)
