"""The matching journey in a real browser, on phone-sized pages: staff open an urgent need
on the workbench, read why a room suits it and propose it; the host and the association
each accept; only then does each see how to reach the other. axe-core checks every page
on the way. The journey runs in English."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from matching.models import Match
from tests.browser.fixtures import assert_accessible
from tests.browser.test_notifications import sign_in
from tests.factories import (
    HousingCheckFactory,
    MembershipFactory,
    OfferFactory,
    OrganisationFactory,
    SectorFactory,
    UserFactory,
)
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.browser]

ROOM = "Quiet room by the tram"
HOST_PHONE = "06 55 44 33 22"
ADDRESS = "8 chemin des Alouettes"
ASSOCIATION_PHONE = "04 76 12 12 12"


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def staff_propose_the_room(page: Page, need_id: int) -> None:
    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("link", name=re.compile("^Matching workbench")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Matching")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(rf"#{need_id}$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Need #{need_id}")
    suggestion = page.get_by_role("listitem").filter(has_text=ROOM)
    expect(suggestion).to_contain_text("Critical need: within 48 hours")
    expect(page.locator("main")).not_to_contain_text(ADDRESS)
    assert_accessible(page)

    suggestion.get_by_role("button", name=f"Propose “{ROOM}”").click()
    expect(page.get_by_text("Proposed. Both sides are told and asked to answer.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Match #\d+$"))
    assert_accessible(page)


def open_the_proposal(page: Page) -> None:
    page.get_by_role("link", name="My proposals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My proposals")
    assert_accessible(page)
    page.get_by_role("link", name=ROOM).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposal")


def accept(page: Page, message: str) -> None:
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text(message)).to_be_visible()
    assert_accessible(page)


def test_staff_propose_a_room_for_an_urgent_need_and_both_sides_accept(
    new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    sector = SectorFactory(code="tram", name="Tram district")
    staff: User = UserFactory(staff=True, preferred_language="en")
    host: User = UserFactory(preferred_language="en", display_name="Camille", phone=HOST_PHONE)
    organisation = OrganisationFactory(
        name="Welcome Together", contact_name="Nadia", contact_phone=ASSOCIATION_PHONE
    )
    member: User = MembershipFactory(organisation=organisation, user__preferred_language="en").user
    room = OfferFactory(
        housing=True, published=True, owner=host, sector=sector, title=ROOM,
        capacity=2, household_types=["single_adult"], street_address=ADDRESS,
    )  # fmt: skip
    HousingCheckFactory(offer=room)
    HousingCheckFactory(offer=room, visit=True)
    need = NeedFactory(organisation=organisation, critical=True)

    staff_page = new_page("en-GB")
    sign_in(staff_page, live_server, staff)
    staff_propose_the_room(staff_page, need.pk)
    match = Match.objects.get()
    assert match.status == Match.Status.PROPOSED

    host_page = new_page("en-GB")
    sign_in(host_page, live_server, host)
    open_the_proposal(host_page)
    expect(host_page.get_by_text("You will see how to reach the other side")).to_be_visible()
    expect(host_page.locator("main")).not_to_contain_text(ASSOCIATION_PHONE)
    assert_accessible(host_page)
    accept(host_page, "Thank you. We are waiting for the other side.")

    member_page = new_page("en-GB")
    sign_in(member_page, live_server, member)
    open_the_proposal(member_page)
    expect(member_page.locator("main")).not_to_contain_text(HOST_PHONE)
    assert_accessible(member_page)
    accept(member_page, "Both sides accepted: you can now reach each other.")
    expect(member_page.get_by_role("heading", level=1)).to_have_text("Match confirmed")
    contact = member_page.get_by_role("region", name="How to reach the resident")
    expect(contact).to_contain_text(HOST_PHONE)
    expect(contact).to_contain_text(ADDRESS)

    host_page.reload()
    expect(host_page.get_by_role("heading", level=1)).to_have_text("Match confirmed")
    expect(host_page.get_by_role("region", name="How to reach the association")).to_contain_text(
        ASSOCIATION_PHONE
    )
    assert_accessible(host_page)
    match.refresh_from_db()
    assert match.status == Match.Status.CONFIRMED


def test_a_critical_need_published_after_the_batch_alerts_staff_with_a_plan_for_it(
    new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    import time

    from django.urls import reverse

    from matching.batch import batch_run

    sector = SectorFactory(code="gare", name="Station district")
    staff: User = UserFactory(staff=True, preferred_language="en")
    organisation = OrganisationFactory(name="Open Doors")
    member: User = MembershipFactory(organisation=organisation, user__preferred_language="en").user
    step_free = OfferFactory(
        housing=True, published=True, sector=sector, title="Ground-floor room, no steps",
        capacity=1, household_types=["single_adult", "woman_alone"], step_free_access=True,
    )  # fmt: skip
    OfferFactory(housing=True, published=True, sector=sector, title="Attic room", capacity=1,
                 household_types=["single_adult", "woman_alone"])  # fmt: skip
    for _ in range(2):
        NeedFactory(organisation=organisation)
    batch_run()  # this morning's run gave both rooms to the two needs above
    newcomer = NeedFactory(organisation=organisation, draft=True, critical=True,
                           step_free_access=True, household_type="woman_alone")  # fmt: skip

    member_page = new_page("en-GB")
    sign_in(member_page, live_server, member)
    member_page.goto(live_server.url + reverse("needs:detail", args=[newcomer.pk]))
    published_at = time.monotonic()
    member_page.get_by_role("button", name="Publish the need").click()
    expect(member_page.get_by_role("heading", level=1)).to_be_visible()

    staff_page = new_page("en-GB")
    sign_in(staff_page, live_server, staff)
    alert = staff_page.get_by_role("link", name=re.compile(r"^Notifications\s+1\s+unread$"))
    expect(alert).to_be_visible()
    alert.click()
    item = staff_page.get_by_role("listitem").filter(has_text=f"Critical need #{newcomer.pk}")
    expect(item).to_contain_text("a plan is ready")
    assert time.monotonic() - published_at < 60
    assert_accessible(staff_page)

    need_page = reverse("matching-staff:need", args=[newcomer.pk])
    assert item.get_by_role("link").get_attribute("href").endswith(need_page)  # type: ignore[union-attr]
    # (the link is absolute, to ENTRAIDE_BASE_URL: here, through the workbench instead)
    staff_page.get_by_role("link", name="Staff area").click()
    staff_page.get_by_role("link", name=re.compile("^Matching workbench")).click()
    staff_page.get_by_role("link", name=re.compile(rf"#{newcomer.pk}$")).first.click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text(f"Need #{newcomer.pk}")
    plan = staff_page.get_by_role("region", name="The current plan for this need")
    expect(plan).to_contain_text(step_free.title)
    expect(plan.get_by_role("button", name="Propose this plan")).to_be_visible()
    assert_accessible(staff_page)
