"""The offer journey in a real browser, on a phone-sized screen: a resident offers a room,
staff vet the host and approve it, the resident sees it published. axe-core checks every
page on the way. The journey runs in English; the French labels are checked elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from core.models import AuditEntry, Sector
from offers.models import Offer
from tests.browser.fixtures import assert_accessible
from tests.browser.test_notifications import sign_in
from tests.browser.test_smoke import field
from tests.factories import SectorFactory, UserFactory

pytestmark = [pytest.mark.browser]

TITLE = "Bright room near the park"
ADDRESS = "12 rue des Lilas"


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def offer_a_room(page: Page, sector: Sector) -> None:
    page.get_by_role("link", name="My offers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My offers")
    assert_accessible(page)
    page.get_by_role("link", name="Offer help").click()
    assert_accessible(page)
    page.get_by_label("Housing", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("Step 2 of 3: The details")).to_be_visible()
    # Sending the empty form lists what is missing, each error linked to its field.
    page.get_by_role("button", name="Continue").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Tick at least one kind of household you can welcome.")
    assert_accessible(page)

    field(page, "Title").fill(TITLE)
    page.get_by_role("group", name="Type of housing").get_by_label("A room in my home").check()
    field(page, "Number of beds").fill("1")
    field(page, "District").select_option(label=sector.name)
    page.get_by_role("group", name="Who is welcome").get_by_label("Woman alone").check()
    page.get_by_role("group", name="Languages spoken").get_by_label("French").check()
    field(page, "Street address").fill(ADDRESS)
    field(page, "Postcode").fill("38000")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check and send")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send to the city team").click()
    expect(page.get_by_text("The city team is checking this offer.")).to_be_visible()
    assert_accessible(page)


def vet_and_approve(page: Page) -> None:
    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("link", name="Offers to review", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offers to review")
    assert_accessible(page)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    # The address is not on the page until asked for, and asking is audited.
    expect(page.locator("main")).not_to_contain_text(ADDRESS)
    assert_accessible(page)

    # Approving before the vetting is refused with a clear message.
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text(re.compile("Before publishing this housing offer"))).to_be_visible()

    page.get_by_role("button", name="Show address and contact").click()
    expect(page.locator("main")).to_contain_text(ADDRESS)
    for step in ("Phone call with the host", "Visit of the housing"):
        field(page, "Step").select_option(label=step)
        page.get_by_role("button", name="Record this check").click()
        expect(page.get_by_text("The check is recorded.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("The offer is published and its owner told.")).to_be_visible()
    assert_accessible(page)


def test_a_resident_offers_a_room_that_staff_vet_and_publish(
    new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    sector = SectorFactory()
    resident = UserFactory(preferred_language="en", display_name="Camille")
    staff: User = UserFactory(staff=True, preferred_language="en")

    resident_page = new_page("en-GB")
    sign_in(resident_page, live_server, resident)
    offer_a_room(resident_page, sector)
    offer = Offer.objects.get(owner=resident)
    assert offer.status == Offer.Status.PENDING

    staff_page = new_page("en-GB")
    sign_in(staff_page, live_server, staff)
    vet_and_approve(staff_page)
    assert AuditEntry.objects.filter(action="offers.offer.contact_viewed", actor=staff).exists()

    resident_page.reload()
    expect(resident_page.get_by_text("This offer is published")).to_be_visible()
    resident_page.get_by_role("link", name="Notifications").first.click()
    expect(
        resident_page.get_by_role("link", name=f"Your offer “{TITLE}” is published.")
    ).to_be_visible()
    assert_accessible(resident_page)
