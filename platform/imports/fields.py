"""What a spreadsheet column can hold, for each target, and how a cell becomes what the
web form of that target expects (the same forms then validate it).

A cell is read generously, as people type in a spreadsheet: "oui", "x" or "1" for yes;
dates as 2025-03-01, 01/03/2025 or a real date cell; a district, a category or a choice
by its code or its name in any site language; lists separated by commas or semicolons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.form_choices import RowsReadOnce
from core.models import Category, Sector
from core.vocabulary import SPOKEN_LANGUAGES, HelpKind, HouseholdType
from imports.models import Target
from imports.reading import normalise
from needs.models import Need
from offers.models import WEEKLY_SLOTS, Offer

H, D, S = HelpKind.HOUSING, HelpKind.DONATION, HelpKind.SKILL

KIND_SYNONYMS = {
    H: ("logement", "hebergement", "chambre", "housing", "accommodation"),
    D: ("don", "dons", "biens", "objets", "materiel", "goods", "donation"),
    S: ("competence", "competences", "temps", "benevolat", "skill", "skills", "volunteering"),
}
TRUE = {"oui", "o", "yes", "y", "1", "x", "vrai", "true", "ok", "d accord"}
FALSE = {"non", "n", "no", "0", "faux", "false", ""}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


@dataclass(frozen=True)
class ImportField:
    name: str
    label: Any
    # text, int, decimal, bool, date, phone, choice(s), sector(s), category, kind
    convert: str
    kinds: tuple[str, ...] = (H, D, S)  # the kinds of offer or need it belongs to
    required: bool = False  # must be mapped to a column
    choices: Callable[[], Iterable[tuple[str, Any]]] | None = None
    synonyms: tuple[str, ...] = field(default_factory=tuple)


def _f(name: str, label: str, convert: str = "text", **options: Any) -> ImportField:
    return ImportField(name, gettext_lazy(label), convert, **options)


OFFER_FIELDS = [
    _f("kind", "Kind of help", "kind", synonyms=("type", "type d aide", "nature")),
    _f("title", "Title", required=True, synonyms=("titre", "intitule", "offre")),
    _f("sector", "District", "sector", required=True, synonyms=("quartier", "secteur")),
    _f("caller_name", "Caller's name", synonyms=("nom", "appelant", "nom de l appelant")),
    _f("caller_phone", "Caller's phone", "phone", synonyms=("telephone", "tel", "portable")),
    _f("caller_email", "Caller's e-mail", synonyms=("email", "e mail", "courriel", "mail")),
    _f("consent", "Consent of the caller", "bool", synonyms=("consentement", "accord")),
    _f("description", "Description", synonyms=("details", "remarques", "commentaire")),
    _f("street_address", "Street address", kinds=(H,), synonyms=("adresse",)),
    _f("postcode", "Postcode", kinds=(H,), synonyms=("code postal", "cp")),
    _f("housing_type", "Type of housing", "choice", kinds=(H,),
       choices=lambda: Offer.HousingType.choices, synonyms=("type de logement",)),
    _f("capacity", "Number of beds (or people followed, for a skill)", "int", kinds=(H, S),
       synonyms=("lits", "nombre de lits", "places", "capacite")),
    _f("households_at_once", "Households at once", "int", kinds=(H,)),
    _f("household_types", "Who is welcome", "choices", kinds=(H,),
       choices=lambda: HouseholdType.choices, synonyms=("public", "public accueilli")),
    _f("available_from", "Available from", "date", synonyms=("disponible a partir du", "debut")),
    _f("available_until", "Available until", "date", synonyms=("disponible jusqu au", "fin")),
    _f("min_stay_nights", "Shortest stay (nights)", "int", kinds=(H,)),
    _f("max_stay_nights", "Longest stay (nights)", "int", kinds=(H,)),
    _f("step_free_access", "Step-free access", "bool", kinds=(H,),
       synonyms=("accessible", "plain pied", "pmr")),
    _f("pets_at_home", "Pets at home", "bool", kinds=(H,), synonyms=("animaux",)),
    _f("contribution_per_month", "Contribution per month (euros)", "decimal", kinds=(H,),
       synonyms=("participation", "loyer")),
    _f("languages", "Languages spoken", "choices", kinds=(H, S),
       choices=lambda: SPOKEN_LANGUAGES, synonyms=("langues",)),
    _f("category", "Category", "category", kinds=(D, S), synonyms=("categorie",)),
    _f("quantity", "Quantity", "int", kinds=(D,), synonyms=("quantite", "nombre")),
    _f("sizes", "Sizes", kinds=(D,), synonyms=("tailles", "taille")),
    _f("condition", "Condition", "choice", kinds=(D,), choices=lambda: Offer.Condition.choices,
       synonyms=("etat",)),
    _f("best_before", "Best before", "date", kinds=(D,), synonyms=("dlc", "date limite")),
    _f("pickup_hours", "When it can be picked up", kinds=(D,), synonyms=("horaires", "retrait")),
    _f("language_pairs", "Language pairs", kinds=(S,), synonyms=("paires de langues",)),
    _f("weekly_slots", "When available", "choices", kinds=(S,), choices=lambda: WEEKLY_SLOTS,
       synonyms=("disponibilites", "creneaux")),
    _f("remote_possible", "Possible remotely", "bool", kinds=(S,),
       synonyms=("a distance", "distanciel")),
    _f("hours_per_month", "Hours per month", "int", kinds=(S,), synonyms=("heures par mois",)),
]  # fmt: skip

NEED_FIELDS = [
    _f("kind", "Kind of help", "kind", synonyms=("type", "type d aide", "nature")),
    _f("urgency", "Urgency", "choice", choices=lambda: Need.Urgency.choices,
       synonyms=("urgence", "priorite")),
    _f("category", "Category", "category", kinds=(D, S), synonyms=("categorie",)),
    _f("adults", "Adults", "int", synonyms=("adultes",)),
    _f("children", "Children", "int", synonyms=("enfants",)),
    _f("household_type", "Household", "choice", choices=lambda: HouseholdType.choices,
       synonyms=("menage", "foyer", "composition")),
    _f("languages", "Languages spoken", "choices", choices=lambda: SPOKEN_LANGUAGES,
       synonyms=("langues",)),
    _f("step_free_access", "Step-free access needed", "bool", synonyms=("pmr", "accessible")),
    _f("accessibility", "Other accessibility needs", synonyms=("accessibilite",)),
    _f("housing_types", "Housing that fits", "choices", kinds=(H,),
       choices=lambda: Need.HousingType.choices, synonyms=("type de logement",)),
    _f("quantity", "Quantity", "int", kinds=(D,), synonyms=("quantite", "nombre")),
    _f("sizes", "Sizes", kinds=(D,), synonyms=("tailles", "taille")),
    _f("wanted_from", "Wanted from", "date", synonyms=("a partir du", "debut")),
    _f("wanted_until", "Wanted until", "date", synonyms=("jusqu au", "fin")),
    _f("sectors", "Preferred districts", "sectors", synonyms=("quartiers", "secteurs", "quartier")),
    _f("max_distance_km", "Maximum distance (km)", "int", synonyms=("distance",)),
    _f("note", "Note", synonyms=("remarque", "commentaire", "observations")),
]  # fmt: skip

FIELDS = {Target.OFFERS: OFFER_FIELDS, Target.NEEDS: NEED_FIELDS}
# Words people write for a choice, beyond its code and its label in each language.
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "housing_type": {"chambre": "room", "logement": "dwelling", "appartement": "dwelling",
                     "maison": "dwelling", "logement entier": "dwelling", "studio": "dwelling",
                     "urgence": "emergency", "nuits": "emergency", "quelques nuits": "emergency"},
    "housing_types": {"chambre": "room", "logement": "dwelling", "appartement": "dwelling",
                      "urgence": "emergency"},
    "household_types": {"couple": "couple", "famille": "family", "homme seul": "single_adult",
                        "personne seule": "single_adult", "mineur": "minor"},
    "household_type": {"couple": "couple", "famille": "family", "homme seul": "single_adult",
                       "personne seule": "single_adult", "mineur": "minor"},
    "urgency": {"critique": "critical", "urgent": "critical", "haute": "high", "forte": "high",
                "normale": "normal", "basse": "normal"},
    "condition": {"neuf": "new", "bon": "good", "bon etat": "good", "usage": "used"},
}  # fmt: skip
# Fields whose web form starts filled in.
OFFER_DEFAULTS = {"households_at_once": "1"}
# A need's household and urgency have defaults on the web form too.
NEED_DEFAULTS = {"urgency": Need.Urgency.NORMAL, "adults": "1", "children": "0", "quantity": "1"}


def fields_of(target: str) -> list[ImportField]:
    return FIELDS[Target(target)]


def _in_every_language(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in choices:
                lookup.setdefault(normalise(label), code)
    for code, _label in choices:
        lookup[normalise(code)] = code
    return lookup


def guess_mapping(target: str, headers: list[str], saved: dict[str, str]) -> dict[str, str]:
    """The column proposed for each field: the one saved last time if the file has it,
    else a column whose title is the field's name, label (in any language) or synonym."""
    by_key = {normalise(header): header for header in headers}
    mapping: dict[str, str] = {}
    for item in fields_of(target):
        if saved.get(item.name) in by_key:
            mapping[item.name] = by_key[saved[item.name]]
            continue
        names = {normalise(item.name), *(normalise(s) for s in item.synonyms)}
        names |= set(_in_every_language([(item.name, item.label)]))
        found = next((by_key[name] for name in names if name in by_key), None)
        if found and found not in mapping.values():
            mapping[item.name] = found
    return mapping


