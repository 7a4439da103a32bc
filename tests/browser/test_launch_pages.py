"""The pages of a launch, in a phone-sized Chromium with axe-core: the coordinator's
launch guide and host charter, a host accepting the charter, an association choosing
what "Find help" shows. The new strings are not in the French catalogue yet, so these
journeys run in English (and in Arabic, right to left, for the public charter)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import Membership, User
from offers import services as offer_services
from offers.models import Offer
from tests.browser.fixtures import assert_accessible
from tests.browser.test_smoke import field
from tests.factories import PASSWORD, MembershipFactory, OfferFactory, SectorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server: LiveServer, user: User) -> None:
    """Sign in as ``user``, who reads English (their pages follow their preference)."""
    User.objects.filter(pk=user.pk).update(preferred_language="en")
    page.goto(live_server.url + "/compte/login/")
    field(page, "Email").fill(user.email)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/compte/$"))


def test_a_coordinator_follows_the_launch_guide_and_publishes_the_host_charter(
    english_page: Page, live_server: LiveServer, coordinator: User
) -> None:
    page = english_page
    sign_in(page, live_server, coordinator)
    page.goto(live_server.url + "/equipe/")
    page.get_by_role("link", name="Launching the scheme: the guide and what is done").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Launching the scheme")
    step = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=re.compile("The host charter"))
    )
    expect(step).to_contain_text("To do")
    assert_accessible(page)

    step.get_by_role("link", name="Write the host charter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Host charter")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Charter in French")).fill(
        "Je m'engage à accueillir avec respect."
    )
    page.get_by_label(re.compile(r"^Charter in Arabic")).fill("أتعهد باستقبال الضيوف باحترام.")
    page.get_by_role("button", name="Publish this version").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 of the host charter")
    assert_accessible(page)

    page.goto(live_server.url + "/equipe/lancement/")
    expect(step).to_contain_text("In place")


def test_a_host_accepts_the_charter_before_sending_a_housing_offer(
    new_page: Callable[..., Page], live_server: LiveServer, resident: User, coordinator: User
) -> None:
    offer_services.host_charter_publish(
        by=coordinator,
        texts={
            "fr": "Je m'engage à accueillir avec respect.",
            "ar": "أتعهد باستقبال الضيوف باحترام.",
        },
    )
    offer = OfferFactory(owner=resident, housing=True, sector=SectorFactory())
    page = new_page("en-GB")
    sign_in(page, live_server, resident)
    page.goto(live_server.url + f"/offres/{offer.pk}/envoyer/")
    expect(page.get_by_role("heading", name="The host charter (version 1)")).to_be_visible()
    expect(page.locator(".charter__text")).to_have_attribute("lang", "fr")
    assert_accessible(page)

    send = page.get_by_role("button", name="Send to the city team")
    send.click()  # the box is required: the browser keeps the form here
    expect(page).to_have_url(re.compile(rf"/offres/{offer.pk}/envoyer/$"))
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DRAFT

    page.get_by_label("I have read the host charter (version 1) and I accept it.").check()
    send.click()
    expect(page).to_have_url(re.compile(rf"/offres/{offer.pk}/$"))
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING

    # The public page of the charter, in Arabic, right to left.
    arabic = new_page("ar")
    arabic.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar", "url": live_server.url}]
    )
    arabic.goto(live_server.url + "/offres/charte/")
    expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
    expect(arabic.locator(".charter__text")).to_contain_text("أتعهد باستقبال الضيوف باحترام.")
    assert_accessible(arabic)


def test_an_association_chooses_what_find_help_shows(
    english_page: Page, live_server: LiveServer
) -> None:
    SectorFactory(name="Villeneuve")
    admin = MembershipFactory(
        organisation__name="Accueil de la Villeneuve", role=Membership.Role.ADMIN
    ).user
    page = english_page
    sign_in(page, live_server, admin)
    page.goto(live_server.url + f"/associations/{admin.memberships.get().organisation_id}/")
    page.get_by_role("link", name="Choose what appears publicly").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Our public page")
    assert_accessible(page)

    page.get_by_label("Shown on the Find help page").check()
    page.get_by_label("Food").check()
    page.get_by_label("Someone to talk to").check()
    page.get_by_label("Villeneuve").check()
    page.get_by_label("Public phone").fill(admin.phone or "04 76 11 22 33")
    page.get_by_label("Opening hours").fill("Mercredi 14 h – 18 h")
    page.get_by_label("Tigrinya").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your public page is saved.")

    page.goto(live_server.url + "/trouver-de-l-aide/")
    card = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Accueil de la Villeneuve")
    )
    expect(card).to_contain_text("Food, Someone to talk to")
    expect(card).to_contain_text("Tigrinya")
    expect(card).not_to_contain_text(admin.email)
    assert_accessible(page)
