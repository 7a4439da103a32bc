"""Writes of the reports app: the daily count of beds and other cities' files."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.models import User
from core.audit import audit
from reports import selectors
from reports.models import BedsDay, NetworkDataset


def beds_snapshot_record(*, day: date | None = None) -> BedsDay:
    """Today's beds offered and occupied (idempotent: a later run the same day replaces
    the figures, so the day keeps its last ones)."""
    now = selectors.beds_now()
    snapshot, _created = BedsDay.objects.update_or_create(
        day=day or now.day,
        defaults={"beds_offered": now.offered, "beds_occupied": now.occupied},
    )
    return snapshot


def beds_backfill(*, days: int, today: date | None = None) -> int:
    """Write the days before today that have no figures yet, read back from the status
    logs of offers and matches (``reports.selectors.beds_on``); returns the days written.
    Days already recorded are left as they are."""
    today = today or timezone.localdate()
    known = set(BedsDay.objects.values_list("day", flat=True))
    written = 0
    for back in range(1, days + 1):
        day = today - timedelta(days=back)
        if day in known:
            continue
        figures = selectors.beds_on(day)
        BedsDay.objects.create(
            day=day, beds_offered=figures.offered, beds_occupied=figures.occupied
        )
        written += 1
    return written


@transaction.atomic
def network_dataset_create(
    *,
    by: User,
    city: str,
    population: int | None,
    file_name: str,
    rows: list[dict[str, Any]],
) -> NetworkDataset:
    """Keep another city's validated open-data rows for the network page."""
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff compare figures with other cities.")
    months = sorted(row["month"] for row in rows)
    # A newer file of the same city replaces the older one.
    replaced, _kinds = NetworkDataset.objects.filter(city__iexact=city.strip()).delete()
    dataset = NetworkDataset.objects.create(
        city=city.strip(),
        population=population,
        file_name=file_name[:200],
        rows=rows,
        first_month=months[0],
        last_month=months[-1],
        uploaded_by=by,
    )
    audit(
        actor=by,
        action="reports.network_file.uploaded",
        target=dataset,
        detail={"city": dataset.city, "rows": len(rows), "replaced": replaced},
    )
    return dataset


@transaction.atomic
def network_dataset_delete(*, dataset: NetworkDataset, by: User) -> None:
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff compare figures with other cities.")
    audit(
        actor=by,
        action="reports.network_file.deleted",
        target=dataset,
        detail={"city": dataset.city},
    )
    dataset.delete()
