"""The main journeys of a resident, in a real browser sized like a phone.

Each test runs against pytest-django's live server (same process: ``mail.outbox`` holds
what the site sends) and checks every distinct page it visits with axe-core. Controls are
found by their role and accessible name, so the tests also prove that they are labelled.

Our own interface strings are looked up in the French catalogue (``french``) rather than
copied here, so that a translator can reword them; allauth's strings come from allauth's
own French catalogue.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.fixtures import assert_accessible
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser]

ARABIC = re.compile(r"[\u0600-\u06FF]")
HOME_HEADING = "Together, let's welcome newly arrived people in %(city_name)s"


def french(message: str) -> str:
    """``message`` as the French interface shows it; fails if it is not translated yet."""
    with translation.override("fr"):
        translated = translation.gettext(message)
    assert translated != message, f"The French catalogue has no translation for {message!r}"
    return translated


def french_home_heading() -> str:
    return french(HOME_HEADING) % {"city_name": settings.ENTRAIDE_CITY_NAME}


def on_live_server(url: str, live_server_url: str) -> str:
    """The same path and query, on the live server (e-mails may name another host)."""
    server = urlsplit(live_server_url)
    parts = urlsplit(url)
    return urlunsplit((server.scheme, server.netloc, parts.path, parts.query, parts.fragment))


def last_mail_to(address: str) -> mail.EmailMessage:
    sent = [message for message in mail.outbox if address in message.to]
    assert sent, f"No e-mail was sent to {address}; outbox: {[m.to for m in mail.outbox]}"
    return sent[-1]


def field(page: Page, label: str) -> Locator:
    """The form field labelled ``label`` (French labels end with " :")."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*:?\s*$"))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name=french("Sign out"), exact=True).click()
    expect(page.get_by_role("link", name=french("Sign in"), exact=True)).to_be_visible()


def test_the_home_page_speaks_french_by_default_and_is_accessible(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/")

    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fr")
    expect(html).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text(french_home_heading())
    expect(page.get_by_role("link", name=french("Create an account"), exact=True)).to_be_visible()

    # The first Tab reaches the skip link, which shows up and leads into the main content.
    skip_link = page.get_by_role("link", name=french("Skip to main content"), exact=True)
    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    assert_accessible(page)


def test_the_home_page_switches_to_arabic_right_to_left(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/")
    french_heading = french_home_heading()

    page.get_by_role("combobox", name=french("Language")).select_option("ar")
    page.get_by_role("button", name=french("Change"), exact=True).click()

    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    heading = page.get_by_role("heading", level=1)
    expect(heading).not_to_have_text(french_heading)
    expect(heading).to_have_text(ARABIC)
    # The choice sticks: the switcher now shows Arabic as the current language.
    expect(page.locator("#language-select")).to_have_value("ar")

    assert_accessible(page)


def test_a_resident_signs_up_confirms_the_email_and_signs_in(
    page: Page, live_server: LiveServer
) -> None:
    email = "nouvelle.habitante@example.org"
    password = "un-toit-pour-tous-2026"

    # Home page, then the sign-up form.
    page.goto(live_server.url + "/")
    assert_accessible(page)
    page.get_by_role("link", name=french("Create an account"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/compte/signup/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(french("Create an account"))
    assert_accessible(page)

    field(page, "Courriel").fill(email)
    field(page, french("Display name (optional)")).fill("Amina")
    field(page, "Mot de passe").fill(password)
    page.get_by_role("button", name=french("Create my account"), exact=True).click()

    # "Check your e-mail".
    expect(page).to_have_url(re.compile(r"/compte/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre adresse e-mail")
    assert_accessible(page)

    # The link in the e-mail leads to a confirmation page with a button.
    message = last_mail_to(email)
    match = re.search(r"https?://\S+/compte/confirm-email/\S+", str(message.body))
    assert match, f"No confirmation link in the e-mail:\n{message.body}"
    page.goto(on_live_server(match.group(0), live_server.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer l'adresse e-mail")
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer", exact=True).click()

    # Confirming signs the resident in, on "offer help".
    expect(page).to_have_url(re.compile(r"/offres/nouvelle/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(french("Offer help"))
    assert_accessible(page)
    page.get_by_role("link", name=french("My account"), exact=True).click()
    expect(page.get_by_role("main")).to_contain_text(email)

    # Sign out from the header, then back in with the password.
    sign_out(page)
    page.goto(live_server.url + "/compte/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    assert_accessible(page)
    field(page, "Courriel").fill(email)
    field(page, "Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion", exact=True).click()

    expect(page).to_have_url(re.compile(r"/compte/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(french("My account"))
    expect(page.get_by_role("link", name=french("My account"), exact=True)).to_be_visible()


def test_a_person_without_a_password_signs_in_with_an_emailed_code(
    page: Page, live_server: LiveServer
) -> None:
    email = "benevole@example.org"
    UserFactory(email=email)  # Verified e-mail address; we never use the password here.

    page.goto(live_server.url + "/compte/login/")
    page.get_by_role("link", name="Envoyez-moi un code de connexion", exact=True).click()

    expect(page).to_have_url(re.compile(r"/compte/login/code/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Envoyez-moi un code de connexion")
    assert_accessible(page)
    field(page, "Courriel").fill(email)
    page.get_by_role("button", name="Demander un code", exact=True).click()

    expect(page).to_have_url(re.compile(r"/compte/login/code/confirm/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Entrez le code de connexion")
    assert_accessible(page)
    message = last_mail_to(email)
    match = re.search(r"^\s*([A-Z0-9]+(?:-[A-Z0-9]+)+|[0-9]{6,})\s*$", str(message.body), re.M)
    assert match, f"No sign-in code in the e-mail:\n{message.body}"
    field(page, "Code").fill(match.group(1))
    page.get_by_role("button", name="Confirmer", exact=True).click()

    expect(page).to_have_url(re.compile(r"/compte/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(french("My account"))
    expect(page.get_by_role("main")).to_contain_text(email)
