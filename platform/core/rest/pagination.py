"""Keyset (cursor) pagination: constant cost per page, no ``COUNT(*)``, strict parameters."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from core.http import parse_id


class KeysetPagination(CursorPagination):
    """Cursor pagination over a unique, indexed ordering (``-id`` unless a view says).

    A cursor is opaque to clients but not trusted: its position must be a value of the
    ordering column, or the answer is a 404 (no such page), so a forged ``p=abc`` never
    reaches the database; ``page_size`` must be a whole number between 1 and
    ``max_page_size``, or the answer is a 400.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
    invalid_cursor_message = "Invalid cursor: use the next or previous link of a page."

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        if len(request.query_params.getlist(self.page_size_query_param)) > 1:
            raise ValidationError({self.page_size_query_param: "Give it once."})
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        size = parse_id(value)
        if size is None or not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: f"A whole number from 1 to {self.max_page_size}."}
            )
        return size

    def decode_cursor(self, request: Request) -> Cursor | None:
        # A cursor that does not decode names no page: a 404, as DRF answers.
        if len(request.query_params.getlist(self.cursor_query_param)) > 1:
            raise NotFound(self.invalid_cursor_message)
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        position = self._checked_position(str(cursor.position))
        return cursor._replace(position=position)  # type: ignore[arg-type]

    def _checked_position(self, position: str) -> str:
        name = self.ordering[0].lstrip("-") if isinstance(self.ordering, tuple) else "id"
        try:
            field = self._model._meta.get_field("id" if name == "pk" else name)
        except FieldDoesNotExist:
            return position
        if isinstance(field, models.IntegerField | models.AutoField):
            if parse_id(position, allow_zero=True) is None:
                raise NotFound(self.invalid_cursor_message)
            return position
        try:
            field.to_python(position)
        except (DjangoValidationError, ValueError, OverflowError) as error:
            raise ValidationError({self.cursor_query_param: self.invalid_cursor_message}) from error
        return position

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters
