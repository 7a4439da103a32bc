"""Spreadsheets as a city's phone line would keep them, for the import tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

HEADER = [
    "Type", "Titre", "Quartier", "Nom", "Téléphone", "Courriel", "Consentement",
    "Catégorie", "Quantité", "Nombre de lits", "Public", "Adresse", "Type de logement",
]  # fmt: skip


def donation_row(number: int, district: str, *, phone: str | None = None) -> list[str]:
    return [
        "Dons", f"Couvertures {number}", district, f"Appelant {number}",
        phone or f"06{number:08d}", "", "oui", "bedding", "3", "", "", "", "",
    ]  # fmt: skip


def housing_row(number: int, district: str) -> list[str]:
    return [
        "Hébergement", f"Chambre {number}", district, f"Hôte {number}", f"07{number:08d}", "",
        "oui", "", "", "2", "Femme seule, Couple", f"{number} rue des Tilleuls", "Chambre",
    ]  # fmt: skip


def as_csv(rows: Iterable[Sequence[str]], header: Sequence[str] = HEADER, sep: str = ";") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def phone_line_file(
    count: int, district: str, *, bad: int = 0, duplicate_phones: Sequence[str] = ()
) -> bytes:
    """``count`` offers: one in five a room, the others blankets; the first ``bad`` rows
    each wrong in its own way, then one row per phone of ``duplicate_phones``."""
    rows = []
    for number in range(1, count + 1):
        row = housing_row(number, district) if number % 5 == 0 else donation_row(number, district)
        rows.append(row)
    mistakes = [
        lambda row: row.__setitem__(2, "Quartier inconnu"),  # no such district
        lambda row: row.__setitem__(1, ""),  # no title
        lambda row: row.__setitem__(6, "non"),  # no consent
        lambda row: row.__setitem__(8, "beaucoup"),  # not a number
    ]
    for index in range(bad):
        mistakes[index % len(mistakes)](rows[index])
    for offset, phone in enumerate(duplicate_phones):
        rows[bad + offset][4] = phone
    return as_csv(rows)
