"""The filters and the order every staff queue shares (docs/architecture.md, "Staff queues").

Every staff list is sorted by **urgency as a rank** (0 critical, 1 high, 2 normal; an
integer from a ``Case``/``When``, never the strings, which sort "normal" before "high"),
then by **waiting time** (the oldest first), then by id, and paged by those keys
(``core.keyset``). Each list annotates ``queue_rank`` and ``waiting_since`` on its rows
and says which filters apply to it; this module holds the form and applies it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Category, Sector
from core.vocabulary import HelpKind

CRITICAL, HIGH, NORMAL = 0, 1, 2
URGENCY_RANKS = {"critical": CRITICAL, "high": HIGH, "normal": NORMAL}
URGENCY_CHOICES = [
    ("critical", _("Critical")),
    ("high", _("High")),
    ("normal", _("Normal")),
]
QUEUE_KEYS = ("queue_rank", "waiting_since", "id")
AGE_CHOICES = [
    ("", _("Any time")),
    ("1", _("Waiting for more than a day")),
    ("3", _("Waiting for more than 3 days")),
    ("7", _("Waiting for more than a week")),
    ("30", _("Waiting for more than a month")),
]
ALL_FILTERS = ("kind", "category", "district", "urgency", "age", "state")


def urgency_rank(field: str = "urgency") -> Case:
    """The rank of a need's urgency held in ``field`` ("need__urgency" from a match)."""
    return Case(
        When(**{field: "critical"}, then=Value(CRITICAL)),
        When(**{field: "high"}, then=Value(HIGH)),
        # No explicit output field (an integer is inferred): an index on this expression
        # then compares equal to its migration's.
        default=Value(NORMAL),
    )


def rank_label(rank: int) -> str:
    return str(dict(URGENCY_CHOICES)[{v: k for k, v in URGENCY_RANKS.items()}[rank]])


class QueueFilterForm(forms.Form):
    """Kind, category, district, urgency, age and state; a list keeps those that apply."""

    kind = forms.ChoiceField(
        label=_("Kind of help"), choices=[("", _("All kinds")), *HelpKind.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("All categories"),
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=Sector.objects.none(),
        required=False,
        empty_label=_("All districts"),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[("", _("All urgencies")), *URGENCY_CHOICES], required=False
    )
    age = forms.ChoiceField(label=_("Waiting"), choices=AGE_CHOICES, required=False)
    state = forms.ChoiceField(label=_("State"), choices=[], required=False)

    def __init__(
        self,
        *args: Any,
        filters: Iterable[str] = ALL_FILTERS,
        states: Sequence[tuple[str, Any]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if "category" in self.fields:
            self.fields["category"].queryset = Category.objects.active().order_by(  # type: ignore[attr-defined]
                "kind", "name"
            )
        if "district" in self.fields:
            self.fields["district"].queryset = Sector.objects.order_by("name")  # type: ignore[attr-defined]
        keep = set(filters)
        if not states:
            keep.discard("state")
        for name in ALL_FILTERS:  # a subclass's own fields stay
            if name not in keep:
                del self.fields[name]
        if "state" in self.fields:
            self.fields["state"].choices = [("", _("All states")), *states]  # type: ignore[attr-defined]


def apply_filters(
    queryset: QuerySet[Any], form: QueueFilterForm, *, paths: dict[str, str]
) -> QuerySet[Any]:
    """Filter an annotated queryset (``queue_rank``, ``waiting_since``) by the valid
    fields of ``form``; ``paths`` says which column each filter reads ("district":
    "offer__sector")."""
    if not form.is_bound or not form.is_valid():
        return queryset
    data = form.cleaned_data
    for name in ("kind", "category", "district", "state"):
        if data.get(name) and name in paths:
            queryset = queryset.filter(**{paths[name]: data[name]})
    if data.get("urgency"):
        queryset = queryset.filter(queue_rank=URGENCY_RANKS[data["urgency"]])
    if data.get("age"):
        since = timezone.now() - timedelta(days=int(data["age"]))
        queryset = queryset.filter(waiting_since__lte=since)
    return queryset


def annotate_queue(
    queryset: QuerySet[Any], *, rank: Case | Value, waiting_since: Combinable | str
) -> QuerySet[Any]:
    """The two keys every staff queue sorts by (with ``id`` last)."""
    if not isinstance(rank, Case):
        rank = Case(default=rank, output_field=IntegerField())
    since = F(waiting_since) if isinstance(waiting_since, str) else waiting_since
    return queryset.annotate(queue_rank=rank, waiting_since=since)
