"""Reads of needs: who sees which, the public summary, the staff queues."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise

from accounts import roles
from core.models import Category
from core.vocabulary import HelpKind
from needs.models import Need, NeedQuerySet


def needs_visible_to(user: object) -> NeedQuerySet:
    """Staff see every need; a member only the needs of their verified organisations;
    anyone else none. The one scoping rule of pages and API."""
    needs = Need.objects.select_related("organisation", "category").prefetch_related("sectors")
    if roles.is_staff_member(user):
        return needs
    organisation_ids = [m.organisation_id for m in roles.active_memberships(user)]
    return needs.of_organisations(organisation_ids)


def staff_queue() -> NeedQuerySet:
    """Open needs in the order staff should take them: households to place again after a
    stay ended (longest waiting first), then critical, high and normal urgency, each by
    how long it has been open. The queue of the matching workbench."""
    urgency = Case(
        When(urgency=Need.Urgency.CRITICAL, then=Value(0)),
        When(urgency=Need.Urgency.HIGH, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    first = Case(When(attention_since__isnull=False, then=Value(0)), default=Value(1))
    return (
        Need.objects.active()
        .select_related("category", "organisation")
        .annotate(attention_first=first, urgency_order=urgency)
        .order_by("attention_first", "attention_since", "urgency_order", "opened_at", "id")
    )


def reopened_after_match() -> NeedQuerySet:
    """Households to place again (a stay broke down, ended early, or ended while still
    needed), the longest waiting first."""
    return (
        Need.objects.active()
        .filter(attention_since__isnull=False)
        .order_by("attention_since", "id")
    )


def categories_for(kind: str) -> QuerySet[Category]:
    return Category.objects.active().of_kind(kind).select_related("parent")


@dataclass(frozen=True)
class SummaryRow:
    kind: str
    kind_label: str | Promise
    category: str
    critical: int
    high: int
    normal: int
    category_language: str = ""

    @property
    def total(self) -> int:
        return self.critical + self.high + self.normal


def public_summary() -> list[SummaryRow]:
    """Open needs counted by kind, category and urgency: nothing about any one need."""
    counts = (
        Need.objects.active()
        .values("kind", "category", "urgency")
        .annotate(count=Count("id"))
        .order_by()
    )
    categories = {c.pk: c for c in Category.objects.filter(pk__in={r["category"] for r in counts})}
    grouped: dict[tuple[str, int | None], dict[str, int]] = {}
    for row in counts:
        cell = grouped.setdefault((row["kind"], row["category"]), {})
        cell[row["urgency"]] = cell.get(row["urgency"], 0) + row["count"]
    kinds = [kind.value for kind in HelpKind]
    rows = []
    for (kind, category_id), cell in grouped.items():
        category = categories.get(category_id) if category_id else None
        rows.append(
            SummaryRow(
                kind=kind,
                kind_label=HelpKind(kind).label,
                category=category.label if category else "",
                category_language=category.label_and_language[1] if category else "",
                critical=cell.get(Need.Urgency.CRITICAL, 0),
                high=cell.get(Need.Urgency.HIGH, 0),
                normal=cell.get(Need.Urgency.NORMAL, 0),
            )
        )
    rows.sort(key=lambda r: (kinds.index(r.kind), -r.critical, -r.total, r.category))
    return rows


def open_critical_count() -> int:
    return Need.objects.active().filter(urgency=Need.Urgency.CRITICAL).count()


def past_their_end() -> QuerySet[Need]:
    """Open needs whose wanted-until date is over (for the daily expiry)."""
    return Need.objects.active().filter(wanted_until__lt=timezone.localdate()).order_by("id")
