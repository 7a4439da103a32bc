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
