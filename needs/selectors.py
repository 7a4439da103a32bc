"""Reads of needs: who sees which, the public summary, the staff queues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.functional import Promise

from accounts import roles
from core.models import Category
from core.small_counts import Published, protect
from core.staff_filters import QUEUE_KEYS, annotate_queue, urgency_rank
from core.vocabulary import HelpKind
from needs.models import (
    Need,
    NeedQuerySet,
    need_attention_first,
    need_attention_order,
    need_waiting_since,
)
from needs.search import NEED_MATCHES


def needs_visible_to(user: object) -> NeedQuerySet:
    """Staff see every need; a member only the needs of their verified organisations;
    anyone else none. The one scoping rule of pages and API."""
    needs = Need.objects.select_related("organisation", "category").prefetch_related("sectors")
    if roles.is_staff_member(user):
        return needs
    organisation_ids = [m.organisation_id for m in roles.active_memberships(user)]
    return needs.of_organisations(organisation_ids)


NEED_FILTER_PATHS = {
    "kind": "kind",
    "category": "category",
    "district": "sectors",
    "state": "status",
}
# Households to place again after a stay ended come first (the longest waiting first),
# then the urgency rank and how long each need has been open.
TO_PLACE_KEYS = ("attention_first", "attention_order", *QUEUE_KEYS)


def staff_needs(needs: QuerySet[Need] | None = None) -> QuerySet[Need]:
    """Needs with the keys of the staff queues (``core.staff_filters``): the urgency rank
    and since when each waits (published, else created)."""
    return annotate_queue(
        needs if needs is not None else Need.objects.all(),
        rank=urgency_rank(),
        waiting_since=need_waiting_since(),
    )


def staff_queue() -> QuerySet[Need]:
    """Open needs in the order staff should take them: households to place again after a
    stay ended (longest waiting first), then critical, high and normal urgency, each by
    how long it has been open (``TO_PLACE_KEYS``). The queue of the matching workbench."""
    return (
        staff_needs(Need.objects.active().select_related("category", "organisation"))
        .annotate(
            attention_first=need_attention_first(),
            attention_order=need_attention_order(),
            urgency_order=F("queue_rank"),
        )
        .order_by(*TO_PLACE_KEYS)
    )


def need_search(query: str, user: object) -> QuerySet[Need]:
    """Needs whose note or accessibility hold the words of ``query`` (PostgreSQL: full
    text without accents on a GIN index, ``needs/search.py``; elsewhere ``icontains``),
    whose id it is, or whose internal reference it is where ``user`` may read that
    reference (``roles.internal_reference_access``: staff, for needs met at a counter)."""
    text = " ".join(query.split())[:100]
    if not text or not roles.is_staff_member(user):
        return Need.objects.none()
    if connection.vendor == "postgresql":
        # A constant statement; the text is a bound parameter.
        condition = Q(pk__in=RawSQL(NEED_MATCHES, [text]))  # noqa: S611
    else:
        condition = Q(note__icontains=text) | Q(accessibility__icontains=text)
    if text.isdigit() and len(text) < 10:
        condition |= Q(pk=int(text))
    condition |= Q(internal_reference__iexact=text, organisation__isnull=True)
    return Need.objects.filter(condition).select_related("category", "organisation").order_by("-id")


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


ALL = "all"
URGENCIES = tuple(Need.Urgency.values)


@dataclass(frozen=True)
class PublicNeedsTable:
    """The open needs as the public may read them, one protected table for every page
    that publishes them (``/besoins/`` and ``/statistiques/``): what one page shows and
    another hides must come from the same call, or read together they would give a small
    count away (``core.small_counts``)."""

    rows: list[SummaryRow]
    cells: dict[Any, Published]  # ("row", index, urgency), (kind, urgency), (kind|ALL, ALL)
    counts: dict[Any, int]


def public_needs_table() -> PublicNeedsTable:
    rows = public_summary()
    kinds = [kind.value for kind in HelpKind]
    counts: dict[Any, int] = {}
    for index, row in enumerate(rows):
        for urgency in URGENCIES:
            counts[("row", index, urgency)] = getattr(row, urgency)
    lines: list[tuple[Any, list[Any]]] = []
    for kind in kinds:
        for urgency in URGENCIES:
            members = [("row", i, urgency) for i, row in enumerate(rows) if row.kind == kind]
            counts[(kind, urgency)] = sum(counts[m] for m in members)
            lines.append(((kind, urgency), members))
        counts[(kind, ALL)] = sum(counts[(kind, u)] for u in URGENCIES)
        lines.append(((kind, ALL), [(kind, u) for u in URGENCIES]))
    for urgency in (*URGENCIES, ALL):
        counts[(ALL, urgency)] = sum(counts[(kind, urgency)] for kind in kinds)
        lines.append(((ALL, urgency), [(kind, urgency) for kind in kinds]))
    lines.append(((ALL, ALL), [(ALL, u) for u in URGENCIES]))
    return PublicNeedsTable(rows=rows, cells=protect(counts, lines=lines), counts=counts)
