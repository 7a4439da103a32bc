"""Query filters that say exactly what they accept, as the schema documents it.

- Ids are whole numbers within a bigint; a foreign key filter never checks that the row
  exists, so an id that does not exist and an id the reader may not see give the same
  answer (an empty list): ids cannot be enumerated through filters.
- Dates are ``YYYY-MM-DD`` and date-times RFC 3339 with an offset, nothing looser; a
  date-time is compared in UTC, clamped to what the database can hold, so no offset or
  year ever reaches PostgreSQL out of its range.
- A parameter given with an empty value (``?organisation=``) is an error, not "no filter":
  the schema says an id is expected.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django import forms
from django.db import models
from django_filters import rest_framework as filters
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from drf_spectacular.utils import extend_schema_field

from core.http import BIGINT_MAX, parse_id

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RFC3339 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<h>[0-9]{2}):(?P<m>[0-9]{2}):(?P<s>[0-9]{2})"
    r"(?:\.(?P<frac>[0-9]+))?(?P<tz>[Zz]|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))"
)
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)
EMPTY_VALUE = "Give a value, or leave this parameter out."


def parse_iso_date(value: str) -> date | None:
    """``YYYY-MM-DD`` and nothing else (Python's own parser also takes ``20240101``)."""
    if not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_rfc3339(value: str) -> datetime | None:
    """An RFC 3339 date-time, in UTC, clamped to the years Python and PostgreSQL share."""
    found = _RFC3339.fullmatch(value)
    if found is None:
        return None
    day = parse_iso_date(found["date"])
    hour, minute, second = int(found["h"]), int(found["m"]), int(found["s"])
    if day is None or hour > 23 or minute > 59 or second > 60:
        return None
    offset_hours, offset_minutes = int(found["oh"] or 0), int(found["om"] or 0)
    if offset_hours > 23 or offset_minutes > 59:
        return None
    micro = int((found["frac"] or "0")[:6].ljust(6, "0"))
    # A leap second (:60) is the last instant of its minute, as far as a filter goes.
    local = datetime(day.year, day.month, day.day, hour, minute, min(second, 59), micro)
    offset = timedelta(hours=offset_hours, minutes=offset_minutes)
    if found["sign"] == "-":
        offset = -offset
    try:
        return local.replace(tzinfo=UTC) - offset
    except OverflowError:
        return _EARLIEST if offset > timedelta(0) else _LATEST


class _PresentField(forms.Field):
    """A query parameter given empty is refused; left out, it is no filter at all."""

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if value == "":
            raise forms.ValidationError(EMPTY_VALUE, code="required")
        return self.parse(str(value))

    def parse(self, value: str) -> Any:
        raise NotImplementedError


class IdField(_PresentField):
    def parse(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise forms.ValidationError(
                f"A whole number from 1 to {BIGINT_MAX} is expected.", code="invalid"
            )
        return number


class IsoDateField(_PresentField):
    def parse(self, value: str) -> date:
        day = parse_iso_date(value)
        if day is None:
            raise forms.ValidationError("A date is expected, as YYYY-MM-DD.", code="invalid")
        return day


class Rfc3339Field(_PresentField):
    def parse(self, value: str) -> datetime:
        moment = parse_rfc3339(value)
        if moment is None:
            raise forms.ValidationError(
                "A date and time is expected, as 2026-03-01T09:30:00+01:00 (RFC 3339).",
                code="invalid",
            )
        return moment


class StrictChoiceField(forms.ChoiceField):
    def to_python(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError(EMPTY_VALUE, code="required")
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        if value not in (None, ""):
            super().validate(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(filters.Filter):
    field_class = IdField


@extend_schema_field({"type": "string", "format": "date"})
class IsoDateFilter(filters.Filter):
    field_class = IsoDateField


@extend_schema_field({"type": "string", "format": "date-time"})
class Rfc3339Filter(filters.Filter):
    field_class = Rfc3339Field


class StrictChoiceFilter(filters.ChoiceFilter):
    field_class = StrictChoiceField


def parameter_problems(data: Any, known: set[str]) -> list[forms.ValidationError]:
    """A parameter the operation does not know, or one given twice (the schema says one
    value): each is an error, never silently read as something else."""
    problems = []
    for name in sorted(set(data)):
        if name not in known:
            problems.append(
                forms.ValidationError(
                    "Unknown parameter: %(name)s.", code="invalid", params={"name": name}
                )
            )
        elif hasattr(data, "getlist") and len(data.getlist(name)) > 1:
            problems.append(
                forms.ValidationError("Give %(name)s once.", code="invalid", params={"name": name})
            )
    return problems


class StrictFilterSet(filters.FilterSet):
    """The base of every API filter set: foreign keys and ids by number, strict dates,
    choices that refuse an empty value, and no parameter it does not know (a misspelt
    filter must not silently mean "all")."""

    # What the pagination and DRF's format suffix read, besides the filters.
    OTHER_PARAMETERS = frozenset({"cursor", "page_size", "format"})

    def is_valid(self) -> bool:
        for message in parameter_problems(self.data, set(self.filters) | self.OTHER_PARAMETERS):
            self.form.add_error(None, message)
        return super().is_valid()

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.AutoField: {"filter_class": IdFilter},
        models.BigAutoField: {"filter_class": IdFilter},
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.DateField: {"filter_class": IsoDateFilter},
        models.DateTimeField: {"filter_class": Rfc3339Filter},
    }

    @classmethod
    def filter_for_lookup(cls, field: models.Field, lookup_type: str) -> tuple[Any, dict]:
        filter_class, params = super().filter_for_lookup(field, lookup_type)
        if filter_class is filters.ChoiceFilter:
            filter_class = StrictChoiceFilter
        return filter_class, params


class StrictFilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, which builds and validates a filter set (its filters, its
    form) on every request; a request without a parameter filters nothing and names no
    unknown parameter, so it skips that work and lists the queryset as it is."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if not request.query_params:
            return queryset
        return super().filter_queryset(request, queryset, view)
