"""The other pages of a placement, in a phone-sized browser, each checked with axe-core:
staff answering for a counter need and a phone offer with consent, the lists of people to
call and of offers to call back, the accreditation of an organisation for minors, the end
of a match recorded from its page, "My proposals" narrowed to one need, and the agreement
in Arabic, right to left."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import Organisation, User
from matching import services
from matching.models import Match
from offers import services as offer_services
from offers.models import Offer
from tests.browser.fixtures import assert_accessible
from tests.browser.test_notifications import sign_in
from tests.browser.test_placement_journey import snapshot
from tests.browser.test_smoke import field
from tests.factories import (
    MembershipFactory,
    OfferFactory,
    OrganisationFactory,
    SectorFactory,
    UserFactory,
)
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.browser]


def phone_room(sector: object, title: str, days: int = 1) -> Offer:
    offer: Offer = OfferFactory(
        by_phone=True, housing=True, sector=sector, capacity=2, title=title,
        household_types=["single_adult"],
    )  # fmt: skip
    Offer.objects.filter(pk=offer.pk).update(
        status=Offer.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(days=days),
        last_confirmed_at=timezone.now() - timedelta(days=days),
    )
    offer.refresh_from_db()
    return offer


def test_staff_confirm_a_counter_need_with_a_phone_offer_and_find_whom_to_call(
    new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    sector = SectorFactory(code="gare", name="Gare")
    staff = UserFactory(email="agent@example.org", staff=True, preferred_language="en")
    room = phone_room(sector, "Room offered on the phone")
    phone_room(sector, "Flat to confirm", days=40)
    offer_services.offers_send_availability_reminders()
    match = services.match_propose(need=NeedFactory(counter=True), offer=room, by=staff)

    page = new_page("en-GB")
    sign_in(page, live_server, staff)
    page.goto(live_server.url + "/equipe/mises-en-relation/a-appeler/")
    expect(page.get_by_role("heading", level=1)).to_have_text("People without an account to call")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(rf"^Match #{match.pk}")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Match #{match.pk}")
    assert_accessible(page)
    host = page.get_by_role("region", name=re.compile("^Answer for: The host"))
    host.get_by_role("button", name=re.compile("^They accept")).click()
    expect(page.get_by_text("Record that the person agreed")).to_be_visible()  # no consent
    host = page.get_by_role("region", name=re.compile("^Answer for: The host"))
    host.get_by_label(re.compile("^The person agreed")).check()
    host.get_by_role("button", name=re.compile("^They accept")).click()
    expect(page.get_by_text("Their answer is recorded.")).to_be_visible()
    counter = page.get_by_role("region", name=re.compile("^Answer for: The person met"))
    counter.get_by_label(re.compile("^The person agreed")).check()
    counter.get_by_role("button", name=re.compile("^They accept")).click()
    expect(page.get_by_text("Both sides accepted: contacts are shared.")).to_be_visible()
    assert_accessible(page)
    snapshot(page, "9-staff-answered-for-both-sides")
    match.refresh_from_db()
    assert match.status == Match.Status.CONFIRMED

    page.get_by_role("link", name="The hosting agreement, to print").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hosting agreement")
    assert_accessible(page)

    page.goto(live_server.url + "/equipe/offres/a-rappeler/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Call back to confirm")
    assert_accessible(page)
    page.get_by_role("button", name="Still available — Flat to confirm").click()
    expect(page.get_by_text("Nobody to call back today.")).to_be_visible()
    assert_accessible(page)


def test_staff_accredit_an_organisation_for_the_care_of_minors(
    page: Page, live_server: LiveServer
) -> None:
    staff = UserFactory(email="agent@example.org", staff=True, preferred_language="en")
    organisation = OrganisationFactory(name="Foyer des Jeunes")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    sign_in(page, live_server, staff)
    page.goto(live_server.url + "/equipe/associations/")
    page.get_by_role("link", name=re.compile("^Verified organisations")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verified organisations")
    assert_accessible(page)
    page.get_by_role("link", name="Foyer des Jeunes").click()
    assert_accessible(page)
    page.get_by_role("button", name="Record the accreditation for the care of minors").click()
    expect(page.get_by_text("is now accredited for the care of minors")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Accredited on")
    assert_accessible(page)
    organisation.refresh_from_db()
    assert organisation.minors_accredited_by == staff


def test_an_association_ends_a_stay_from_its_page_and_narrows_its_proposals_to_one_need(
    new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    sector = SectorFactory(code="tram", name="Tram")
    staff = UserFactory(email="agent@example.org", staff=True)
    organisation: Organisation = OrganisationFactory(name="Welcome Together")
    member: User = MembershipFactory(
        organisation=organisation, user__email="member@example.org", user__preferred_language="en"
    ).user
    host: User = UserFactory(email="host@example.org", preferred_language="ar")
    room = OfferFactory(housing=True, published=True, owner=host, sector=sector, capacity=2,
                        title="Room by the tram")  # fmt: skip
    other_room = OfferFactory(housing=True, published=True, sector=sector, capacity=2,
                              title="Studio by the school")  # fmt: skip
    stay = services.match_propose(need=NeedFactory(organisation=organisation), offer=room, by=staff)
    services.match_accept(match=stay, by=host)
    services.match_accept(match=stay, by=member)
    waiting = NeedFactory(organisation=organisation, internal_reference="FILE-9")
    services.match_propose(need=waiting, offer=other_room, by=staff)

    page = new_page("en-GB")
    sign_in(page, live_server, member)
    page.get_by_role("link", name="My proposals", exact=True).click()
    field(page, "Show the proposals of").select_option(label=f"Need #{waiting.pk} · FILE-9")
    page.get_by_role("button", name="Show").click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Studio by the school")
    expect(main).not_to_contain_text("Room by the tram")
    assert_accessible(page)

    page.goto(live_server.url + f"/mises-en-relation/{stay.pk}/")
    ended = page.get_by_role("region", name="Has the stay ended?")
    ended.get_by_label("It ended earlier than planned").check()
    ended.get_by_label("Yes: look for another offer").check()
    field(page, "It ended on").fill("")
    page.get_by_role("button", name="Record the end of this match").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")  # no date
    assert_accessible(page)
    field(page, "It ended on").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Record the end of this match").click()
    expect(page.get_by_text("Thank you: the end of this match is recorded.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("It ended earlier than planned")
    assert_accessible(page)
    stay.refresh_from_db()
    assert (stay.status, stay.outcome) == (Match.Status.COMPLETED, "ended_early")

    # The host reads the agreement in Arabic, right to left, and is asked about the room.
    host_page = new_page("ar")
    host_page.goto(live_server.url + "/compte/login/")
    host_page.locator("input[name=login]").fill(host.email)
    host_page.locator("input[name=password]").fill("correct-horse-battery")
    host_page.locator("form button[type=submit]").last.click()
    host_page.goto(live_server.url + f"/mises-en-relation/{stay.pk}/accord/")
    expect(host_page.locator("html")).to_have_attribute("dir", "rtl")
    expect(host_page.locator("html")).to_have_attribute("lang", "ar")
    assert_accessible(host_page)
    snapshot(host_page, "8-agreement-in-arabic")
    host_page.goto(live_server.url + f"/mises-en-relation/{stay.pk}/")
    assert_accessible(host_page)