class Lookups:
    """The tables a file's cells are read against, loaded once per job."""

    def __init__(self) -> None:
        self.sectors: dict[str, int] = {}
        for pk, code, name in Sector.objects.values_list("pk", "code", "name"):
            self.sectors[normalise(code)] = pk
            self.sectors[normalise(name)] = pk
        self.categories: dict[tuple[str, str], int] = {}
        for category in Category.objects.active():
            for text in (category.code, category.name, category.name_en, category.name_ar,
                         category.name_uk):  # fmt: skip
                if text:
                    self.categories.setdefault((category.kind, normalise(text)), category.pk)
        self.kinds = _in_every_language(HelpKind.choices)
        for kind, words in KIND_SYNONYMS.items():
            self.kinds.update(dict.fromkeys(words, kind))
        self._choices: dict[str, dict[str, str]] = {}
        self.choice_rows = RowsReadOnce()  # the forms' districts and categories

    def choice_lookup(self, item: ImportField) -> dict[str, str]:
        if item.name not in self._choices:
            assert item.choices is not None
            lookup = _in_every_language(list(item.choices()))
            lookup.update(VALUE_SYNONYMS.get(item.name, {}))
            self._choices[item.name] = lookup
        return self._choices[item.name]


class CellError(ValueError):
    pass


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _plain(value)
    if not text:
        return ""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date (write it as 31/12/2025).") % {"value": text})


