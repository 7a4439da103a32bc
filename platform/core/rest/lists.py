"""Lists that read rows of values instead of model instances (``core/rest/representation.py``).

Building fifty model instances, with every column converted, costs more than answering
them; a list only needs the columns its serializer shows. ``RowListMixin.list`` pages the
viewset's queryset as ``values()`` (keyset pagination reads the ordering column from the
row), hands the rows to the same serializer, and so answers the same JSON. Date-times and
JSON columns come as text, which the representation parses for a fraction of what the
database driver's parsers cost.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from rest_framework.request import Request
from rest_framework.response import Response

from core.rest.representation import TEXT_PREFIX, Row, plan_for, represent_rows


class RowListMixin:
    """``list`` from rows of values; ``row_columns`` adds what the serializer's methods
    read (an annotation, a column), ``complete_rows`` fills lists of ids."""

    row_columns: tuple[str, ...] = ()

    def complete_rows(self, rows: list[Row]) -> None:
        """Fill the many-to-many fields of the page's rows (their lists of ids)."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view: Any = self
        plan = plan_for(view.get_serializer_class())
        if not plan.reads_rows:  # a field only an instance can give: DRF's own way
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        queryset: QuerySet[Any] = view.filter_queryset(view.get_queryset())
        columns = dict.fromkeys([*plan.columns, *self.row_columns])
        # Rows need no related objects; each step is a copy of the query: only when needed.
        if queryset.query.select_related:
            queryset = queryset.select_related(None)
        if queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
            queryset = queryset.prefetch_related(None)
        # Date-times and JSON read as text, parsed faster than the driver parses them; not
        # what the serializer's methods or the pagination read from the row.
        ordering = getattr(view.paginator, "ordering", None) or ()
        kept = {*self.row_columns, *(str(o).lstrip("-") for o in (
            (ordering,) if isinstance(ordering, str) else ordering))}  # fmt: skip
        text = frozenset(name for name in plan.text_columns if name in columns and name not in kept)
        as_text = {TEXT_PREFIX + name: Cast(name, output_field=TextField()) for name in text}
        values = queryset.values(*(name for name in columns if name not in text), **as_text)
        page = view.paginate_queryset(values)
        rows = [Row(row) for row in (values if page is None else page)]
        self.complete_rows(rows)
        # One serializer reads every row.
        data = represent_rows(view.get_serializer(), rows, text=text)
        return Response(data) if page is None else view.get_paginated_response(data)
