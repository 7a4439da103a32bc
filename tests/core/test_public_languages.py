"""The languages of the people who arrive: a few public pages, the rest in French.

Dari, Pashto, Tigrinya, Russian, Turkish, Bengali and Lingala are offered on the pages of
``core.i18n.TRANSLATED_PAGES`` only; the catalogues must translate every string of those
pages, and every other page shows in French and says so in the language asked for.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import resolve
from django.utils import translation

from accounts.models import User
from core import i18n
from tests.conftest import client_for
from tests.core.test_translations import LOCALE, french_phrases, read_po, visible

# Code in the site, folder of its catalogue, text direction.
PUBLIC_LANGUAGES = [
    ("fa-af", "fa_AF", "rtl"),
    ("ps", "ps", "rtl"),
    ("ti", "ti", "ltr"),
    ("ru", "ru", "ltr"),
    ("tr", "tr", "ltr"),
    ("bn", "bn", "ltr"),
    ("ln", "ln", "ltr"),
]
CODES = [code for code, _folder, _direction in PUBLIC_LANGUAGES]
PAGES = {"/": "home", "/trouver-de-l-aide/": "find-help", "/besoins/": "needs:public"}
TEMPLATES = (
    "core/templates/base.html",
    "core/templates/core/home.html",
    "associations/templates/associations/find_help.html",
    "needs/templates/needs/public.html",
)
# Strings of Python code that these pages show: kinds of help, the filters of "Find help",
# the kinds an association gives and the languages it speaks.
PYTHON_STRINGS = [
    "Housing", "Goods", "Time and skills", "District", "All districts", "Kind of help",
    "All kinds of help", "A place to sleep", "Food", "Clothes and everyday goods",
    "Rights and paperwork", "Health", "French lessons", "Interpreting", "Children and school",
    "Someone to talk to", "Pashto", "Tigrinya", "Russian", "Turkish", "Bengali", "Lingala",
    "Persian (Dari, Farsi)", "French", "English", "Arabic", "Ukrainian",
    # The cells of a small count (core/small_counts.py), on the public needs page.
    "fewer than %(threshold)s", "not shown",
]  # fmt: skip
PLURAL_FORMS = {
    "fa_AF": "nplurals=2; plural=(n > 1);",
    "ps": "nplurals=2; plural=(n != 1);",
    "ti": "nplurals=2; plural=(n > 1);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 ",
    "tr": "nplurals=2; plural=(n > 1);",
    "bn": "nplurals=2; plural=(n != 1);",
    "ln": "nplurals=2; plural=(n > 1);",
}


def po(folder: str) -> Path:
    return LOCALE / folder / "LC_MESSAGES" / "django.po"


def switcher_offers(page: str) -> list[str]:
    switcher = re.search(r'<select name="language".*?</select>', page, re.S)
    assert switcher is not None
    return re.findall(r'<option value="([^"]+)"', switcher.group(0))


# --- The catalogues ----------------------------------------------------------------------


@pytest.mark.parametrize(("code", "folder", "direction"), PUBLIC_LANGUAGES)
def test_each_new_catalogue_declares_its_language_and_plural_forms(
    code: str, folder: str, direction: str
) -> None:
    header = next(entry for entry in read_po(po(folder)) if entry.is_header)
    assert not header.is_fuzzy
    assert f"Language: {code}\n" in header.msgstr[0]
    assert f"Plural-Forms: {PLURAL_FORMS[folder]}" in header.msgstr[0]


@pytest.mark.parametrize(("code", "folder", "direction"), PUBLIC_LANGUAGES)
def test_each_new_catalogue_translates_every_string_of_its_pages(
    code: str, folder: str, direction: str
) -> None:
    entries = [entry for entry in read_po(po(folder)) if not entry.is_header]
    on_the_pages = [
        entry
        for entry in entries
        if any(ref.split(":")[0].endswith(TEMPLATES) for ref in entry.references)
        or entry.msgid in PYTHON_STRINGS
    ]
    assert len(on_the_pages) > 100
    missing = [str(entry) for entry in on_the_pages if entry.is_fuzzy or not entry.is_translated]
    assert missing == []
    for entry in on_the_pages:  # the placeholders survive translation
        for text in entry.msgstr.values():
            assert (
                set(re.findall(r"%\(\w+\)s", text)) == set(re.findall(r"%\(\w+\)s", entry.msgid))
                or entry.msgid_plural
            ), str(entry)


def test_the_registry_names_only_pages_that_exist() -> None:
    names = {resolve(url).view_name for url in PAGES}
    for code in CODES:
        assert i18n.TRANSLATED_PAGES[code] == names


@pytest.mark.parametrize(("code", "bidi"), [("fa-af", True), ("ps", True), ("ti", False)])
def test_the_locale_data_django_lacks_is_declared(code: str, bidi: bool) -> None:
    info = translation.get_language_info(code)
    assert info["bidi"] is bidi
    assert info["name_local"] not in ("", info["name"])
    with translation.override(code):
        assert translation.get_language_bidi() is bidi


# --- The pages ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "folder", "direction"), PUBLIC_LANGUAGES)
@pytest.mark.parametrize("url", list(PAGES))
def test_the_translated_pages_speak_the_language_with_its_direction(
    client: Client, code: str, folder: str, direction: str, url: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    with override_settings(ENTRAIDE_PHONE_LINE="0 800 00 00 00"):
        page = visible(client.get(url).content)
    assert f'<html lang="{code}" dir="{direction}">' in page
    with translation.override(code):
        for msgid in ["Find help", "Skip to main content", "Privacy notice"]:
            assert translation.gettext(msgid) != msgid
            assert translation.gettext(msgid) in page
    assert sorted(phrase for phrase in french_phrases() if phrase in page) == []
    # The switcher offers every language here.
    assert switcher_offers(page) == [code for code, _name in settings.LANGUAGES]


@pytest.mark.django_db
@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("url", ["/compte/login/", "/accessibilite/", "/associations/inscription/"])
def test_other_pages_fall_back_to_french_and_say_so_in_the_language_asked_for(
    client: Client, code: str, url: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    response = client.get(url, follow=True)
    page = visible(response.content)
    assert '<html lang="fr" dir="ltr">' in page
    with translation.override(code):
        notice = translation.gettext(
            "This page is not translated into your language yet: it is shown in French."
        )
    assert notice in page
    # The switcher offers only the languages of the whole interface here.
    assert switcher_offers(page) == [code for code, _name in settings.ENTRAIDE_FULL_LANGUAGES]


@pytest.mark.django_db
def test_a_browser_asking_for_dari_gets_the_home_page_in_dari(client: Client) -> None:
    page = client.get("/", headers={"accept-language": "fa-AF,fa;q=0.8"}).content.decode()
    assert '<html lang="fa-af" dir="rtl">' in page


@pytest.mark.django_db
def test_the_full_languages_are_unchanged_on_every_page(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = client.get("/compte/login/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "language-fallback" not in page


@pytest.mark.django_db
def test_choosing_a_public_language_does_not_become_the_account_s_language(
    resident: User,
) -> None:
    client = client_for(resident)
    response = client.post("/langue/", {"language": "ps", "next": "/trouver-de-l-aide/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ps"
    resident.refresh_from_db()
    assert resident.preferred_language == "fr"
    page = client.get("/trouver-de-l-aide/").content.decode()
    assert '<html lang="ps" dir="rtl">' in page
