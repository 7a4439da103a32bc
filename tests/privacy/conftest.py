"""The privacy tests reuse the matching world: a resident with a published room and a
distinctive contact, an association with an open need, and staff."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone

from tests.matching.conftest import (  # noqa: F401  (fixtures)
    association_member,
    confirmed,
    need,
    organisation,
    proposed,
    resident,
    room,
    second_member,
    sector,
)


def ago(*, months: int = 0, days: int = 0) -> datetime:
    return timezone.now() - timedelta(days=months * 31 + days)


def age(instance: models.Model, moment: datetime, field: str = "updated_at") -> None:
    """Set a date ``auto_now`` would overwrite (the audit log's queryset refuses updates:
    the plain one is used)."""
    rows = models.QuerySet(model=type(instance)).filter(pk=instance.pk)
    models.QuerySet.update(rows, **{field: moment})
