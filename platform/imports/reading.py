"""Reading the city's spreadsheets with tablib (and openpyxl for XLSX, with defusedxml
guarding against XML bombs): a header row, then one row per offer or need."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import tablib
from django.utils.translation import gettext as _

from core.errors import DomainError

MAX_BYTES = 10 * 2**20
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[dict[str, Any]]  # header → cell, as read (text, number, date)


def normalise(text: Any) -> str:
    """Lower case, no accents, letters and digits only: "Téléphone (appelant)" and
    "telephone appelant" are the same column."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def file_format(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        return "xlsx"
    if lowered.endswith((".csv", ".txt")):
        return "csv"
    raise DomainError(_("Upload a CSV or XLSX file."), code="format")


def _text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # Excel in French saves CSV in Windows-1252
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(_("The file's characters cannot be read: save it as UTF-8."), code="encoding")


def _dataset(content: bytes, kind: str) -> tablib.Dataset:
    if kind == "xlsx":
        return tablib.Dataset().load(content, format="xlsx")
    text = _text(content)
    sample = text[:20_000]
    try:
        delimiter = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", ",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return tablib.Dataset().load(text, format="csv", delimiter=delimiter)


def read(content: bytes, kind: str) -> Sheet:
    """The sheet's headers and rows, or a DomainError saying what is wrong with the file."""
    if len(content) > MAX_BYTES:
        raise DomainError(_("The file is larger than 10 MB: split it."), code="too_big")
    try:
        data = _dataset(content, kind)
    except DomainError:
        raise
    except Exception as error:  # tablib and openpyxl raise many kinds for a broken file
        raise DomainError(
            _("This file cannot be read as %(format)s.") % {"format": kind.upper()},
            code="unreadable",
        ) from error
    headers = [str(h).strip() if h not in (None, "") else "" for h in (data.headers or [])]
    headers = [h or _("Column %(number)s") % {"number": i + 1} for i, h in enumerate(headers)]
    if len(set(headers)) != len(headers):
        raise DomainError(_("Two columns have the same title: rename one."), code="headers")
    rows = []
    for values in data:
        if all(value in (None, "") or str(value).strip() == "" for value in values):
            continue  # an empty line
        rows.append(dict(zip(headers, values, strict=False)))
    if not headers or not rows:
        raise DomainError(_("The file has no header row or no data row."), code="empty")
    if len(rows) > MAX_ROWS:
        raise DomainError(
            _("The file has more than %(max)s rows: split it.") % {"max": f"{MAX_ROWS:,}"},
            code="too_many",
        )
    return Sheet(headers, rows)
