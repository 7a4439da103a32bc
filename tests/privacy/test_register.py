"""docs/privacy.md and the privacy notice read the same periods as the purge."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from privacy.register import DOCUMENT, retention_table, with_table
from privacy.retention import rules

pytestmark = pytest.mark.django_db


def test_the_registers_retention_table_is_the_settings_one() -> None:
    """Run ``manage.py privacy_register --write`` (with the default settings) after
    changing a rule or a default."""
    document = DOCUMENT.read_text(encoding="utf-8")
    assert with_table(document) == document
    assert "| 12 months after the offer's last change |" in retention_table()


@pytest.mark.parametrize("language", ["fr", "en", "ar", "uk"])
def test_the_privacy_notice_shows_the_real_periods_in_each_language(language: str) -> None:
    client = Client()
    client.cookies["django_language"] = language
    page = client.get("/confidentialite/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        for rule in rules():
            assert rule.period in page
            assert str(rule.what).replace("'", "&#x27;") in page


def test_a_changed_period_shows_on_the_notice(settings: object) -> None:
    from django.conf import settings as django_settings

    settings.ENTRAIDE_RETENTION = {**django_settings.ENTRAIDE_RETENTION, "offers": 7}  # type: ignore[attr-defined]
    page = Client().get("/confidentialite/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "7 mois" in page or "7 months" in page
