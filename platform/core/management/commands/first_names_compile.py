"""``manage.py first_names_compile``: rebuild ``core/data/first_names.txt``.

The list the personal-data detector reads to spot full names ("Mohamed BEN ALI") is
compiled from the first names that Faker (MIT licence) ships for the languages of the
city and of the people who arrive, Cyrillic ones also in their Latin transliteration
(Ukrainian passport rules). Faker is a development dependency: the compiled file ships
with the project, so production needs neither Faker nor this command.
"""

from __future__ import annotations

import importlib
import unicodedata
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

LOCALES = (
    "fr_FR", "fr_BE", "fr_CA", "fr_CH", "fr_DZ", "en_US", "en_GB", "en_IE", "en_PK", "en_NG",
    "en_IN", "ar_AA", "ar_DZ", "ar_PS", "ar_SA", "fa_IR", "uk_UA", "ru_RU", "tr_TR", "bn_BD",
    "sw", "ha_NG", "yo_NG", "ig_NG", "az_AZ", "uz_UZ", "ka_GE", "hy_AM", "es_ES", "pt_PT",
    "it_IT", "de_DE", "ro_RO", "pl_PL", "sq_AL", "tw_GH", "zu_ZA",
)  # fmt: skip
_UKRAINIAN_LATIN = dict(
    zip(
        "абвгґдежзиіїйклмнопрстуфхцчшщьюяєэыёъ",
        ["a", "b", "v", "h", "g", "d", "e", "zh", "z", "y", "i", "i", "i", "k", "l", "m",
         "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "iu",
         "ia", "ie", "e", "y", "io", ""],
        strict=True,
    )
)  # fmt: skip
OUTPUT = Path(__file__).resolve().parents[2] / "data" / "first_names.txt"


def latin(name: str) -> str:
    text = "".join(_UKRAINIAN_LATIN.get(char, char) for char in name.lower())
    return text.capitalize()


def first_names() -> set[str]:
    names: set[str] = set()
    for locale in LOCALES:
        try:
            provider: Any = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:
            continue
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            found = getattr(provider, attribute, None) or ()
            names.update(str(name).strip() for name in found)
    names |= {latin(name) for name in names if any("\u0400" <= c <= "\u04ff" for c in name)}
    # One word each: "Jean-Pierre" stays whole, "Ali Akbar" is two names.
    words = {word for name in names for word in name.split()}
    return {unicodedata.normalize("NFC", w) for w in words if (len(w) >= 3 and w.isalpha())
            or "-" in w}  # fmt: skip


class Command(BaseCommand):
    help = "Rebuild core/data/first_names.txt from Faker's lists of first names (MIT)."

    def handle(self, *args: Any, **options: Any) -> None:
        names = sorted(first_names(), key=lambda name: (name.casefold(), name))
        header = (
            "# First names for the personal-data detector (core/pii.py), one a line.\n"
            "# Compiled by `manage.py first_names_compile` from Faker's person providers\n"
            "# (MIT licence, https://github.com/joke2k/faker). Do not edit by hand.\n"
        )
        OUTPUT.write_text(header + "\n".join(names) + "\n", encoding="utf-8")
        self.stdout.write(f"{len(names)} first names written to {OUTPUT}")
