"""No model anywhere may record who the people helped are (docs/design.md §5).

Every field of every installed model (its name, verbose name and help text, in French and
in English) is checked against a deny-list of the things the platform must never ask:
names of the people helped, nationality, immigration or residence status, identity
documents, ethnicity, religion, date of birth.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation

DENIED = [
    # Identity of a person.
    r"first[ _-]?name",
    r"last[ _-]?name",
    r"surname",
    r"family[ _-]?name",
    r"given[ _-]?name",
    r"full[ _-]?name",
    r"birth",
    r"naissance",
    r"\bpr[ée]nom",
    r"nom de famille",
    r"beneficiary",
    r"b[ée]n[ée]ficiaire",
    # Origin and beliefs.
    r"nationalit",
    r"citizenship",
    r"country[ _-]?of[ _-]?origin",
    r"pays d.origine",
    r"ethnic",
    r"ethni",
    r"religio",
    # Immigration and residence status.
    r"immigra",
    r"migratory",
    r"migratoire",
    r"asylum",
    r"asile",
    r"refugee",
    r"r[ée]fugi[ée]",
    r"residence[ _-]?(status|permit)",
    r"titre[ _-]?de[ _-]?s[ée]jour",
    r"legal[ _-]?status",
    r"statut[ _-]?(administratif|migratoire|l[ée]gal)",
    r"undocumented",
    r"sans[ _-]?papiers",
    r"\bvisa\b",
    # Identity documents.
    r"passport",
    r"passeport",
    r"identity[ _-]?(card|document|number)",
    r"carte[ _-]?d.identit",
    r"id[ _-]?card",
    r"document[ _-]?number",
    r"agdref",
    r"num[ée]ro[ _-]?(d.)?[ée]tranger",
]
DENY = re.compile("|".join(DENIED), re.IGNORECASE)

# Help texts that may use a word above, and why. Field names and verbose names have no
# exception. Keep this short.
HELP_TEXT_ALLOWED: dict[tuple[str, str, str], str] = {
    # The account holder's own name ("a first name is enough"), never a person helped.
    ("accounts", "user", "display_name"): "the account holder addresses themself",
    # The organisation's contact person ("a first name or a role"), never a person helped.
    ("accounts", "organisation", "contact_name"): "the organisation's own contact",
    # The warning under the note tells the writer what never to write.
    ("needs", "need", "note"): "warns against these very details",
}


def described(app: str, model: str, field: models.Field) -> list[str]:  # type: ignore[type-arg]
    texts = [field.name, getattr(field, "attname", "") or ""]
    for language in ("en", "fr"):
        with translation.override(language):
            texts.append(str(getattr(field, "verbose_name", "") or ""))
            if (app, model, field.name) not in HELP_TEXT_ALLOWED:
                texts.append(str(getattr(field, "help_text", "") or ""))
    return texts


def every_field() -> list[tuple[str, str, models.Field]]:  # type: ignore[type-arg]
    return [
        (model._meta.app_label, model._meta.model_name or "", field)
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields(include_hidden=True)
        if isinstance(field, models.Field)
    ]


def test_no_model_field_records_who_the_people_helped_are() -> None:
    offending = sorted(
        f"{app}.{model}.{field.name}: {text!r}"
        for app, model, field in every_field()
        for text in described(app, model, field)
        if DENY.search(text)
    )
    assert offending == []


def test_the_check_covers_every_app_of_the_project() -> None:
    """Every app of ours that has models is walked: a new app cannot be missed. (The
    privacy app has none: it empties the others'.)"""
    root = Path(settings.BASE_DIR)
    ours = {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(root)
        and ".venv" not in Path(config.path).parts
        and list(config.get_models())
    }
    labels = {app for app, _model, _field in every_field()}
    assert {
        "accounts",
        "associations",
        "core",
        "needs",
        "notifications",
        "offers",
        "matching",
    } <= ours
    assert ours <= labels


@pytest.mark.parametrize(
    "name",
    [
        "nationality",
        "date_of_birth",
        "passport_number",
        "titre_de_sejour",
        "first_name",
        "immigration_status",
        "residence permit",
        "Nom de famille",
        "religion",
    ],
)
def test_the_deny_list_catches_what_it_must(name: str) -> None:
    assert DENY.search(name)


@pytest.mark.parametrize(
    "name", ["display_name", "name", "contact_name", "household_type", "note", "status", "email"]
)
def test_the_deny_list_lets_ordinary_fields_through(name: str) -> None:
    assert not DENY.search(name)


def test_every_exception_still_names_a_field() -> None:
    fields = {(app, model, field.name) for app, model, field in every_field()}
    assert set(HELP_TEXT_ALLOWED) <= fields
