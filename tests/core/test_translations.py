"""The gettext catalogues: complete where they must be, compiled, and really used by the pages.

English is the source language and French the default one, so a string missing from the
English, Arabic or Ukrainian catalogue silently shows up in French. These tests read the .po
files with a small parser of their own (standard library only).
"""

from __future__ import annotations

import gettext
import html
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.conftest import client_for
from tests.factories import UserFactory

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["fr", "en", "ar", "uk"]
# The languages of the people who arrive: a few public pages (tests/core/test_public_languages.py).
PUBLIC_LOCALES = ["fa_AF", "ps", "ti", "ru", "tr", "bn", "ln"]
LAYOUT_AND_HOME = ("core/templates/base.html", "core/templates/core/home.html")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def is_fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    def __str__(self) -> str:
        return f"{self.msgid!r} ({', '.join(self.references) or 'no reference'})"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"'), text
    assert text.endswith('"'), text
    return re.sub(r"\\(.)", lambda match: _ESCAPES[match.group(1)], text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """Every live entry of a .po file, header included; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    entry = Entry()
    started = False
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#:"):
            entry.references.extend(line[2:].split())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path}: continuation line without a keyword"
            keyword, index = target
            if keyword == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, keyword, (getattr(entry, keyword) or "") + _unquote(line))
        else:
            keyword, _, value = line.partition(" ")
            if keyword == "msgid" and started and target and target[0] == "msgstr":
                finish()  # two entries without a blank line between them
            started = True
            plural_form = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if plural_form:
                target = ("msgstr", int(plural_form.group(1)))
                entry.msgstr[target[1]] = _unquote(value)
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                entry.msgstr[0] = _unquote(value)
            elif keyword in ("msgid", "msgid_plural", "msgctxt"):
                target = (keyword, 0)
                setattr(entry, keyword, _unquote(value))
            else:
                raise AssertionError(f"{path}: unexpected line {line!r}")
    finish()
    return entries


@cache
def catalogue(language: str) -> list[Entry]:
    return read_po(LOCALE / language / "LC_MESSAGES" / "django.po")


def messages(language: str) -> list[Entry]:
    return [entry for entry in catalogue(language) if not entry.is_header]


def not_ready(entries: list[Entry]) -> list[str]:
    return [str(entry) for entry in entries if entry.is_fuzzy or not entry.is_translated]


def translation_of(language: str, msgid: str) -> str:
    return next(entry.msgstr[0] for entry in messages(language) if entry.msgid == msgid)


# --- The catalogues themselves --------------------------------------------------------------


def test_the_parser_reads_every_entry_of_a_catalogue() -> None:
    entries = messages("en")
    assert len(entries) > 100
    assert len({(entry.msgctxt, entry.msgid) for entry in entries}) == len(entries)
    assert all(entry.msgid and entry.references for entry in entries)


def test_the_french_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    assert not_ready(messages("fr")) == []


def test_the_english_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    assert not_ready(messages("en")) == []


def test_the_english_catalogue_repeats_each_source_string_unchanged() -> None:
    changed = [
        str(entry)
        for entry in messages("en")
        if entry.msgstr[0] != entry.msgid
        or (entry.msgid_plural is not None and entry.msgstr.get(1) != entry.msgid_plural)
    ]
    assert changed == []


@pytest.mark.parametrize("language", ["ar", "uk"])
def test_arabic_and_ukrainian_translate_every_string_of_the_home_page_and_layout(
    language: str,
) -> None:
    layout_and_home = [
        entry
        for entry in messages(language)
        if any(reference.split(":")[0].endswith(LAYOUT_AND_HOME) for reference in entry.references)
    ]
    assert len(layout_and_home) > 30
    assert not_ready(layout_and_home) == []


@pytest.mark.parametrize("language", ["ar", "uk"])
def test_arabic_and_ukrainian_name_every_language_of_the_site(language: str) -> None:
    names = ["French", "English", "Arabic", "Ukrainian"]
    names += ["Dari", "Pashto", "Tigrinya", "Russian", "Turkish", "Bengali", "Lingala"]
    assert len(names) == len(settings.LANGUAGES)
    for name in names:
        assert translation_of(language, name) not in ("", name)


@pytest.mark.parametrize(
    ("language", "plural_forms"),
    [
        ("fr", "nplurals=2; plural=(n > 1);"),
        ("en", "nplurals=2; plural=(n != 1);"),
        ("ar", "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 "),
        ("uk", "nplurals=4; plural=(n % 1 == 0 && n % 10 == 1 && n % 100 != "),
    ],
)
def test_each_catalogue_declares_its_language_and_plural_forms(
    language: str, plural_forms: str
) -> None:
    header = next(entry for entry in catalogue(language) if entry.is_header)
    assert not header.is_fuzzy
    assert f"Language: {language}\n" in header.msgstr[0]
    assert f"Plural-Forms: {plural_forms}" in header.msgstr[0]


def _compiled(mo: Path) -> dict[object, str]:
    with mo.open("rb") as file:
        return dict(gettext.GNUTranslations(file)._catalog)  # type: ignore[attr-defined]


def _expected_from_po(po: Path) -> dict[object, str]:
    """What msgfmt puts in a .mo: the header and every translated, non-fuzzy entry."""
    expected: dict[object, str] = {}
    for entry in read_po(po):
        if not entry.is_translated or (entry.is_fuzzy and not entry.is_header):
            continue
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.is_header:  # msgfmt leaves the POT creation date out
            expected[key] = re.sub(r"(?m)^POT-Creation-Date:.*\n", "", entry.msgstr[0])
        elif entry.msgid_plural is None:
            expected[key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(key, index)] = text
    return expected


@pytest.mark.parametrize("language", LANGUAGES + PUBLIC_LOCALES)
def test_the_compiled_catalogues_are_up_to_date(language: str, tmp_path: Path) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make messages`"
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        expected = _expected_from_po(po)
    else:
        fresh = tmp_path / "django.mo"
        subprocess.run(  # noqa: S603 - a fixed program on a file of the repository
            [msgfmt, "--check-format", "-o", str(fresh), str(po)], check=True
        )
        expected = _compiled(fresh)
    assert _compiled(mo) == expected, f"{mo} is stale: run `make messages`"


# --- The pages really speak the language asked for ------------------------------------------

PAGES = {
    "/": "How it works",
    "/accessibilite/": "Accessibility statement",
    "/confidentialite/": "Who sees your data",
    "/nowhere/": "Page not found",
}


@cache
def french_phrases() -> frozenset[str]:
    """The French wording of every template string, cut at placeholders and tags.

    Strings that French shares with English ("API", "Cookies"…) and fragments too short
    to be telling are left out.
    """
    phrases: set[str] = set()
    for entry in messages("fr"):
        if entry.msgstr[0] == entry.msgid or not any(
            "/templates/" in reference for reference in entry.references
        ):
            continue
        for fragment in re.split(r"%\([a-z_]+\)s|<[^>]+>", entry.msgstr[0].replace("%%", "%")):
            if len(fragment.strip()) >= 12:
                phrases.add(fragment.strip())
    return frozenset(phrases)


def visible(content: bytes) -> str:
    return html.unescape(content.decode())


def assert_speaks(language: str, page: str, expected: list[str]) -> None:
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in page
    for msgid in ["Skip to main content", "Privacy notice", *expected]:
        assert translation_of(language, msgid) in page, (language, msgid)
    if language != "fr":
        leftovers = sorted(phrase for phrase in french_phrases() if phrase in page)
        assert leftovers == [], f"French shows through in {language}"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ar", "uk"])
@pytest.mark.parametrize("url", list(PAGES))
def test_the_public_pages_show_no_french_in_english_arabic_or_ukrainian(
    client: Client, language: str, url: str
) -> None:
    with override_settings(ENTRAIDE_PHONE_LINE="04 76 00 00 00"):  # the phone paragraphs too
        response = client.get(url, headers={"accept-language": language})
    assert response.status_code == (404 if url == "/nowhere/" else 200)
    assert_speaks(language, visible(response.content), [PAGES[url], "Sign in"])


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ar", "uk"])
def test_the_account_page_shows_no_french_in_english_arabic_or_ukrainian(language: str) -> None:
    person = UserFactory(preferred_language=language, display_name="Sam")
    response = client_for(person).get("/compte/")
    assert response.status_code == 200
    assert_speaks(language, visible(response.content), ["My details", "Sign out"])


@pytest.mark.django_db
def test_the_home_page_speaks_french_by_default(client: Client) -> None:
    page = visible(client.get("/").content)
    assert_speaks("fr", page, ["How it works", "Sign in", "Create an account"])
    assert "Skip to main content" not in page
