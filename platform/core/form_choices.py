"""Choices among rows read once for many forms.

A form's model choice (a district, a category) costs a query each time it is cleaned: one
per row when an import puts a spreadsheet's rows through the same forms. ``RowsReadOnce``
reads each field's own queryset once for the whole file, and ``ModelChoiceReadOnce`` picks
the choice among those rows; without them the field behaves as Django's.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet


class RowsReadOnce:
    """The rows of each choice queryset, read the first time a form asks for them."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, Model]] = {}

    def rows(self, queryset: QuerySet[Any]) -> dict[str, Model]:
        key = f"{queryset.model._meta.label}:{queryset.query}"
        if key not in self._rows:
            self._rows[key] = {str(row.pk): row for row in queryset}
        return self._rows[key]


class ModelChoiceReadOnce(forms.ModelChoiceField):
    """A ``ModelChoiceField`` that, once given ``rows``, looks the value up among them."""

    rows: dict[str, Model] | None = None

    def to_python(self, value: Any) -> Model | None:
        if self.rows is None or value in self.empty_values:
            return super().to_python(value)
        key = str(getattr(value, "pk", value))
        if key not in self.rows:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return self.rows[key]


def read_choices_once(form: forms.BaseForm, memo: RowsReadOnce) -> None:
    """Every ``ModelChoiceReadOnce`` of ``form`` chooses among rows ``memo`` read once."""
    for field in form.fields.values():
        if isinstance(field, ModelChoiceReadOnce) and field.queryset is not None:
            field.rows = memo.rows(field.queryset)
