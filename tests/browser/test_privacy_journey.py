"""A resident downloads their data, then erases their account; the association they were
matched with still sees the match as completed, without the resident's contact. Staff read
the audit log, the retention table and a caller's page; an association admin reads its
organisation's data. In Chromium sized like a phone, every page checked with axe-core.

The pages are in English (their strings are new). With ``ENTRAIDE_JOURNEY_SCREENSHOTS=
<folder>`` each step is saved there as a phone-sized screenshot.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from matching import services as matching
from matching.models import Match
from tests.browser.fixtures import assert_accessible
from tests.browser.test_notifications import sign_in
from tests.factories import MembershipFactory, OfferFactory, OrganisationFactory, UserFactory
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.browser]

HOST_EMAIL = "camille.host@example.org"
ADDRESS = "17 impasse des Glycines"


def snapshot(page: Page, name: str) -> None:
    folder = os.environ.get("ENTRAIDE_JOURNEY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"privacy-{name}.png"), full_page=True)
        # The top of the page as a phone shows it, for a quick look.
        page.screenshot(path=str(Path(folder) / f"privacy-{name}-top.png"))


@pytest.fixture
def completed(transactional_db: Any) -> dict[str, Any]:
    organisation = OrganisationFactory(name="Asso Solidaire", contact_name="Nadia",
                                       contact_email="accueil@asso.example.org")  # fmt: skip
    member = MembershipFactory(organisation=organisation, admin=True,
                               user__email="member@example.org",
                               user__preferred_language="en").user  # fmt: skip
    host = UserFactory(email=HOST_EMAIL, phone="06 11 22 33 44", display_name="Camille",
                       preferred_language="en")  # fmt: skip
    staff = UserFactory(email="agent@example.org", staff=True, preferred_language="en")
    coordinator = UserFactory(email="coord@example.org", coordinator=True,
                              preferred_language="en")  # fmt: skip
    room = OfferFactory(housing=True, published=True, owner=host, title="Chambre lumineuse",
                        capacity=2, household_types=["single_adult"],
                        street_address=ADDRESS)  # fmt: skip
    need = NeedFactory(organisation=organisation)
    match = matching.match_propose(need=need, offer=room, by=staff)
    matching.match_accept(match=match, by=host)
    matching.match_accept(match=match, by=member)
    matching.match_complete(match=match, by=member, outcome="went_well")
    OfferFactory(by_phone=True, caller_phone="0612345678", title="Vêtements d'enfant")
    return {"host": host, "member": member, "staff": staff, "coordinator": coordinator,
            "match": match, "organisation": organisation}  # fmt: skip


def test_a_resident_downloads_then_erases_their_data_and_the_match_stays_for_the_association(
    new_page: Callable[..., Page], live_server: LiveServer, completed: dict[str, Any]
) -> None:
    host, member, match = completed["host"], completed["member"], completed["match"]
    page = new_page("en-GB")
    sign_in(page, live_server, host)
    page.get_by_role("link", name=re.compile("^My data")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    expect(page.get_by_role("main")).to_contain_text(ADDRESS)
    expect(page.get_by_role("main")).to_contain_text("When city staff read your contact details")
    assert_accessible(page)
    snapshot(page, "1-my-data")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (JSON file)").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["account"][0]["email"] == HOST_EMAIL
    assert data["offers"][0]["street_address"] == ADDRESS
    assert data["offers"][0]["matches"][0]["status"] == "completed"

    page.get_by_role("link", name="Erase my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase my account")
    assert_accessible(page)
    snapshot(page, "2-erase")
    page.get_by_role("button", name="Erase my account for good").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")  # not ticked
    assert_accessible(page)
    page.get_by_label(re.compile("^I understand")).check()
    page.get_by_role("button", name="Erase my account for good").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is erased")
    assert_accessible(page)
    snapshot(page, "3-erased")
    assert not User.objects.filter(email=HOST_EMAIL).exists()

    association = new_page("en-GB")
    sign_in(association, live_server, member)
    association.goto(f"{live_server.url}/mises-en-relation/{match.pk}/")
    main = association.get_by_role("main")
    expect(main).to_contain_text("Completed")
    expect(main).to_contain_text("The resident's contact is no longer kept")
    expect(main).not_to_contain_text(HOST_EMAIL)
    expect(main).not_to_contain_text(ADDRESS)
    assert_accessible(association)
    snapshot(association, "4-association-sees-the-match")
    assert Match.objects.get(pk=match.pk).status == "completed"

    association.goto(f"{live_server.url}/associations/{completed['organisation'].pk}/donnees/")
    expect(association.get_by_role("heading", level=1)).to_contain_text("The data of")
    assert_accessible(association)
    snapshot(association, "5-organisation-data")
    association.get_by_role("link", name="Close the organisation").click()
    expect(association.get_by_role("heading", level=1)).to_contain_text("Close Asso Solidaire")
    assert_accessible(association)


def test_staff_read_the_audit_log_the_retention_table_and_a_callers_data(
    new_page: Callable[..., Page], live_server: LiveServer, completed: dict[str, Any]
) -> None:
    staff = new_page("en-GB")
    sign_in(staff, live_server, completed["coordinator"])
    staff.goto(f"{live_server.url}/equipe/")
    staff.get_by_role("link", name="Audit log", exact=True).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(staff.get_by_role("main")).to_contain_text("Read the other side's contact of a match")
    assert_accessible(staff)
    snapshot(staff, "6-audit-log")
    staff.get_by_label(re.compile("^What")).select_option("matching.match.proposed")
    staff.get_by_role("button", name="Filter").click()
    expect(staff.locator("tbody tr")).to_have_count(1)
    with staff.expect_download() as download:
        staff.get_by_role("link", name=re.compile("^Download these entries")).click()
    assert "matching.match.proposed" in Path(download.value.path()).read_text(encoding="utf-8-sig")

    staff.goto(f"{live_server.url}/equipe/conservation/")
    expect(staff.get_by_role("main")).to_contain_text("12 months")
    assert_accessible(staff)
    snapshot(staff, "7-retention")

    staff.goto(f"{live_server.url}/equipe/appelants/")
    staff.get_by_label(re.compile("^The caller's phone")).fill("06 12 34 56 78")
    staff.get_by_role("button", name="Find their offers").click()
    expect(staff.get_by_role("main")).to_contain_text("Vêtements d'enfant")
    assert_accessible(staff)
    snapshot(staff, "8-caller")
