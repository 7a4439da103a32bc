"""An association joins and posts its first need, in a real browser sized like a phone:
it applies, city staff verify it, its admin invites a colleague by e-mail, the colleague
creates an account from the invitation and posts a critical housing need.

The association pages are new and their strings have no French translation yet, so this
journey runs in English (``english_page``, accounts whose preferred language is English).
Every page visited is checked with axe-core.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import Organisation
from core.models import Category
from needs.models import Need
from tests.browser.fixtures import assert_accessible
from tests.browser.test_notifications import sign_in
from tests.browser.test_smoke import field, last_mail_to, on_live_server
from tests.factories import SectorFactory, UserFactory

pytestmark = [pytest.mark.browser]

ORGANISATION = "Les Amis de la Gare"
NEWCOMER = "colleague@example.org"
NEWCOMER_PASSWORD = "un-toit-pour-tous-2026"


def group(page: Page, name: str) -> object:
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(name)}"))


def apply_for_the_organisation(page: Page) -> None:
    page.get_by_role("link", name="Associations", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My organisations")
    assert_accessible(page)
    page.get_by_role("link", name="Register an organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register an organisation")
    assert_accessible(page)

    # A wrong registration number first: the error summary links to the field.
    field(page, "Name").fill(ORGANISATION)
    group(page, "Kind").get_by_label("Association", exact=True).check()  # type: ignore[attr-defined]
    field(page, "Registration number").fill("12345")
    field(page, "What it does").fill("Accueil de jour et accompagnement vers le logement.")
    group(page, "Districts you serve").get_by_label("Gare", exact=True).check()  # type: ignore[attr-defined]
    field(page, "Contact person").fill("Permanence")
    field(page, "Contact e-mail").fill("amis-gare@example.org")
    page.get_by_role("button", name="Send the application").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    assert_accessible(page)
    summary.get_by_role("link", name=re.compile("^Registration number")).click()
    expect(field(page, "Registration number")).to_be_focused()

    field(page, "Registration number").fill("W381234567")
    page.get_by_role("button", name="Send the application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(page.get_by_text("Your application is waiting for verification")).to_be_visible()
    assert_accessible(page)


def verify_the_organisation(page: Page) -> None:
    page.get_by_role("link", name="Staff area").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff area")
    assert_accessible(page)
    page.get_by_role("link", name="Organisations to verify").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations to verify")
    assert_accessible(page)
    page.get_by_role("link", name=ORGANISATION).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(page.get_by_role("main")).to_contain_text("amis-gare@example.org")
    assert_accessible(page)
    page.get_by_role("button", name="Verify this organisation").click()
    expect(page.get_by_text(f"{ORGANISATION} is verified.")).to_be_visible()
    expect(page.get_by_text("No organisation is waiting for verification.")).to_be_visible()


def invite_a_colleague(page: Page) -> str:
    page.reload()
    expect(page.get_by_text("Verified by city staff.")).to_be_visible()
    field(page, "E-mail address of the person to invite").fill(NEWCOMER)
    group(page, "Role").get_by_label("Member", exact=True).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text(f"The invitation is on its way to {NEWCOMER}.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Invitations waiting for an answer")
    assert_accessible(page)
    match = re.search(r"https?://\S+/associations/invitation/\S+/", last_mail_to(NEWCOMER).body)
    assert match, last_mail_to(NEWCOMER).body
    return match.group(0)


def sign_up_from_the_invitation(page: Page, live_server: LiveServer, link: str) -> None:
    page.goto(on_live_server(link, live_server.url))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Join {ORGANISATION}")
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    field(page, "Email").fill(NEWCOMER)
    field(page, "Display name (optional)").fill("Malik")
    field(page, "Password").fill(NEWCOMER_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"/compte/confirm-email/$"))
    confirmation = re.search(
        r"https?://\S+/compte/confirm-email/\S+", str(last_mail_to(NEWCOMER).body)
    )
    assert confirmation
    page.goto(on_live_server(confirmation.group(0), live_server.url))
    page.get_by_role("button", name="Confirm", exact=True).click()

    # Confirming signs the colleague in and brings them back to the invitation.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Join {ORGANISATION}")
    assert_accessible(page)
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page.get_by_text(f"Welcome to {ORGANISATION}.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    assert_accessible(page)


def post_a_critical_housing_need(page: Page) -> None:
    page.get_by_role("link", name="Our needs", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Our needs")
    expect(page.get_by_role("link", name="Our needs", exact=True).first).to_have_attribute(
        "aria-current", "page"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Post a need").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a need")
    assert_accessible(page)
    group(page, "What is needed?").get_by_label("Housing", exact=True).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Post a need — Housing")
    assert_accessible(page)
    group(page, "Housing that fits").get_by_label("A few emergency nights").check()  # type: ignore[attr-defined]
    group(page, "Urgency").get_by_label("Critical: within 48 hours").check()  # type: ignore[attr-defined]
    field(page, "Adults").fill("1")
    field(page, "Children").fill("2")
    group(page, "Household").get_by_label("Family with children").check()  # type: ignore[attr-defined]
    group(page, "Languages spoken").get_by_label("Ukrainian", exact=True).check()  # type: ignore[attr-defined]
    field(page, "Note").fill("Une mère et deux enfants, sans solution ce soir.")
    field(page, "Your internal reference").fill("GARE-2026-01")
    page.get_by_role("button", name="Next: review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Housing")
    expect(page.locator("[aria-current=step]")).to_have_text("3. Review and publish")
    expect(page.get_by_role("main")).to_contain_text("GARE-2026-01")
    assert_accessible(page)
    page.get_by_role("button", name="Publish the need").click()
    expect(page.get_by_text("The need is published.")).to_be_visible()
    assert_accessible(page)


def test_an_association_applies_is_verified_invites_a_member_who_posts_a_critical_need(
    english_page: Page, new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    SectorFactory(code="gare", name="Gare")
    applicant = UserFactory(email="applicant@example.org", preferred_language="en")
    staff = UserFactory(email="agent@example.org", preferred_language="en", staff=True)

    page = english_page
    sign_in(page, live_server, applicant)
    apply_for_the_organisation(page)

    staff_page = new_page("en-GB")
    sign_in(staff_page, live_server, staff)
    verify_the_organisation(staff_page)

    link = invite_a_colleague(page)

    colleague_page = new_page("en-GB")
    sign_up_from_the_invitation(colleague_page, live_server, link)
    post_a_critical_housing_need(colleague_page)

    need = Need.objects.get()
    assert need.organisation == Organisation.objects.get(name=ORGANISATION)
    assert (need.status, need.urgency, need.household_size) == ("open", "critical", 3)

    # The public page counts it, without anything about the people, and one need is a
    # count small enough to single a household out: it reads "fewer than 5".
    colleague_page.goto(live_server.url + "/besoins/")
    expect(colleague_page.get_by_role("heading", level=1)).to_have_text("What we need now")
    main = colleague_page.get_by_role("main")
    expect(main).to_contain_text(
        "Open needs: fewer than 5, critical (within 48 hours): fewer than 5"
    )
    expect(main).not_to_contain_text("GARE-2026-01")
    expect(main).not_to_contain_text("sans solution")
    assert_accessible(colleague_page)
    assert mail.outbox


def test_staff_enter_a_counter_need_and_clean_a_note_that_held_a_phone_number(
    english_page: Page, live_server: LiveServer
) -> None:
    from core.models import AuditEntry

    # Live-server tests empty the database after each test, default categories included.
    Category.objects.get_or_create(
        code="bedding", defaults={"kind": "donation", "name": "Literie", "name_en": "Bedding"}
    )
    staff = UserFactory(email="agent@example.org", preferred_language="en", staff=True)
    page = english_page
    sign_in(page, live_server, staff)

    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("link", name="Enter a need").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter a need")
    assert_accessible(page)
    group(page, "For whom?").get_by_label("For a person met at a counter").check()  # type: ignore[attr-defined]
    group(page, "What is needed?").get_by_label("Goods", exact=True).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Post a need — Goods")
    expect(page.get_by_role("main")).to_contain_text("For a person met at a counter.")
    assert_accessible(page)
    field(page, "What?").select_option(label="Bedding")
    field(page, "Quantity").fill("2")
    group(page, "Urgency").get_by_label("High: this week").check()  # type: ignore[attr-defined]
    field(page, "Note").fill("Deux couvertures. Rappeler au 06 12 34 56 78.")
    page.get_by_role("button", name="Next: review").click()

    # The writer is warned before anything is saved, on the field itself...
    expect(page.get_by_role("alert")).to_contain_text("seems to hold personal details")
    assert_accessible(page)
    assert not Need.objects.exists()
    # ...and may keep the text as written: the need page shows the flag and how to clean it.
    page.get_by_label(re.compile("^I checked: keep these texts as written")).check()
    page.get_by_role("button", name="Next: review").click()
    expect(
        page.get_by_text("The note seems to hold personal details (a phone number)")
    ).to_have_count(2)
    assert_accessible(page)
    page.get_by_role("button", name="Publish the need").click()
    expect(page.get_by_text("The need is published.")).to_be_visible()

    page.get_by_role("link", name="Back to all needs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All needs")
    field(page, "Only notes to clean").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".need-list > li")).to_have_count(1)
    assert_accessible(page)
    page.locator(".need-list a").first.click()
    page.get_by_role("link", name="Clean the note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clean the note")
    assert_accessible(page)
    field(page, "Note").fill("Deux couvertures. Rappeler via l'accueil de la mairie.")
    page.get_by_role("button", name="Save the clean texts").click()
    expect(page.get_by_text("The note is clean.")).to_be_visible()
    expect(page.get_by_role("link", name="Clean the note")).to_have_count(0)

    need = Need.objects.get()
    assert need.organisation is None
    assert need.note_flags == []
    entry = AuditEntry.objects.get(action="needs.note.cleaned")
    assert "06 12" not in str(entry.detail)
