"""The spreadsheet and the figures, in a real browser on a phone-sized screen: staff import
the phone line's file of 200 offers (3 bad rows, 2 that repeat offers already in the
platform), fix the column mapping on the way, import; the dashboard's counts and charts
move by what was imported; the public statistics withhold small counts. Every page is
checked with axe-core, in French and in Arabic as well as in English."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from core.models import AuditEntry
from imports.models import ImportJob
from offers.models import Offer
from tests.browser.fixtures import assert_accessible
from tests.browser.test_notifications import sign_in
from tests.browser.test_smoke import field
from tests.factories import OfferFactory, SectorFactory, UserFactory
from tests.imports.helpers import HEADER, as_csv, donation_row, housing_row
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.browser]

DUPLICATE_PHONES = ["0611111111", "0622222222"]
WHOLE_FILE_TIMEOUT_MS = 60_000


def phone_line_file() -> bytes:
    """200 offers; the district column is titled "Lieu", which the platform cannot guess."""
    rows = [
        housing_row(n, "Centre-ville") if n % 5 == 0 else donation_row(n, "Centre-ville")
        for n in range(1, 201)
    ]
    rows[0][2] = "Quartier inconnu"  # no such district
    rows[1][1] = ""  # no title
    rows[2][6] = "non"  # the caller did not consent
    rows[10][4], rows[11][4] = DUPLICATE_PHONES  # callers already in the platform
    header = ["Lieu" if name == "Quartier" else name for name in HEADER]
    return as_csv(rows, header)


def pending_cell(page: Page) -> str:
    """The dashboard's count of offers waiting for review, every kind."""
    row = page.locator("#table-offers-by-state tbody tr", has_text="Waiting for review")
    return row.locator("td").last.inner_text()


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def import_the_file(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/equipe/")
    page.get_by_role("link", name="Import a spreadsheet of offers or needs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spreadsheet imports")
    assert_accessible(page)
    page.get_by_role("link", name="Import a file").click()
    page.get_by_label("Offers taken by the phone line").check()
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "ligne.csv", "mimeType": "text/csv", "buffer": phone_line_file()}],
    )
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Columns of the file")
    expect(page.get_by_text("ligne.csv: 200 rows.")).to_be_visible()
    # Titles the platform knows are chosen already; "Lieu" is not, so the check is refused.
    expect(field(page, "Title")).to_have_value("Titre")
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the column of “District”.")
    assert_accessible(page)
    field(page, "District").select_option("Lieu")
    # Here the live server checks (then imports) the file inside the request, where a
    # worker would do it in the background: 200 rows through the services take seconds
    # on a busy machine, so these two clicks wait longer than a page does.
    page.get_by_role("button", name="Check the file").click(timeout=WHOLE_FILE_TIMEOUT_MS)

    expect(page.get_by_role("heading", name="Step 3 of 3: the check")).to_be_visible()
    summary = page.locator(".headline-figures")
    expect(summary).to_contain_text("197would be accepted")
    expect(summary).to_contain_text("3refused, with the reason")
    expect(summary).to_contain_text("2may repeat a record")
    refused = page.get_by_role("table", name="Refused rows and why")
    expect(refused).to_contain_text("No district is called “Quartier inconnu”.")
    expect(refused).to_contain_text("the caller's consent is not recorded.")
    expect(page.get_by_role("table", name="Possible duplicates")).to_contain_text("offer #")
    assert_accessible(page)
    assert Offer.objects.filter(origin="phone").count() == 2  # the check imported nothing

    page.get_by_role("button", name="Import the accepted rows").click(timeout=WHOLE_FILE_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    expect(page.locator(".headline-figures")).to_contain_text("195imported")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the rows left out")).click()
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert len(report.strip().splitlines()) == 1 + 3 + 2
    assert_accessible(page)


def test_staff_import_the_phone_line_and_the_figures_follow(
    new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    SectorFactory(name="Centre-ville", code="centre")
    for phone in DUPLICATE_PHONES:
        OfferFactory(by_phone=True, caller_phone=phone)
    for _number in range(3):  # three critical housing needs: fewer than five, publicly
        NeedFactory(critical=True)
    staff: User = UserFactory(staff=True, preferred_language="en")
    page = new_page("en-GB")
    sign_in(page, live_server, staff)

    page.goto(live_server.url + "/equipe/tableau-de-bord/?period=all")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    assert pending_cell(page) == "2"
    assert_accessible(page)

    import_the_file(page, live_server)
    job = ImportJob.objects.get()
    assert job.imported == 195
    assert Offer.objects.filter(origin="phone", status="pending").count() == 197
    assert AuditEntry.objects.filter(action="imports.job.imported", actor=staff).count() == 1

    page.goto(live_server.url + "/equipe/tableau-de-bord/?period=all")
    assert pending_cell(page) == "197"
    chart = page.get_by_role("img", name=re.compile("Offers by state"))
    expect(chart).to_contain_text("197")
    assert_accessible(page)

    for language in ("fr", "ar"):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.goto(live_server.url + "/equipe/tableau-de-bord/?period=all")
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_accessible(page)

    for language, locale in (("fr", "fr-FR"), ("ar", "ar")):
        visitor = new_page(locale)
        visitor.goto(live_server.url + "/statistiques/")
        expect(visitor.locator("html")).to_have_attribute("lang", language)
        fewer = in_language(language, "fewer than %(threshold)s") % {"threshold": 5}
        needs = visitor.get_by_role(
            "table", name=re.compile(in_language(language, "Needs open now, by kind of help"))
        )
        housing = needs.locator("tbody tr").first
        expect(housing.locator("td").first).to_have_text(fewer)  # 3 critical housing needs
        figures = visitor.locator("main td, main .headline-figures strong, main svg text")
        small = {str(n) for n in range(1, 5)}
        assert not small & {text.strip() for text in figures.all_text_contents()}
        assert_accessible(visitor)
        visitor.goto(live_server.url + "/besoins/")
        expect(visitor.locator("main")).to_contain_text(fewer)
        assert_accessible(visitor)
