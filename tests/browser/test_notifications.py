"""The urgent call journey in a real browser: a resident opts in, staff send a call, the
resident reads it in the notification centre and unsubscribes from the e-mail's link.

The notification pages are new and their strings have no French translation yet, so this
journey runs in English (``english_page``, accounts whose preferred language is English).
Celery runs eagerly in the live server's thread: the call leaves when its request commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from notifications.models import Notification, NotificationPreference
from tests.browser.fixtures import PHONE_VIEWPORT, assert_accessible
from tests.browser.test_smoke import field, last_mail_to, on_live_server
from tests.factories import PASSWORD, UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = [pytest.mark.browser]

MESSAGE = "We need 20 blankets tonight at the Jean Jaurès gym. Answer through Entraide."
AUDIENCE = "#urgent-audience"


def sign_in(page: Page, live_server: LiveServer, user: User) -> None:
    page.goto(live_server.url + "/compte/login/")
    field(page, "Email").fill(user.email)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/compte/$"))


def opt_in_to_urgent_calls_for_goods_in_french(page: Page) -> None:
    page.get_by_role("link", name=re.compile(r"^Notifications$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    page.get_by_role("link", name="Choose which messages you receive").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages I receive")
    assert_accessible(page)

    # On a phone the box comes first, its label beside it and the help text under the label.
    opt_in = field(page, "I want to receive urgent calls for help")
    box = opt_in.bounding_box()
    label = page.locator("label[for=id_urgent_calls]").bounding_box()
    help_text = page.locator("#id_urgent_calls_helptext").bounding_box()
    assert box is not None
    assert label is not None
    assert help_text is not None
    assert box["x"] + box["width"] <= label["x"]
    assert help_text["x"] == label["x"]
    assert help_text["y"] >= label["y"] + label["height"]
    opt_in.check()
    page.get_by_role("group", name=re.compile(r"^Kinds of help I can give")).get_by_label(
        "Goods", exact=True
    ).check()
    page.get_by_role("group", name=re.compile(r"^Languages I can read")).get_by_label(
        "French", exact=True
    ).check()
    page.get_by_role("button", name="Save my choices").click()

    expect(page.get_by_text("Your choices are saved.")).to_be_visible()
    expect(field(page, "I want to receive urgent calls for help")).to_be_checked()


def send_an_urgent_call_for_goods_in_french(page: Page) -> None:
    page.get_by_role("link", name="Staff area").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff area")
    assert_accessible(page)
    page.get_by_role("link", name="Send an urgent call").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Urgent calls")

    # Choosing the kind of help updates the count in place (htmx), without a new page.
    page.evaluate("() => { window.samePage = true; }")
    field(page, "Language of the message").select_option(label="French")
    with page.expect_request(re.compile(r"/appels-urgents/audience/")) as counting:
        field(page, "Kind of help").select_option(label="Goods")
    expect(page.locator(AUDIENCE)).to_have_text("This call will reach 1 person who opted in.")
    assert page.evaluate("() => window.samePage === true")
    # Only the choices travel in the address, never the message or the CSRF token.
    assert parse_qs(urlsplit(counting.value.url).query) == {
        "kind": ["donation"],
        "language": ["fr"],
    }
    field(page, "Kind of help").select_option(label="Housing")
    expect(page.locator(AUDIENCE)).to_have_text("This call will reach 0 people who opted in.")
    field(page, "Kind of help").select_option(label="Goods")
    expect(page.locator(AUDIENCE)).to_have_text("This call will reach 1 person who opted in.")

    # The button counts too, for browsers without JavaScript.
    field(page, "Message").fill(MESSAGE)
    page.get_by_role("button", name="Count the people reached").click()
    expect(page.locator(AUDIENCE)).to_have_text("This call will reach 1 person who opted in.")
    expect(field(page, "Message")).to_have_value(MESSAGE)
    assert_accessible(page)

    page.get_by_role("button", name="Send the urgent call").click()
    expect(page.get_by_text("The urgent call is on its way to 1 person.")).to_be_visible()
    expect(page.get_by_role("region", name="Recent calls")).to_contain_text(MESSAGE)


def test_staff_send_an_urgent_call_to_a_resident_who_opted_in(
    english_page: Page, new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    resident = UserFactory(email="volunteer@example.org", preferred_language="en")
    staff = UserFactory(email="agent@example.org", preferred_language="en", staff=True)
    bystander = UserFactory(email="bystander@example.org", preferred_language="en")

    # The resident opts in to urgent calls for goods, in French.
    page = english_page
    sign_in(page, live_server, resident)
    opt_in_to_urgent_calls_for_goods_in_french(page)

    # A staff member, on another device, counts the people reached and sends the call.
    staff_page = new_page("en-GB")
    sign_in(staff_page, live_server, staff)
    send_an_urgent_call_for_goods_in_french(staff_page)

    # The resident sees the unread badge, reads the call and marks it as read.
    page.reload()
    link = page.get_by_role("link", name=re.compile(r"^Notifications\s+1\s+unread$"))
    expect(link).to_be_visible()
    link.click()
    call = page.get_by_role("listitem").filter(has_text=MESSAGE)
    expect(call).to_contain_text(f"Urgent call: {MESSAGE}")
    expect(call).to_contain_text("New")
    assert_accessible(page)
    call.get_by_role("button", name=re.compile(r"^Mark as read")).click()
    expect(page.get_by_role("link", name=re.compile(r"^Notifications$"))).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=MESSAGE)).not_to_contain_text("New")

    # The e-mail went to the resident only, with a one-click unsubscribe link.
    message = last_mail_to(resident.email)
    assert [m.to for m in mail.outbox] == [[resident.email]]
    assert bystander.email not in str([m.to for m in mail.outbox])
    assert MESSAGE in str(message.body)
    match = re.search(r"https?://\S+/notifications/desabonnement/\S+/", str(message.body))
    assert match, f"No unsubscribe link in the e-mail:\n{message.body}"
    assert message.extra_headers["List-Unsubscribe"] == f"<{match.group(0)}>"

    # The link asks first, on a device where nobody is signed in, then unsubscribes.
    mail_page = new_page("en-GB")
    mail_page.goto(on_live_server(match.group(0), live_server.url))
    expect(mail_page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    expect(mail_page.get_by_role("main")).to_contain_text("Stop receiving “Urgent calls for help”?")
    assert_accessible(mail_page)
    assert NotificationPreference.objects.get(user=resident).urgent_calls is True

    mail_page.get_by_role("button", name="Yes, unsubscribe me").click()
    expect(mail_page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    assert_accessible(mail_page)
    preference = NotificationPreference.objects.get(user=resident)
    assert preference.urgent_calls is False
    assert "notifications.urgent_call" in preference.muted_types
    assert Notification.objects.filter(recipient=bystander).count() == 0


def test_staff_send_a_failed_message_again_from_a_phone(
    english_page: Page, live_server: LiveServer
) -> None:
    staff = UserFactory(email="agent@example.org", preferred_language="en", staff=True)
    host = UserFactory(email="host@example.org", preferred_language="en")
    failed = NotificationFactory(recipient=host, failed=True, language="en")
    NotificationFactory.create_batch(3, recipient=host, language="en")
    page = english_page
    sign_in(page, live_server, staff)

    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("link", name="Follow the messages sent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages sent")
    field(page, "Status").select_option(label="Failed")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    table = page.get_by_role("region", name="Messages, newest first")
    expect(table.get_by_role("row")).to_have_count(2)  # the header and the failed message
    # The wide table scrolls on its own: the page itself never scrolls sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    assert host.email not in page.content()
    assert_accessible(page)

    table.get_by_role("button", name=f"Send again #{failed.pk}").click()

    expect(page.get_by_text("The message is queued to be sent again.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"status=failed"))
    failed.refresh_from_db()
    assert failed.status == Notification.Status.SENT  # sent again once the request committed
    assert [message.to for message in mail.outbox] == [[host.email]]
