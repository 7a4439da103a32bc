"""What every API serializer shares: dates read as the schema says, bodies that must be
objects, and helpers to read an action's body through a serializer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from django.db import models
from rest_framework import serializers
from rest_framework.request import Request

from core.rest.filters import parse_iso_date, parse_rfc3339

S = TypeVar("S", bound=serializers.Serializer)


class StrictDateField(serializers.DateField):
    """``YYYY-MM-DD`` only (the schema's ``format: date``), not Python's looser forms."""

    def to_internal_value(self, value: Any) -> date:
        day = parse_iso_date(value) if isinstance(value, str) else None
        if day is None:
            self.fail("invalid", format="YYYY-MM-DD")
        assert day is not None
        return day


class StrictDateTimeField(serializers.DateTimeField):
    """RFC 3339 with an offset only (the schema's ``format: date-time``)."""

    def to_internal_value(self, value: Any) -> datetime:
        moment = parse_rfc3339(value) if isinstance(value, str) else None
        if moment is None:
            self.fail("invalid", format="YYYY-MM-DDThh:mm:ss±hh:mm")
        assert moment is not None
        return moment


class ModelSerializer(serializers.ModelSerializer):
    """The base of every model serializer of the API."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: StrictDateField,
        models.DateTimeField: StrictDateTimeField,
    }


def read_body(request: Request, serializer_class: type[S]) -> S:
    """An action's body, validated by ``serializer_class`` (a 400 if it is not an object
    with the right fields)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer
