"""A household's placement from start to finish, in real browsers sized like a phone:

1. an association posts a critical need; staff run the batch and propose; both sides
   accept within 48 hours; the association prints the agreement; a week later the check-in
   says the stay has ended; the host says the room is free again; the room is published
   again and the next need gets it as a suggestion;
2. a "difficult" check-in reopens the need at the top of the staff queue, with new
   suggestions that leave out the room where it broke down; the household is placed again.

axe-core checks every page on the way. The pages are in English (their strings are new).
With ``ENTRAIDE_JOURNEY_SCREENSHOTS=<folder>`` each step of the household's need page is
saved there as a phone-sized screenshot. CI runs these on PostgreSQL (``.ci/run``)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from matching import follow_up
from matching.models import Match
from needs.models import Need
from offers.models import Offer
from tests.browser.fixtures import assert_accessible
from tests.browser.test_association_journey import group
from tests.browser.test_notifications import sign_in
from tests.browser.test_smoke import field, on_live_server
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

ROOM = "Bright room near the river"
SECOND_ROOM = "Quiet studio by the park"
ASSOCIATION_PHONE = "04 76 12 12 12"
CITY_LINE = "0 800 11 22 33"
REFERENCE = "FILE-2026-07"


def snapshot(page: Page, name: str) -> None:
    """A phone-sized, full-page picture of this step, when asked for (the closing note)."""
    folder = os.environ.get("ENTRAIDE_JOURNEY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def link_in_last_mail(address: str, pattern: str, live_server: LiveServer) -> str:
    for message in reversed(mail.outbox):
        if address in message.to:
            found = re.search(rf"https?://\S+{pattern}\S*", str(message.body))
            if found:
                return on_live_server(found.group(0), live_server.url)
    raise AssertionError(f"No {pattern} link was e-mailed to {address}")


def vetted_room(owner: User, title: str, sector: object) -> Offer:
    room: Offer = OfferFactory(
        housing=True, published=True, owner=owner, sector=sector, title=title, capacity=2,
        household_types=["single_adult"], street_address="12 quai de la Démo",
    )  # fmt: skip
    HousingCheckFactory(offer=room)
    HousingCheckFactory(offer=room, visit=True)
    return room


def open_need_page(page: Page, need_id: int) -> None:
    page.get_by_role("link", name="Our needs", exact=True).first.click()
    page.get_by_role("link", name=re.compile(rf"\(need {need_id}\)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing")


def post_critical_need(page: Page) -> Need:
    page.get_by_role("link", name="Our needs", exact=True).first.click()
    page.get_by_role("link", name="Post a need").click()
    group(page, "What is needed?").get_by_label("Housing", exact=True).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a need — Housing")
    group(page, "Housing that fits").get_by_label("A room in a shared home").check()  # type: ignore[attr-defined]
    group(page, "Urgency").get_by_label("Critical: within 48 hours").check()  # type: ignore[attr-defined]
    field(page, "Adults").fill("1")
    field(page, "Children").fill("0")
    group(page, "Household").get_by_label("Single adult").check()  # type: ignore[attr-defined]
    field(page, "Your internal reference").fill(REFERENCE)
    page.get_by_role("button", name="Next: review").click()
    page.get_by_role("button", name="Publish the need").click()
    expect(page.get_by_text("The need is published.")).to_be_visible()
    expect(page.get_by_role("region", name="Proposals and matches")).to_contain_text(
        "No proposal yet"
    )
    assert_accessible(page)
    snapshot(page, "1-need-published")
    return Need.objects.get(internal_reference=REFERENCE)


def staff_run_the_batch_and_propose(page: Page, need: Need) -> None:
    page.get_by_role("link", name="Staff area", exact=True).click()
    page.get_by_role("link", name=re.compile("^Matching workbench")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Matching")
    page.get_by_role("button", name="Run the batch now").click()
    expect(page.get_by_text("The batch run has started")).to_be_visible()
    box = page.get_by_label(f"Propose offer “{ROOM}” for need #{need.pk}")
    expect(box).not_to_be_checked()  # nothing is proposed unread
    box.check()
    assert_accessible(page)
    page.get_by_role("button", name="Propose the ticked suggestions").click()
    expect(page.get_by_text("1 proposal sent.")).to_be_visible()
    assert_accessible(page)


def accept_from_my_proposals(page: Page, room: str, message: str) -> None:
    page.get_by_role("link", name="My proposals", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My proposals")
    assert_accessible(page)
    page.get_by_role("link", name=room).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposal")
    assert_accessible(page)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text(message)).to_be_visible()
    assert_accessible(page)


def print_the_agreement(page: Page) -> None:
    page.get_by_role("link", name="The hosting agreement, to print").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hosting agreement")
    main = page.get_by_role("main")
    for text in (ROOM, ASSOCIATION_PHONE, CITY_LINE, "Follow-up by the city team", "1 adult"):
        expect(main).to_contain_text(text)
    expect(main).not_to_contain_text(REFERENCE)
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # our script ran
    assert_accessible(page)
    snapshot(page, "4-agreement-phone")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    pdf = page.pdf(format="A4")  # what the browser's print would make
    if os.environ.get("ENTRAIDE_JOURNEY_SCREENSHOTS"):
        (Path(os.environ["ENTRAIDE_JOURNEY_SCREENSHOTS"]) / "4-agreement.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1, "the agreement fits one page"
    page.emulate_media(media="screen")


def answer_check_in(page: Page, link: str, answer: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("How is it going?")
    assert_accessible(page)
    page.get_by_role("button", name=answer).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert_accessible(page)


def say_the_room_is_free_again(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Is your room available again?")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, it is available again").click()
    expect(page.get_by_text("Your room is published again")).to_be_visible()
    assert_accessible(page)


def send_the_week_check_ins(match: Match) -> None:
    match.refresh_from_db()
    assert match.confirmed_at is not None
    week = timezone.localdate(match.confirmed_at) + timedelta(days=7)
    assert follow_up.check_ins_send_due(today=week) == 2


@pytest.fixture
def city(settings: object) -> dict[str, object]:
    settings.ENTRAIDE_PHONE_LINE = CITY_LINE  # type: ignore[attr-defined]
    sector = SectorFactory(code="river", name="River district")
    organisation = OrganisationFactory(
        name="Welcome Together", contact_name="Nadia", contact_phone=ASSOCIATION_PHONE
    )
    return {
        "sector": sector,
        "organisation": organisation,
        "staff": UserFactory(email="agent@example.org", staff=True, preferred_language="en"),
        "host": UserFactory(
            email="host@example.org", preferred_language="en", display_name="Camille"
        ),
        "member": MembershipFactory(
            organisation=organisation,
            user__email="member@example.org",
            user__preferred_language="en",
        ).user,
    }


def test_a_household_is_placed_the_stay_ends_and_the_room_goes_to_the_next_household(
    new_page: Callable[..., Page], live_server: LiveServer, city: dict[str, object]
) -> None:
    staff, host, member = city["staff"], city["host"], city["member"]
    assert isinstance(staff, User) and isinstance(host, User) and isinstance(member, User)  # noqa: PT018
    room = vetted_room(host, ROOM, city["sector"])

    member_page = new_page("en-GB")
    sign_in(member_page, live_server, member)
    need = post_critical_need(member_page)

    staff_page = new_page("en-GB")
    sign_in(staff_page, live_server, staff)
    staff_run_the_batch_and_propose(staff_page, need)
    match = Match.objects.get(need=need, status=Match.Status.PROPOSED)
    assert match.answer_due - match.proposed_at == timedelta(hours=48)  # a critical need

    open_need_page(member_page, need.pk)
    panel = member_page.get_by_role("region", name="Proposals and matches")
    expect(panel).to_contain_text("Proposed")
    expect(panel).to_contain_text("Answer expected by")
    assert_accessible(member_page)
    snapshot(member_page, "2-need-proposed")

    host_page = new_page("en-GB")
    sign_in(host_page, live_server, host)
    accept_from_my_proposals(host_page, ROOM, "Thank you. We are waiting for the other side.")
    expect(host_page.get_by_role("main")).to_contain_text(f"The need #{need.pk}")
    expect(host_page.get_by_role("main")).not_to_contain_text(REFERENCE)
    accept_from_my_proposals(
        member_page, ROOM, "Both sides accepted: you can now reach each other."
    )
    expect(member_page.get_by_role("main")).to_contain_text(REFERENCE)
    match.refresh_from_db()
    assert match.status == Match.Status.CONFIRMED
    assert match.confirmed_at is not None
    assert match.confirmed_at - match.proposed_at < timedelta(hours=48)

    open_need_page(member_page, need.pk)
    expect(member_page.get_by_role("region", name="Proposals and matches")).to_contain_text(
        "Confirmed on"
    )
    snapshot(member_page, "3-need-matched")
    member_page.get_by_role("link", name=ROOM).click()
    print_the_agreement(member_page)

    # A week later, the host answers the check-in: the stay has ended.
    send_the_week_check_ins(match)
    answer_check_in(
        new_page("en-GB"), link_in_last_mail(host.email, "/mises-en-relation/suivi/", live_server),
        "It has ended",
    )  # fmt: skip
    match.refresh_from_db()
    assert match.status == Match.Status.COMPLETED
    room.refresh_from_db()
    assert room.status == Offer.Status.PAUSED

    open_need_page(member_page, need.pk)
    expect(member_page.get_by_role("main")).to_contain_text("Fulfilled")
    expect(member_page.get_by_role("region", name="Proposals and matches")).to_contain_text(
        "Completed"
    )
    assert_accessible(member_page)
    snapshot(member_page, "5-need-fulfilled-after-the-stay")

    say_the_room_is_free_again(
        host_page, link_in_last_mail(host.email, "/mises-en-relation/logement-libre/", live_server)
    )
    room.refresh_from_db()
    assert room.status == Offer.Status.PUBLISHED

    # The next household of the association gets the room as a suggestion.
    next_need = NeedFactory(organisation=city["organisation"], urgency="high")
    staff_page.get_by_role("link", name="Staff area", exact=True).click()
    staff_page.get_by_role("link", name=re.compile("^Matching workbench")).click()
    staff_page.get_by_role("link", name=re.compile(rf"#{next_need.pk}$")).click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text(f"Need #{next_need.pk}")
    expect(staff_page.get_by_role("listitem").filter(has_text=ROOM)).to_have_count(1)
    assert_accessible(staff_page)


def test_a_difficult_stay_puts_the_household_first_and_it_is_placed_elsewhere(
    new_page: Callable[..., Page], live_server: LiveServer, city: dict[str, object]
) -> None:
    from matching import services

    staff, host, member = city["staff"], city["host"], city["member"]
    assert isinstance(staff, User) and isinstance(host, User) and isinstance(member, User)  # noqa: PT018
    room = vetted_room(host, ROOM, city["sector"])
    other_host = UserFactory(email="other.host@example.org", preferred_language="en")
    vetted_room(other_host, SECOND_ROOM, city["sector"])
    need = NeedFactory(organisation=city["organisation"], internal_reference=REFERENCE)
    critical = NeedFactory(organisation=city["organisation"], critical=True)
    Need.objects.filter(pk=critical.pk).update(opened_at=timezone.now() - timedelta(days=2))
    match = services.match_propose(need=need, offer=room, by=staff)
    services.match_accept(match=match, by=host)
    services.match_accept(match=match, by=member)

    # The association answers the week check-in: it is difficult.
    send_the_week_check_ins(match)
    link = link_in_last_mail(member.email, "/mises-en-relation/suivi/", live_server)
    member_page = new_page("en-GB")
    sign_in(member_page, live_server, member)
    answer_check_in(member_page, link, "It is difficult")
    expect(
        member_page.get_by_text("They look for another place for the household.")
    ).to_be_visible()

    open_need_page(member_page, need.pk)
    expect(member_page.get_by_role("main")).to_contain_text(
        "The stay was reported difficult: place the household again"
    )
    expect(member_page.get_by_role("region", name="Proposals and matches")).to_contain_text(
        "It broke down"
    )
    assert_accessible(member_page)
    snapshot(member_page, "6-need-reopened-after-a-breakdown")

    # Even published again, the room where it broke down is never suggested to it.
    say_the_room_is_free_again(
        new_page("en-GB"),
        link_in_last_mail(host.email, "/mises-en-relation/logement-libre/", live_server),
    )

    staff_page = new_page("en-GB")
    sign_in(staff_page, live_server, staff)
    staff_page.get_by_role("link", name="Staff area", exact=True).click()
    staff_page.get_by_role("link", name=re.compile("^Matching workbench")).click()
    first_row = (
        staff_page.get_by_role("region", name=re.compile("^Open needs")).locator("tbody tr").first
    )
    expect(first_row).to_contain_text(f"#{need.pk}")
    expect(first_row).to_contain_text("The stay was reported difficult")
    assert_accessible(staff_page)
    first_row.get_by_role("link").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text(f"Need #{need.pk}")
    suggestions = staff_page.get_by_role("region", name="Best offers")
    expect(suggestions.get_by_role("listitem").filter(has_text=SECOND_ROOM)).to_have_count(1)
    expect(suggestions).not_to_contain_text(ROOM)
    assert_accessible(staff_page)
    staff_page.get_by_role("button", name=f"Propose “{SECOND_ROOM}”").click()
    expect(staff_page.get_by_text("Proposed. Both sides are told")).to_be_visible()

    other_page = new_page("en-GB")
    sign_in(other_page, live_server, other_host)
    accept_from_my_proposals(
        other_page, SECOND_ROOM, "Thank you. We are waiting for the other side."
    )
    accept_from_my_proposals(
        member_page, SECOND_ROOM, "Both sides accepted: you can now reach each other."
    )

    open_need_page(member_page, need.pk)
    expect(member_page.get_by_role("main")).not_to_contain_text("place the household again")
    panel = member_page.get_by_role("region", name="Proposals and matches")
    expect(panel.get_by_role("listitem").filter(has_text=SECOND_ROOM)).to_contain_text("Confirmed")
    expect(panel.get_by_role("listitem").filter(has_text=ROOM)).to_contain_text("It broke down")
    assert_accessible(member_page)
    snapshot(member_page, "7-need-placed-again")
    need.refresh_from_db()
    assert (need.status, need.attention_reason) == ("matched", "")
