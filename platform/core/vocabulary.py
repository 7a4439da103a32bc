"""Shared vocabulary of the platform: the kinds of help and the languages people speak.

Offers, needs and notifications all speak of these; they live here so that no domain app
has to import another to name them.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class HelpKind(models.TextChoices):
    HOUSING = "housing", _("Housing")
    DONATION = "donation", _("Goods")
    SKILL = "skill", _("Time and skills")


# Languages most often spoken by newly arrived people and by those who help them
# (ISO 639-1 codes). The city can extend the list without a migration.
SPOKEN_LANGUAGES: list[tuple[str, Any]] = [
    ("fr", _("French")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
    ("fa", _("Persian (Dari, Farsi)")),
    ("ps", _("Pashto")),
    ("ti", _("Tigrinya")),
    ("so", _("Somali")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("tr", _("Turkish")),
    ("ku", _("Kurdish")),
    ("sq", _("Albanian")),
    ("ka", _("Georgian")),
    ("hy", _("Armenian")),
    ("bn", _("Bengali")),
    ("ur", _("Urdu")),
    ("wo", _("Wolof")),
    ("ln", _("Lingala")),
]


class HouseholdType(models.TextChoices):
    """Who a housing offer welcomes and who a need is for (counts and types, never people)."""

    SINGLE_ADULT = "single_adult", _("Single adult")
    WOMAN_ALONE = "woman_alone", _("Woman alone")
    COUPLE = "couple", _("Couple without children")
    FAMILY = "family", _("Family with children")
    MINOR = "minor", _("Unaccompanied minor (through an accredited association only)")
