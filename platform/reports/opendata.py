"""Open data: the city's monthly figures as CSV and JSON files of one published Table
Schema (``reports/schema/entraide-monthly.schema.json``, described field by field in
``docs/open-data.md``), and the reading of other cities' files of the same schema.

The files carry exactly what ``/statistiques/`` shows (``reports.statistics``), with the
same small-count rule. Files are validated with the ``frictionless`` library, the
reference implementation of the Frictionless Data standards.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.csv_files import write_rows
from core.small_counts import FEWER, HIDDEN, SHOWN, Published
from reports.statistics import ALL, FLOWS, KINDS, STOCKS, Statistics

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "entraide-monthly.schema.json"
STATUS_CODES = {SHOWN: "shown", FEWER: "fewer_than_threshold", HIDDEN: "hidden"}
MAX_UPLOAD_BYTES = 5 * 2**20
MAX_ROWS = 100_000
FIELDS_MATCH = "partial"  # any order, optional and extra columns allowed


@cache
def schema_descriptor() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def field_names() -> list[str]:
    return [field["name"] for field in schema_descriptor()["fields"]]


def _row(month: date, kind: str, measure: str, cell: Published) -> dict[str, Any]:
    return {
        "city": str(settings.ENTRAIDE_CITY_NAME),
        "population": settings.ENTRAIDE_CITY_POPULATION,
        "month": month.strftime("%Y-%m"),
        "kind": kind,
        "measure": measure,
        "value": cell.value if cell.shown else None,
        "status": STATUS_CODES[cell.status],
        "threshold": cell.threshold,
    }


def rows(statistics: Statistics, months: Iterable[date]) -> list[dict[str, Any]]:
    """The file's rows for ``months`` (complete months only), in a stable order."""
    found = []
    for month in months:
        for measure in FLOWS:
            for kind in (*KINDS, ALL):
                found.append(_row(month, kind, measure, statistics.value(measure, month, kind)))
        for measure in STOCKS:
            found.append(
                _row(month, "housing", measure, statistics.value(measure, month, "housing"))
            )
    return found


def as_csv(data: list[dict[str, Any]]) -> str:
    names = field_names()
    return write_rows(names, ([row[name] for name in names] for row in data))


def as_json(data: list[dict[str, Any]]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


def data_package(statistics: Statistics) -> dict[str, Any]:
    """A Frictionless Data Package listing every published month, CSV and JSON."""
    resources = []
    for month in statistics.complete_months:
        stamp = month.strftime("%Y-%m")
        for file_format, media in (("csv", "text/csv"), ("json", "application/json")):
            resources.append(
                {
                    "name": f"entraide-{stamp}-{file_format}",
                    "path": f"{stamp}.{file_format}",
                    "format": file_format,
                    "mediatype": media,
                    "encoding": "utf-8",
                    "schema": "schema.json",
                }
            )
    return {
        "name": "entraide-monthly-figures",
        "title": _("Entraide: monthly figures of %(city)s") % {"city": settings.ENTRAIDE_CITY_NAME},
        "description": schema_descriptor()["description"],
        "licenses": [{"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence 2.0"}],
        "resources": resources,
    }


# --- Reading other cities' files ----------------------------------------------------------


class InvalidFile(ValueError):
    """A file that does not follow the schema; ``problems`` says where, in words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _resource(content: bytes, file_format: str) -> Any:
    from frictionless import Resource, Schema

    # Columns are matched by name, so an optional one (population) may be left out; the
    # required ones are checked apart (``_missing_columns``).
    schema = Schema.from_descriptor({**schema_descriptor(), "fieldsMatch": FIELDS_MATCH})
    if file_format == "json":
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidFile(
                [_("This is not a JSON file: %(error)s") % {"error": error}]
            ) from error
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise InvalidFile([_("The JSON file must hold a list of rows (objects).")])
        if not data:
            raise InvalidFile([_("The file holds no row.")])
        names = field_names()
        table = [names] + [[item.get(name) for name in names] for item in data]
        return Resource(data=table, schema=schema)
    return Resource(data=content, format="csv", schema=schema)


def _missing_columns(resource: Any) -> list[str]:
    with resource:
        labels = set(resource.labels or [])
    required = [
        field["name"]
        for field in schema_descriptor()["fields"]
        if field.get("constraints", {}).get("required")
    ]
    return [
        _("The column “%(name)s” is missing.") % {"name": name}
        for name in required
        if name not in labels
    ]


def validate(content: bytes, file_format: str) -> list[str]:
    """The problems of a file against the schema, in words (empty: the file is valid).
    Beyond the schema: a value is given exactly when its status is "shown", no shown
    value is a small count, and the file is about one city."""
    if len(content) > MAX_UPLOAD_BYTES:
        return [_("The file is larger than 5 MB.")]
    try:
        resource = _resource(content, file_format)
    except InvalidFile as error:
        return error.problems
    missing = _missing_columns(resource)
    if missing:
        return missing
    report = resource.validate(limit_errors=20)
    if not report.valid:
        return [
            _("Row %(row)s, %(field)s: %(message)s")
            % {"row": row or "—", "field": name or "—", "message": message}
            for row, name, message in report.flatten(["rowNumber", "fieldName", "message"])
        ][:20]
    return _consistency(read_rows(content, file_format))


def _consistency(data: list[dict[str, Any]]) -> list[str]:
    problems = []
    if not data:
        return [_("The file holds no row.")]
    if len(data) > MAX_ROWS:
        return [_("The file has more than 100,000 rows.")]
    if len({row["city"] for row in data}) > 1:
        problems.append(_("The file mixes several cities: upload one file per city."))
    for number, row in enumerate(data, start=2):
        shown = row["status"] == "shown"
        if shown != (row["value"] is not None):
            problems.append(
                _("Row %(row)s: a value is given exactly when the status is “shown”.")
                % {"row": number}
            )
        elif shown and 0 < row["value"] < row["threshold"]:
            problems.append(
                _("Row %(row)s: a count under the threshold is published.") % {"row": number}
            )
        if len(problems) >= 20:
            break
    return problems


def read_rows(content: bytes, file_format: str) -> list[dict[str, Any]]:
    """The typed rows of a valid file: month as "YYYY-MM", counts as integers."""
    resource = _resource(content, file_format)
    found = []
    with resource:
        for row in resource.row_stream:
            values = row.to_dict()
            record = {name: values.get(name) for name in field_names()}
            month = record["month"]
            record["month"] = f"{month[0]:04d}-{month[1]:02d}" if month else ""
            found.append(record)
    return found
