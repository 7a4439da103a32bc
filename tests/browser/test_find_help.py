"""The "Find help" page in every language, right to left where it must be, accessible,
and printable as one A4 page; the other public pages in the languages of arrival."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import Membership
from associations import services
from tests.browser.fixtures import assert_accessible
from tests.factories import MembershipFactory, OrganisationFactory, SectorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL_LANGUAGES = [code for code, _name in settings.LANGUAGES]
PUBLIC_LANGUAGES = [code for code, _name in settings.ENTRAIDE_PUBLIC_LANGUAGES]
RIGHT_TO_LEFT = {"ar", "fa-af", "ps"}
CITY = {
    "ENTRAIDE_PHONE_LINE": "0 800 00 00 00",
    "ENTRAIDE_PHONE_HOURS": "Du lundi au vendredi, 9 h – 17 h",
    "ENTRAIDE_COUNTER_ADDRESS": "Hôtel de ville, 1 place de la Mairie",
    "ENTRAIDE_COUNTER_HOURS": "Mardi et jeudi, 14 h – 17 h",
    "ENTRAIDE_COUNTER_ACCESS": "Tram A, arrêt Mairie ; entrée de plain-pied",
}


@pytest.fixture
def associations() -> Iterator[None]:
    north, south = SectorFactory(name="Nord"), SectorFactory(name="Villeneuve")
    for name, kinds, sectors, phone in [
        ("Accueil Solidaire", ["food", "clothes", "rights"], [north], "04 76 00 10 10"),
        ("Réseau Hébergement", ["housing", "french"], [north, south], "04 76 00 20 20"),
        ("Parole d'Exil", ["listening", "health"], [], ""),
    ]:
        organisation = OrganisationFactory(name=name)
        admin = MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN).user
        services.listing_update(
            organisation=organisation,
            by=admin,
            listed=True,
            help_kinds=kinds,
            sectors=sectors,
            phone=phone,
            email=f"contact@{name.split()[0].lower().replace(chr(39), '')}.example.org",
            address="12 rue de la Paix, Démoville",
            opening_hours="Lundi 9 h – 12 h",
            languages=["fr", "ar", "ps", "ti"],
            summary="Accueil sans rendez-vous.",
        )
    with override_settings(**CITY):
        yield


def open_in(new_page: Callable[..., Page], live_server: LiveServer, language: str) -> Page:
    page = new_page()
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    return page


def in_language(language: str, check: Callable[[], None]) -> None:
    """Run ``check``; a failure says which language it was in."""
    try:
        check()
    except (AssertionError, pytest.fail.Exception) as error:
        pytest.fail(f"In {language}: {error}", pytrace=False)


def test_find_help_speaks_every_language_in_its_direction_and_is_accessible(
    new_page: Callable[..., Page], live_server: LiveServer, associations: None
) -> None:
    # One page for the eleven languages (each with its cookie): one database set-up.
    page = new_page()

    def check(language: str) -> None:
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        page.goto(live_server.url + "/trouver-de-l-aide/")
        html = page.locator("html")
        expect(html).to_have_attribute("lang", language)
        expect(html).to_have_attribute("dir", "rtl" if language in RIGHT_TO_LEFT else "ltr")
        with translation.override(language):
            heading = translation.gettext("Find help")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_role("link", name="0 800 00 00 00")).to_have_attribute(
            "href", "tel:0800000000"
        )
        expect(page.get_by_role("heading", name="Accueil Solidaire")).to_be_visible()
        assert_accessible(page)

    for language in ALL_LANGUAGES:
        in_language(language, lambda: check(language))  # noqa: B023 - called at once


def test_find_help_filters_without_javascript(
    new_page: Callable[..., Page], live_server: LiveServer, associations: None
) -> None:
    page = open_in(new_page, live_server, "ps")
    page.context.set_extra_http_headers({})
    page.goto(live_server.url + "/trouver-de-l-aide/")
    with translation.override("ps"):
        kind, show = translation.gettext("Kind of help"), translation.gettext("Show")
        housing = translation.gettext("A place to sleep")
    page.get_by_label(kind).select_option(label=housing)
    page.get_by_role("button", name=show).click()
    expect(page).to_have_url(re.compile(r"kind=housing"))
    expect(page.get_by_role("heading", name="Réseau Hébergement").first).to_be_visible()
    expect(page.get_by_role("heading", name="Accueil Solidaire")).to_have_count(0)
    assert_accessible(page)


def test_find_help_prints_as_one_a4_page_without_the_site_s_controls(
    new_page: Callable[..., Page], live_server: LiveServer, associations: None
) -> None:
    page = open_in(new_page, live_server, "fr")
    page.goto(live_server.url + "/trouver-de-l-aide/")
    expect(page.get_by_role("button", name="Imprimer cette page")).to_be_visible()  # with JS

    page.emulate_media(media="print")
    expect(page.locator(".find-help__filters")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".language-switcher")).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=False)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"The flyer takes {pages} A4 pages"


def test_the_home_and_needs_pages_speak_the_languages_of_arrival(
    new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = new_page()

    def check(language: str) -> None:
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        for path in ("/", "/besoins/"):
            page.goto(live_server.url + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.locator("html")).to_have_attribute(
                "dir", "rtl" if language in RIGHT_TO_LEFT else "ltr"
            )
            assert_accessible(page)
        # From the home page, one link leads to "Find help", in the same language.
        with translation.override(language):
            find_help = translation.gettext("Find help")
        page.goto(live_server.url + "/")
        page.get_by_role("main").get_by_role("link", name=find_help).click()
        expect(page).to_have_url(re.compile(r"/trouver-de-l-aide/$"))
        expect(page.locator("html")).to_have_attribute("lang", language)

    for language in PUBLIC_LANGUAGES:
        in_language(language, lambda: check(language))  # noqa: B023 - called at once


def test_a_page_not_translated_shows_in_french_with_a_notice_in_the_language_asked_for(
    new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = open_in(new_page, live_server, "ti")
    page.goto(live_server.url + "/compte/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    notice = page.locator(".language-fallback")
    expect(notice).to_have_attribute("lang", "ti")
    with translation.override("ti"):
        expect(notice).to_contain_text(
            translation.gettext(
                "This page is not translated into your language yet: it is shown in French."
            )
        )
    options = page.locator("#language-select option")
    expect(options).to_have_count(len(settings.ENTRAIDE_FULL_LANGUAGES))
    assert_accessible(page)