def _split(value: Any) -> list[str]:
    return [part.strip() for part in re.split(r"[,;/|+\n]", _plain(value)) if part.strip()]


def convert(item: ImportField, value: Any, lookups: Lookups, kind: str) -> Any:
    """The cell as the web form's data, or ``CellError`` with a message for staff."""
    text = _plain(value)
    method = item.convert
    if method in ("text", "int"):
        return text
    if method == "phone":
        digits = re.sub(r"\D", "", text)
        # A spreadsheet stores 0612345678 as the number 612345678.
        if isinstance(value, int | float) and len(digits) == 9:
            return "0" + digits
        return text
    if method == "decimal":
        cleaned = text.replace("€", "").replace(" ", "").replace(",", ".")
        try:
            return str(Decimal(cleaned)) if cleaned else ""
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not an amount.") % {"value": text}) from None
    if method == "bool":
        key = normalise(text)
        if key in TRUE:
            return "on"
        if key in FALSE:
            return ""
        raise CellError(_("“%(value)s” is neither yes nor no.") % {"value": text})
    if method == "date":
        return _date(value)
    if method == "sector":
        if not text:
            return ""
        if normalise(text) not in lookups.sectors:
            raise CellError(_("No district is called “%(value)s”.") % {"value": text})
        return str(lookups.sectors[normalise(text)])
    if method == "sectors":
        found = []
        for part in _split(value):
            if normalise(part) not in lookups.sectors:
                raise CellError(_("No district is called “%(value)s”.") % {"value": part})
            found.append(str(lookups.sectors[normalise(part)]))
        return found
    if method == "category":
        if not text:
            return ""
        pk = lookups.categories.get((kind, normalise(text)))
        if pk is None:
            raise CellError(
                _("No category of this kind of help is called “%(value)s”.") % {"value": text}
            )
        return str(pk)
    if method == "choice":
        if not text:
            return ""
        code = lookups.choice_lookup(item).get(normalise(text))
        if code is None:
            raise CellError(_("“%(value)s” is not one of the choices.") % {"value": text})
        return code
    if method == "choices":
        lookup = lookups.choice_lookup(item)
        codes = []
        for part in _split(value):
            code = lookup.get(normalise(part))
            if code is None:
                raise CellError(_("“%(value)s” is not one of the choices.") % {"value": part})
            codes.append(code)
        return codes
    raise ValueError(method)


def row_kind(row: dict[str, Any], mapping: dict[str, str], default: str, lookups: Lookups) -> str:
    """The kind of help of a row: its column if mapped and filled, else the job's default."""
    header = mapping.get("kind")
    text = _plain(row.get(header)) if header else ""
    if not text:
        if not default:
            raise CellError(_("The kind of help is missing."))
        return default
    kind = lookups.kinds.get(normalise(text))
    if kind is None:
        raise CellError(
            _("“%(value)s” is not a kind of help (housing, goods, time and skills).")
            % {"value": text}
        )
    return kind
