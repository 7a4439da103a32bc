"""Staff at surge scale, in a real browser on a phone-sized screen (issue 11): an agent
filters the queue to one district, approves three offers with "Approve and next",
bulk-approves five donations after the preview; a second agent sees what the first holds;
staff search a street and a caller's phone and find the offer; staff pair a need with an
offer the engine did not suggest. axe-core checks every page on the way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from matching.models import Match
from offers.models import Offer
from tests.browser.fixtures import assert_accessible
from tests.browser.test_notifications import sign_in
from tests.browser.test_smoke import field
from tests.factories import OfferFactory, OrganisationFactory, SectorFactory, UserFactory
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.browser]


def _ago(hours: int) -> object:
    return timezone.now() - timedelta(hours=hours)


def approve_three_in_one_district(page: Page, district: str) -> None:
    page.get_by_role("link", name="Staff area", exact=True).click()
    page.get_by_role("link", name="Offers to review", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offers to review")
    field(page, "District").select_option(label=district)
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_role("link", name="Sheets 1")).to_be_visible()
    expect(page.get_by_role("link", name="Blankets 1")).to_have_count(0)  # another district
    assert_accessible(page)
    page.get_by_role("link", name="Sheets 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sheets 1")
    page.wait_for_load_state("load")  # counted from here: the first offer's own load is not
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    for number in (1, 2, 3):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Sheets {number}")
        if number == 1:
            assert_accessible(page)
        page.get_by_role("button", name="Approve and next").click()
        expect(page.get_by_text("The offer is published and its owner told.")).to_be_visible()
    # One click and one page load per moderated offer (the redirect is not a page shown).
    assert len(loads) == 3
    # The fourth of the district is open, and held by this agent.
    expect(page.get_by_role("heading", level=1)).to_have_text("Sheets 4")
    expect(page.get_by_text("You hold it since")).to_be_visible()
    assert_accessible(page)


def bulk_approve_five_donations(page: Page) -> None:
    page.get_by_role("link", name="Back to the offers to review").click()
    page.get_by_role("link", name="Clear the filters").click()
    for number in range(1, 6):
        page.get_by_label(f"Publish “Blankets {number}” with the others ticked").check()
    page.get_by_role("button", name="Preview the ticked offers of goods and skills").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish these offers?")
    assert_accessible(page)
    page.get_by_role("button", name="Publish these 5 offers").click()
    expect(page.get_by_text("5 offers are published and their owners told.")).to_be_visible()
    assert_accessible(page)


def search_a_street_and_a_phone(page: Page) -> None:
    page.get_by_role("link", name="Search", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search offers and needs")
    assert_accessible(page)
    field(page, "Search offers and needs").fill("rue des Lilas")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("link", name="Room by the park")).to_be_visible()
    field(page, "Search offers and needs").fill("06 12 34 56 78")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("link", name="Winter coats")).to_be_visible()
    assert_accessible(page)


def pair_by_hand(page: Page, need_id: int) -> None:
    page.get_by_role("link", name="Workbench", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Matching")
    assert_accessible(page)
    page.get_by_role("link", name=f"#{need_id}", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Need #{need_id}")
    field(page, "Offer to pair").fill("Room by the park")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("Fits every rule of matching.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Propose this pair").click()
    expect(page.get_by_text("Proposed. Both sides are told and asked to answer.")).to_be_visible()
    assert_accessible(page)


def test_staff_work_a_surge_queue_together(
    new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    north, south = SectorFactory(name="Nord"), SectorFactory(name="Sud")
    for number in range(1, 5):
        OfferFactory(pending=True, sector=north, title=f"Sheets {number}",
                     submitted_at=_ago(50 - number))  # fmt: skip
    for number in range(1, 6):
        OfferFactory(pending=True, sector=south, title=f"Blankets {number}",
                     submitted_at=_ago(20 - number))  # fmt: skip
    room = OfferFactory(housing=True, published=True, sector=north, title="Room by the park",
                        street_address="12 rue des Lilas")  # fmt: skip
    OfferFactory(by_phone=True, published=True, sector=south, title="Winter coats",
                 caller_phone="0612345678")  # fmt: skip
    need = NeedFactory(organisation=OrganisationFactory(), urgency="critical",
                       opened_at=_ago(3))  # fmt: skip
    agent: User = UserFactory(staff=True, preferred_language="en", display_name="Alix")
    second: User = UserFactory(staff=True, preferred_language="en", display_name="Sami")

    page = new_page("en-GB")
    sign_in(page, live_server, agent)
    approve_three_in_one_district(page, "Nord")
    assert Offer.objects.filter(title__startswith="Sheets", status="published").count() == 3

    other = new_page("en-GB")
    sign_in(other, live_server, second)
    other.goto(live_server.url + "/equipe/offres/")
    expect(other.get_by_text("Alix since")).to_be_visible()
    assert_accessible(other)

    bulk_approve_five_donations(page)
    assert Offer.objects.filter(title__startswith="Blankets", status="published").count() == 5
    search_a_street_and_a_phone(page)
    pair_by_hand(page, need.pk)
    assert Match.objects.get(need=need, offer=room).status == Match.Status.PROPOSED
