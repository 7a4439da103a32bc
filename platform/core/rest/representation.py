"""Model instances to JSON-ready dicts without rebuilding a serializer's fields per request.

DRF builds every field of a model serializer again for each request (reading the model's
meta, copying validators), then, for each row and each field, walks a generic path:
``get_attribute`` with its exception handling, a check for ``None``, ``to_representation``.
On a list of fifty offers of 36 fields that is about half of the request's CPU.

This module reads a serializer class once, from a prototype instance, and keeps for each
readable field a *getter* (how to read the value from the instance) and a *converter*
(how to turn it into JSON). The converters of the common field types repeat DRF's own
``to_representation`` exactly (the tests compare both, field by field); every other field
keeps DRF's path on the prototype's field, and the fields that depend on the request (a
method of the serializer, a nested serializer, a hyperlink) are read from the live
serializer. The JSON is the same, and so is the schema: the serializer classes do not
change, only how they are run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from operator import itemgetter
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

Getter = Callable[[Any], Any]
Converter = Callable[[Any], Any]
# A field read from the live serializer: (name, how to compute it from (serializer, row)).
Live = Callable[[Any, Any], Any]

_MISSING = object()
# The current time zone, read once for a whole list by ``represent_rows`` (reading it costs
# as much as building a row's dict).
_list_zone: ContextVar[Any] = ContextVar("representation_zone", default=None)
# The columns a list's rows hold as text (``Plan.text_columns``), set by ``represent_rows``.
_list_text: ContextVar[tuple[Any, frozenset[str]]] = ContextVar(
    "representation_text", default=(None, frozenset())
)

# A column read as text is in the row under this prefix and its name.
TEXT_PREFIX = "text_of_"


def _same(value: Any) -> Any:
    return value


def _string(value: Any) -> Any:
    return value if type(value) is str else str(value)


def _integer(value: Any) -> Any:
    return value if type(value) is int else int(value)


def _float(value: Any) -> Any:
    return value if type(value) is float else float(value)


def _choice(field: serializers.ChoiceField) -> Converter:
    lookup = field.choice_strings_to_values

    def convert(value: Any) -> Any:
        if value == "":
            return value
        if isinstance(value, Enum) and str(value) != str(value.value):
            value = value.value
        return lookup.get(str(value), value)

    return convert


def _boolean(field: serializers.BooleanField) -> Converter:
    slow = field.to_representation
    return lambda value: value if type(value) is bool else slow(value)


def _datetime(value: Any, zone: Any = None) -> Any:
    """DRF's ``DateTimeField.to_representation`` in ISO 8601; ``zone`` is the current time
    zone, read once per row by ``Plan.represent`` rather than once per field."""
    if not value:
        return None
    if isinstance(value, str):
        return value
    zone = zone or timezone.get_current_timezone()
    value = value.astimezone(zone) if timezone.is_aware(value) else timezone.make_aware(value, zone)
    text: str = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _datetime_of_text(text: str, zone: Any) -> str:
    """``_datetime`` of a date-time the database gave as text (PostgreSQL's, with its
    offset; SQLite's, in UTC without one): ``fromisoformat`` reads it for a fraction of
    what the driver's parser costs."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    out = moment.astimezone(zone).isoformat()
    return out[:-6] + "Z" if out.endswith("+00:00") else out


def _json_of_text(text: Any) -> Any:
    """A JSON column the database gave as text, read by orjson (the standard library's
    reader, which the model field calls, is several times slower); the same values, and
    the standard reader for what orjson refuses (an integer past 64 bits)."""
    if not isinstance(text, str):
        return text  # a backend that decodes JSON itself
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _date(value: Any) -> Any:
    if not value or isinstance(value, str):
        return value or None
    return value.isoformat()


_ANY = object()


def _native(converter: Converter, field: drf_fields.Field) -> Any:
    """The type of value ``converter`` returns unchanged (``_ANY``: every value), so that
    the common case skips the call: a text for a text or a choice of texts, a number for
    a number, a boolean for a boolean."""
    if converter is _same:
        return _ANY
    if converter is _string or converter is _integer or converter is _float:
        return {_string: str, _integer: int, _float: float}[converter]
    if isinstance(field, serializers.BooleanField) and _uses_base(field, serializers.BooleanField):
        return bool
    if (
        isinstance(field, serializers.ChoiceField)
        and _uses_base(field, serializers.ChoiceField)
        and all(type(key) is str for key in field.choices)
    ):
        return str
    return None


def _uses_base(field: drf_fields.Field, base: type[drf_fields.Field]) -> bool:
    return type(field).to_representation is base.to_representation


def _converter(field: drf_fields.Field) -> Converter | None:
    """A converter equal to ``field.to_representation`` for a value that is not None, or
    None to keep DRF's own path."""
    if isinstance(field, serializers.ChoiceField) and _uses_base(field, serializers.ChoiceField):
        return _choice(field)
    if isinstance(field, serializers.CharField) and _uses_base(field, serializers.CharField):
        return _string
    if isinstance(field, serializers.IntegerField) and _uses_base(field, serializers.IntegerField):
        return _integer
    if (
        isinstance(field, serializers.BigIntegerField)
        and _uses_base(field, serializers.BigIntegerField)
        and not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    ):
        return _integer  # a big id (``BigAutoField``) answered as a number, as DRF does
    if isinstance(field, serializers.BooleanField) and _uses_base(field, serializers.BooleanField):
        return _boolean(field)
    if isinstance(field, serializers.FloatField) and _uses_base(field, serializers.FloatField):
        return _float
    iso = ISO_8601
    if (
        isinstance(field, serializers.DateTimeField)
        and _uses_base(field, serializers.DateTimeField)
        and not hasattr(field, "timezone")
        and settings.USE_TZ
        and getattr(field, "format", api_settings.DATETIME_FORMAT) == iso
    ):
        return _datetime
    if (
        isinstance(field, serializers.DateField)
        and _uses_base(field, serializers.DateField)
        and getattr(field, "format", api_settings.DATE_FORMAT) == iso
    ):
        return _date
    if isinstance(field, serializers.JSONField) and not field.binary:
        return _same
    if isinstance(field, serializers.ListField) and _uses_base(field, serializers.ListField):
        return _list(field.child)
    return None


def _list(field: drf_fields.Field) -> Converter:
    """DRF's ``ListField.to_representation`` with ``field`` for its items; a list whose
    items are all of the type the item's converter returns as it is (a list of choices
    read from JSON) is copied without a call per item."""
    child = _converter(field) or field.to_representation
    native = _native(child, field)

    def convert(items: Any) -> Any:
        if native is _ANY or (native is not None and all(type(i) is native for i in items)):
            return list(items)
        return [None if item is None else child(item) for item in items]

    return convert


def _getter(field: drf_fields.Field, model: type[models.Model]) -> Getter | None:
    """A getter equal to ``field.get_attribute`` on an instance of ``model`` (the id for a
    related field DRF reads by its key alone), or None to keep DRF's path."""
    if len(field.source_attrs) != 1 or field.source == "*":
        return None
    name = field.source_attrs[0]
    try:
        model_field = model._meta.get_field(name)
    except Exception:  # a property or a method: DRF's path calls it as it must
        return None
    if not getattr(model_field, "concrete", False):
        return None
    if isinstance(field, relations.RelatedField):
        is_key_only = (
            isinstance(field, relations.PrimaryKeyRelatedField)
            and field.pk_field is None
            and model_field.is_relation
        )
        if not is_key_only:
            return None
        attname = str(getattr(model_field, "attname", name))
        return lambda row: getattr(row, attname)
    if model_field.is_relation:
        return None
    return lambda row: getattr(row, name)


# What the database gives for a column of these model fields, whatever the backend (the
# types of ``values()``): a text, a whole number, a boolean.
_TEXTS = ["CharField", "TextField", "SlugField", "EmailField", "URLField"]
_NUMBERS = [
    "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "PositiveBigIntegerField", "AutoField", "BigAutoField",
    "SmallAutoField",
]  # fmt: skip
_COLUMN_TYPES: dict[str, type] = {
    **dict.fromkeys(_TEXTS, str),
    **dict.fromkeys(_NUMBERS, int),
    "BooleanField": bool,
}


def _column_type(model: type[models.Model] | None, name: str) -> type | None:
    """The type of every value (None aside) a row of values holds for ``name``, or None
    when it is not known (a field that converts what it reads, a relation, a property)."""
    if model is None:
        return None
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if model_field.is_relation or hasattr(model_field, "from_db_value"):
        return None
    return _COLUMN_TYPES.get(model_field.get_internal_type())


def _text_kind(
    model: type[models.Model] | None, name: str, field: drf_fields.Field, converter: Converter
) -> str | None:
    """Whether a list may read this column as text and convert it itself: a date-time
    answered in ISO 8601, or JSON answered as it is or as a list (a model field that
    reads JSON its own way, with a decoder, is left to it)."""
    try:
        model_field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None
    if model_field is None or model_field.is_relation:
        return None
    kind = model_field.get_internal_type()
    if kind == "DateTimeField" and converter is _datetime:
        return "datetime"
    as_json = converter is _same or (
        isinstance(field, serializers.ListField) and _uses_base(field, serializers.ListField)
    )
    if kind == "JSONField" and as_json and getattr(model_field, "decoder", 1) is None:
        return "json"
    return None


def _needs_request(field: drf_fields.Field) -> bool:
    """Nested serializers and hyperlinks read the request from the serializer's context."""
    if isinstance(field, relations.ManyRelatedField):
        field = field.child_relation
    return isinstance(field, serializers.BaseSerializer | relations.HyperlinkedRelatedField)


class Row(dict[str, Any]):
    """One row of ``values()``, whose columns also read as attributes (for a serializer's
    methods): a list reads rows, not model instances, which cost most of its time."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(slots=True)
class Step:
    """How one field is read: by a getter and a converter (``key`` for a row; ``native``,
    the type the converter returns as it is), by the live serializer (``compute``), or by
    DRF's own path on the prototype's field."""

    name: str
    getter: Getter | None = None
    key: str | None = None
    converter: Converter | None = None
    native: Any = None
    field: Any = None
    compute: Live | None = None
    ids: bool = False
    # Whether every value of the column, in a row of values, is already of type ``native``.
    column_native: bool = False
    # "datetime" or "json": a column a list may read as text (``Plan.text_columns``).
    text_kind: str | None = None


class Plan:
    """How one serializer class turns an instance, or a row of values, into a dict."""

    def __init__(self, serializer_class: type[serializers.Serializer]) -> None:
        prototype = serializer_class(context={})
        model = getattr(getattr(prototype, "Meta", None), "model", None)
        self.steps = [
            self._step(field, model) for field in prototype.fields.values() if not field.write_only
        ]
        # The columns a row needs (``values(*columns)``); lists of ids come separately.
        self.columns = [step.key for step in self.steps if step.key and not step.ids]
        # Whether a row of values can stand for an instance: every field is a column, a
        # list of ids or a method of the serializer.
        self.reads_rows = all(step.key or step.compute for step in self.steps)
        self.rows = _RowRecipe(self.steps) if self.reads_rows else None
        # The columns a list may read as text, parsed here faster than the driver would:
        # date-times and JSON (``TEXT_PREFIX``).
        self.text_columns = {str(s.key): s.text_kind for s in self.steps if s.text_kind}
        self._recipes: dict[frozenset[str], _RowRecipe] = {}

    def recipe(self, text: frozenset[str]) -> _RowRecipe | None:
        """How rows are represented whose ``text`` columns were read as text."""
        if not text or self.rows is None:
            return self.rows
        found = self._recipes.get(text)
        if found is None:
            found = self._recipes[text] = _RowRecipe(self.steps, text)
        return found

    @staticmethod
    def _step(field: drf_fields.Field, model: type[models.Model] | None) -> Step:
        name = str(field.field_name)
        if isinstance(field, serializers.SerializerMethodField):
            method = field.method_name

            def method_value(live: Any, row: Any) -> Any:
                return getattr(live, method)(row)

            return Step(name, compute=method_value)
        if _needs_request(field):
            return Step(name, compute=lambda live, row: _drf_value(live.fields[name], row))
        if _is_id_list(field):
            return Step(name, field=field, key=field.source, ids=True)
        getter = _getter(field, model) if model is not None else None
        if getter is None:
            return Step(name, field=field)
        # A column: DRF reads it as this getter does, then converts what is not None.
        if isinstance(field, relations.RelatedField):  # DRF answers the id it read
            converter: Converter = _same
        else:
            converter = _converter(field) or field.to_representation
        native = _native(converter, field)
        return Step(
            name,
            getter=getter,
            key=field.source,
            converter=converter,
            native=native,
            column_native=native is not None and _column_type(model, str(field.source)) is native,
            text_kind=_text_kind(model, str(field.source), field, converter),
        )

    def represent(self, live: serializers.Serializer, row: Any) -> dict[str, Any]:
        zone = _list_zone.get() or timezone.get_current_timezone()
        if self.rows is not None and type(row) is Row:
            plan, text = _list_text.get()
            recipe = self.recipe(text) if plan is self else self.rows
            return recipe.represent(live, row, zone)
        result: dict[str, Any] = {}
        for step in self.steps:
            if step.converter is not None:
                value = step.getter(row)  # type: ignore[misc]
                if value is None or step.native is _ANY or type(value) is step.native:
                    result[step.name] = value  # what the converter would return as it is
                elif step.converter is _datetime:
                    result[step.name] = _datetime(value, zone)
                else:
                    result[step.name] = step.converter(value)
            elif step.compute is not None:
                result[step.name] = step.compute(live, row)
            else:
                value = _drf_value(step.field, row)
                if value is not _MISSING:
                    result[step.name] = value
        return result


class _RowRecipe:
    """How a row of values becomes a representation: every column copied in the fields'
    order in one pass (most values are already what DRF answers: a text, a number, a
    boolean, a list of JSON), then only the values DRF converts (a date, a date-time, a
    list of choices) converted, then the serializer's methods."""

    def __init__(self, steps: list[Step], text: frozenset[str] = frozenset()) -> None:
        first = next((step.key for step in steps if step.key), None)
        # A method's field takes its place in the order with any column, then its value;
        # a column read as text is under its own name.
        if first in text:
            first = TEXT_PREFIX + first
        keys = [TEXT_PREFIX + step.key if step.key in text else step.key or first
                for step in steps]  # fmt: skip
        self.names = tuple(step.name for step in steps)
        self.pick: Callable[[Row], tuple[Any, ...]] | None = None
        if len(keys) > 1 and first is not None:
            self.pick = itemgetter(*keys)
        elif first is not None:
            only = str(keys[0])
            self.pick = lambda row: (row[only],)
        self.converted: list[tuple[str, Any, Any]] = [
            (step.name, None, _of_text(step))
            if step.key in text
            else (step.name, step.native, step.converter)
            for step in steps
            if step.key in text
            or (step.converter is not None and step.native is not _ANY and not step.column_native)
        ]
        self.ids = [step.name for step in steps if step.ids]
        self.computed = [(step.name, step.compute) for step in steps if step.compute]

    def represent(self, live: serializers.Serializer, row: Row, zone: Any) -> dict[str, Any]:
        result = dict(zip(self.names, self.pick(row), strict=True)) if self.pick else {}
        for name, native, converter in self.converted:
            value = result[name]
            if value is None or type(value) is native:
                continue  # what the converter would return as it is
            if converter is _datetime_of_text:
                result[name] = _datetime_of_text(value, zone)
            elif converter is not _datetime:
                result[name] = converter(value)
            elif type(value) is datetime and value.utcoffset() is not None:
                text = value.astimezone(zone).isoformat()  # ``_datetime``, inlined: the usual
                result[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
            else:
                result[name] = _datetime(value, zone)
        for name in self.ids:
            result[name] = list(result[name])
        for name, compute in self.computed:
            result[name] = compute(live, row)
        return result


def _of_text(step: Step) -> Callable[..., Any]:
    """The converter of a column read as text: the date-time's or JSON's reader, then for
    a list the step's own converter (a list of choices)."""
    if step.text_kind == "datetime":
        return _datetime_of_text
    then = step.converter
    if then is None or then is _same:
        return _json_of_text
    return lambda text: then(_json_of_text(text))


def _is_id_list(field: drf_fields.Field) -> bool:
    """A many-to-many answered as a list of ids (a row carries the ids themselves)."""
    return (
        isinstance(field, relations.ManyRelatedField)
        and type(field.child_relation).to_representation
        is relations.PrimaryKeyRelatedField.to_representation
        and getattr(field.child_relation, "pk_field", None) is None
        and len(field.source_attrs) == 1
    )


def _drf_value(field: drf_fields.Field, row: Any) -> Any:
    """One field of DRF's ``Serializer.to_representation``, as DRF does it."""
    try:
        attribute = field.get_attribute(row)
    except SkipField:
        return _MISSING
    check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    return None if check is None else field.to_representation(attribute)


_plans: dict[type, Plan] = {}


def plan_for(serializer_class: type[serializers.Serializer]) -> Plan:
    plan = _plans.get(serializer_class)
    if plan is None:
        plan = _plans[serializer_class] = Plan(serializer_class)
    return plan


def represent_rows(
    serializer: serializers.Serializer, rows: Iterable[Any], *, text: frozenset[str] = frozenset()
) -> list[Any]:
    """Each row as ``serializer`` represents it (its own ``to_representation``, if it adds
    to it), with the current time zone read once for the list; ``text``: the columns the
    rows hold as text (``Plan.text_columns``)."""
    token = _list_zone.set(timezone.get_current_timezone())
    read_as_text = _list_text.set((plan_for(type(serializer)), text))
    try:
        return [serializer.to_representation(row) for row in rows]
    finally:
        _list_text.reset(read_as_text)
        _list_zone.reset(token)


def represent(serializer: serializers.Serializer, instance: Any) -> dict[str, Any] | None:
    """``instance`` (a model instance or a ``Row``) as ``serializer`` represents it, or
    None for DRF's own path (another mapping, or a serializer that asked for it with
    ``compiled_representation = False``)."""
    if not getattr(serializer, "compiled_representation", True):
        return None
    if isinstance(instance, Mapping) and type(instance) is not Row:
        return None
    return plan_for(type(serializer)).represent(serializer, instance)
