"""What every API serializer shares: dates read as the schema says, bodies that must be
objects, and helpers to read an action's body through a serializer."""

from __future__ import annotations

import copy
from collections.abc import Callable, MutableMapping
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.request import Request

from core.rest import representation
from core.rest.filters import parameter_problems, parse_iso_date, parse_rfc3339

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

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


class _JsonTyped:
    """Take only values of the JSON type the schema gives: DRF would also turn ``0`` into
    ``"0"`` for a text, ``"12"`` into ``12`` for a number or ``"yes"`` into ``True``."""

    json_types: tuple[type, ...] = ()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) != (bool in self.json_types) or not isinstance(
            data, self.json_types
        ):
            self.fail("incorrect_json_type")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


def _many_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if k in MANY_RELATION_KWARGS}


_WRONG_TYPE: dict[str, str | StrPromise] = {
    "incorrect_json_type": "The value is not of the type this field takes."
}


class StrictCharField(_JsonTyped, serializers.CharField):
    """Text as sent: its length is counted as the schema counts it, before any trimming
    (the services trim what they keep)."""

    json_types = (str,)
    default_error_messages = _WRONG_TYPE

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)


class StrictEmailField(_JsonTyped, serializers.EmailField):
    json_types = (str,)
    default_error_messages = _WRONG_TYPE


class StrictIntegerField(_JsonTyped, serializers.IntegerField):
    json_types = (int,)
    default_error_messages = _WRONG_TYPE


class StrictDecimalField(_JsonTyped, serializers.DecimalField):
    """An amount as a JSON number, cut to its decimal places (the schema's bounds are
    minimum and maximum; fractions of a cent are dropped, not refused, and never rounded
    up past the maximum)."""

    json_types = (int, float)
    default_error_messages = _WRONG_TYPE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rounding", ROUND_DOWN)
        super().__init__(*args, **kwargs)

    def validate_precision(self, value: Decimal) -> Decimal:
        # Cut first, then count the digits: 12345.678 is 12345.67, which fits.
        if self.decimal_places is not None and value.is_finite():
            try:
                value = value.quantize(Decimal(1).scaleb(-self.decimal_places), self.rounding)
            except InvalidOperation:  # more digits than any context holds: far too big
                self.fail("max_digits", max_digits=self.max_digits)
        return super().validate_precision(value)


class StrictBooleanField(_JsonTyped, serializers.BooleanField):
    json_types = (bool,)
    default_error_messages = _WRONG_TYPE


class StrictManyRelatedField(serializers.ManyRelatedField):
    """A list of ids as a JSON array (DRF would also take an object, iterating its keys)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class StrictPrimaryKeyRelatedField(_JsonTyped, serializers.PrimaryKeyRelatedField):
    """An id as a JSON number (not ``"12"``); naming nothing is a rule, a 422."""

    json_types = (int,)
    default_error_messages = _WRONG_TYPE

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> StrictManyRelatedField:
        # DRF's RelatedField.many_init, with the strict list around the same child.
        child = cls(*args, **kwargs)
        return StrictManyRelatedField(child_relation=child, **_many_kwargs(kwargs))


class ReferencePrimaryKeyRelatedField(StrictPrimaryKeyRelatedField):
    """An id of reference data (a district, a category) resolved by ``lookup`` (one of
    ``core.reference``'s cached readers) instead of a query per request. ``queryset`` still
    says what the id names, for the schema; the answers are DRF's, word for word."""

    def __init__(self, *, lookup: Callable[[int], models.Model | None], **kwargs: Any) -> None:
        self.lookup = lookup
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_json_type")
        found = self.lookup(data)
        if found is None:
            self.fail("does_not_exist", pk_value=data)
        return found


_BUILT_FIELDS: dict[type, dict[str, Any]] = {}


def _fresh(field: Any) -> Any:
    """A new, unbound field in the state ``field`` was built in: its attributes copied,
    not its constructor called again as DRF's ``Field.__deepcopy__`` does (a twentieth of
    the time, for the forty fields of an offer); what they hold (choices, validators,
    messages, querysets) is only read while a request is validated and answered. Child
    fields (of a list, of a many-to-many) are copied the same way and bound to the copy;
    a nested serializer is deep-copied, as DRF does."""
    if isinstance(field, serializers.BaseSerializer):
        return copy.deepcopy(field)
    new = object.__new__(type(field))
    new.__dict__.update(field.__dict__)
    for name in ("child", "child_relation"):
        child = field.__dict__.get(name)
        if isinstance(child, serializers.Field):
            copied = new.__dict__[name] = _fresh(child)
            # The source it was made with, as before its parent bound it.
            copied.source = child._kwargs.get("source")  # type: ignore[attr-defined]
            copied.bind(field_name="", parent=new)
    return new


class ModelSerializer(serializers.ModelSerializer):
    """The base of every model serializer of the API."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.IntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.PositiveBigIntegerField: StrictIntegerField,
        models.BooleanField: StrictBooleanField,
        models.DecimalField: StrictDecimalField,
        models.DateField: StrictDateField,
        models.DateTimeField: StrictDateTimeField,
    }
    serializer_related_field = StrictPrimaryKeyRelatedField

    def get_fields(self) -> dict[str, Any]:
        """The fields DRF would build, built from the model once per class and copied per
        serializer (``_fresh``), instead of read from the model's meta for each request.
        A subclass may still change its copy (``NeedSerializer`` makes keys read-only on a
        need)."""
        fields = _BUILT_FIELDS.get(type(self))
        if fields is None:
            fields = _BUILT_FIELDS[type(self)] = super().get_fields()
        return {name: _fresh(field) for name, field in fields.items()}

    def to_representation(self, instance: Any) -> Any:
        # The same dict as DRF's, from fields read once per class (core/rest/representation.py).
        data = representation.represent(self, instance)
        return super().to_representation(instance) if data is None else data

    def include_extra_kwargs(
        self, kwargs: MutableMapping[str, Any], extra_kwargs: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        # DRF drops ``allow_blank`` from read-only fields, so the schema of a read-only
        # choice left blank ("declined_by": "") would list its choices only: keep it, the
        # answer may be empty and the schema must say so.
        blank = kwargs.get("allow_blank", False) and "choices" in kwargs
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank and kwargs.get("read_only"):
            kwargs["allow_blank"] = True
        return kwargs


def read_query(request: Request, serializer_class: type[S]) -> S:
    """An operation's query parameters, validated by ``serializer_class``; a parameter it
    does not declare is a 400 (a misspelt filter must not silently mean "all")."""
    problems = parameter_problems(request.query_params, set(serializer_class().fields))
    if problems:
        raise serializers.ValidationError([p.message % p.params for p in problems])
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer


def read_body(request: Request, serializer_class: type[S]) -> S:
    """An action's body, validated by ``serializer_class`` (a 400 if it is not an object
    with the right fields)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer
