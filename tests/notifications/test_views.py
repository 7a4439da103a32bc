"""The notification pages, as every role: the centre, preferences, unsubscribe, staff tools.

Texts are checked on pages shown in English (``english_client``): the French catalogue may
translate them later without breaking these tests.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from accounts.models import User
from core.models import AuditEntry, Sector
from notifications import rendering, selectors, services
from notifications.models import Notification, NotificationPreference, UrgentCall
from notifications.registry import Channel
from tests.conftest import client_for
from tests.factories import SectorFactory, UserFactory
from tests.notifications.factories import (
    URGENT_CALL,
    NotificationFactory,
    emails_to,
    in_app_call,
    opt_in,
)

pytestmark = pytest.mark.django_db
Status = Notification.Status

SIGNED_IN = [
    "resident",
    "other_resident",
    "association_member",
    "association_admin",
    "staff",
    "coordinator",
]
NOT_STAFF = ["resident", "other_resident", "association_member", "association_admin"]
STAFF = ["staff", "coordinator"]

INBOX = "/notifications/"
MARK_ALL_READ = "/notifications/tout-lu/"
PREFERENCES = "/notifications/preferences/"
STAFF_HOME = "/equipe/"
STATUSES = "/equipe/notifications/"
URGENT_CALLS = "/equipe/appels-urgents/"
AUDIENCE = "/equipe/appels-urgents/audience/"

PERSONAL_PAGES = [INBOX, PREFERENCES]
STAFF_PAGES = [STAFF_HOME, STATUSES, URGENT_CALLS, f"{AUDIENCE}?kind=donation&language=fr"]


def mark_read_url(notification: Notification) -> str:
    return f"/notifications/{notification.pk}/lu/"


def resend_url(notification: Notification) -> str:
    return f"/equipe/notifications/{notification.pk}/renvoyer/"


def unsubscribe_url(user: User, type_name: str = URGENT_CALL) -> str:
    token = rendering.unsubscribe_token(user_id=user.pk, type_name=type_name)
    return f"/notifications/desabonnement/{token}/"


def english_client(user: User | None) -> Client:
    """A client whose pages speak English: the language cookie beats the account's choice."""
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def as_role(request: pytest.FixtureRequest, role: str) -> User:
    user: User = request.getfixturevalue(role)
    return user


def urgent_call_form(**changes: str) -> dict[str, str]:
    return {
        "kind": "donation",
        "sector": "",
        "language": "fr",
        "message": "Nous cherchons 20 couvertures pour ce soir, au gymnase.",
        "action": "send",
        **changes,
    }


def preference_form(**changes: object) -> dict[str, object]:
    return {
        "email_optional": "on",
        "urgent_calls": "on",
        "urgent_kinds": ["donation"],
        "urgent_languages": ["fr", "ar"],
        **changes,
    }


# --- Who may open what ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", INBOX),
        ("get", PREFERENCES),
        ("post", PREFERENCES),
        ("post", MARK_ALL_READ),
        ("post", "/notifications/1/lu/"),
        ("get", STAFF_HOME),
        ("get", STATUSES),
        ("post", "/equipe/notifications/1/renvoyer/"),
        ("get", URGENT_CALLS),
        ("post", URGENT_CALLS),
        ("get", f"{AUDIENCE}?kind=donation&language=fr"),
    ],
)
def test_a_visitor_is_sent_to_sign_in_from_every_notification_page(
    client: Client, method: str, url: str
) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/login/?next=")


@pytest.mark.parametrize("role", SIGNED_IN)
@pytest.mark.parametrize("url", PERSONAL_PAGES)
def test_everyone_signed_in_opens_their_notifications_and_preferences(
    request: pytest.FixtureRequest, role: str, url: str
) -> None:
    assert client_for(as_role(request, role)).get(url).status_code == 200


@pytest.mark.parametrize("role", NOT_STAFF)
@pytest.mark.parametrize(
    ("method", "url"),
    [("get", url) for url in STAFF_PAGES]
    + [("post", "/equipe/notifications/1/renvoyer/"), ("post", URGENT_CALLS)],
)
def test_the_staff_pages_are_refused_to_residents_and_associations(
    request: pytest.FixtureRequest, role: str, method: str, url: str
) -> None:
    response = getattr(client_for(as_role(request, role)), method)(url)
    assert response.status_code == 403


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_and_coordinators_open_the_staff_pages(
    request: pytest.FixtureRequest, role: str, url: str
) -> None:
    assert client_for(as_role(request, role)).get(url).status_code == 200


@pytest.mark.parametrize("role", STAFF)
def test_the_staff_home_leads_to_the_urgent_calls_and_the_messages_sent(
    request: pytest.FixtureRequest, role: str
) -> None:
    page = client_for(as_role(request, role)).get(STAFF_HOME).content.decode()
    assert f'href="{URGENT_CALLS}"' in page
    assert f'href="{STATUSES}"' in page


@pytest.mark.parametrize("role", NOT_STAFF)
def test_the_header_shows_the_staff_area_to_staff_only(
    request: pytest.FixtureRequest, role: str, staff: User
) -> None:
    assert (
        f'href="{STAFF_HOME}"' not in client_for(as_role(request, role)).get(INBOX).content.decode()
    )
    assert f'href="{STAFF_HOME}"' in client_for(staff).get(INBOX).content.decode()


# --- The notification centre ------------------------------------------------------------


@pytest.mark.parametrize("role", SIGNED_IN)
def test_a_person_sees_only_their_own_in_app_notifications(
    request: pytest.FixtureRequest, role: str
) -> None:
    user = as_role(request, role)
    someone_else = UserFactory()
    in_app_call(user, "Des couvertures pour le gymnase", key="mine")
    in_app_call(someone_else, "Un lit pour la famille du quartier nord", key="theirs")

    page = client_for(user).get(INBOX).content.decode()

    assert "Des couvertures pour le gymnase" in page
    assert "Un lit pour la famille du quartier nord" not in page


def test_the_centre_lists_in_app_messages_only_newest_first(resident: User) -> None:
    in_app_call(resident, "Premier appel", key="first")
    in_app_call(resident, "Second appel", key="second")
    NotificationFactory(recipient=resident, context={"message": "Par courriel seulement"})

    page = client_for(resident).get(INBOX).content.decode()

    assert page.index("Second appel") < page.index("Premier appel")
    assert "Par courriel seulement" not in page


def test_an_empty_centre_says_so_and_offers_the_preferences(resident: User) -> None:
    response = english_client(resident).get(INBOX)
    assert "You have no notification yet." in response.content.decode()
    assert f'href="{PREFERENCES}"' in response.content.decode()


def test_marking_a_notification_as_read_returns_to_the_page_it_came_from(resident: User) -> None:
    notification = in_app_call(resident, "Des couvertures", key="one")

    response = client_for(resident).post(
        mark_read_url(notification), {"next": "/notifications/?page=1"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/notifications/?page=1"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_as_read_never_sends_a_person_to_another_site(resident: User) -> None:
    notification = in_app_call(resident, "Des couvertures", key="one")
    response = client_for(resident).post(
        mark_read_url(notification), {"next": "https://evil.example/"}
    )
    assert response["Location"] == INBOX


@pytest.mark.parametrize("role", [r for r in SIGNED_IN if r != "resident"])
def test_marking_someone_elses_notification_as_read_is_a_404(
    request: pytest.FixtureRequest, role: str, resident: User
) -> None:
    notification = in_app_call(resident, "Des couvertures", key="one")

    response = client_for(as_role(request, role)).post(mark_read_url(notification))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_an_email_row_cannot_be_marked_as_read(resident: User) -> None:
    email = NotificationFactory(recipient=resident)
    assert client_for(resident).post(mark_read_url(email)).status_code == 404


def test_marking_as_read_is_a_post(resident: User) -> None:
    notification = in_app_call(resident, "Des couvertures", key="one")
    assert client_for(resident).get(mark_read_url(notification)).status_code == 405
    assert client_for(resident).get(MARK_ALL_READ).status_code == 405


def test_marking_all_as_read_reads_mine_and_leaves_the_others(
    resident: User, other_resident: User
) -> None:
    in_app_call(resident, "Premier", key="1")
    in_app_call(resident, "Second", key="2")
    in_app_call(other_resident, "Le sien", key="3")

    response = english_client(resident).post(MARK_ALL_READ, follow=True)

    assert response.redirect_chain == [(INBOX, 302)]
    assert "All your notifications are marked as read." in response.content.decode()
    assert selectors.unread_count(resident) == 0
    assert selectors.unread_count(other_resident) == 1


def test_the_mark_all_button_shows_only_with_unread_notifications(resident: User) -> None:
    client = client_for(resident)
    assert f'action="{MARK_ALL_READ}"' not in client.get(INBOX).content.decode()
    notification = in_app_call(resident, "Des couvertures", key="one")
    page = client.get(INBOX).content.decode()
    assert f'action="{MARK_ALL_READ}"' in page
    assert f'action="{mark_read_url(notification)}"' in page


BADGE = re.compile(r'<span class="badge">(\d+)<span class="visually-hidden">')


def test_the_header_badge_counts_my_unread_notifications(
    resident: User, other_resident: User
) -> None:
    client = client_for(resident)
    assert not BADGE.search(client.get("/").content.decode())

    first = in_app_call(resident, "Premier", key="1")
    in_app_call(resident, "Second", key="2")
    in_app_call(other_resident, "Le sien", key="3")
    assert BADGE.findall(client.get("/").content.decode()) == ["2"]

    client.post(mark_read_url(first))
    assert BADGE.findall(client.get("/").content.decode()) == ["1"]


def count_queries_over_notifications(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() and "notifications_notification" in q["sql"]
    ]


def test_a_page_counts_no_notifications_once_the_badge_is_cached(resident: User) -> None:
    in_app_call(resident, "Premier", key="1")
    client = client_for(resident)
    client.get("/")  # counts once, then the cache holds it

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()

    assert BADGE.findall(page) == ["1"]
    assert count_queries_over_notifications(queries) == []


def test_the_cached_badge_follows_new_messages_reading_one_and_reading_all(
    resident: User,
) -> None:
    client = client_for(resident)
    first = in_app_call(resident, "Premier", key="1")
    assert BADGE.findall(client.get("/").content.decode()) == ["1"]

    in_app_call(resident, "Second", key="2")
    in_app_call(resident, "Troisième", key="3")
    assert BADGE.findall(client.get("/").content.decode()) == ["3"]

    client.post(mark_read_url(first))
    assert BADGE.findall(client.get("/").content.decode()) == ["2"]

    client.post(MARK_ALL_READ)
    assert not BADGE.search(client.get("/").content.decode())


def test_an_urgent_call_to_many_updates_each_cached_badge(
    resident: User, other_resident: User
) -> None:
    for person in (resident, other_resident):
        opt_in(person)
        assert selectors.unread_count(person) == 0

    services.notify_many(
        type=URGENT_CALL,
        key="call:many",
        recipients=[resident, other_resident],
        context={"message": "Couvertures", "kind": "donation", "url": "/"},
    )

    assert selectors.unread_count(resident) == 1
    assert selectors.unread_count(other_resident) == 1


def test_the_inbox_query_count_does_not_grow_with_the_notifications(
    resident: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(30):
        in_app_call(resident, f"Appel {n}", key=f"call:{n}")
    client = client_for(resident)
    client.get(INBOX)  # Sessions and content types warm up.

    # Session, account, unread badge, memberships (the association menu), page count,
    # page rows: the same for any number.
    with django_assert_max_num_queries(6):
        response = client.get(INBOX)

    assert response.content.decode().count('class="notification ') == 20


def test_the_second_page_of_the_inbox_holds_the_older_messages(resident: User) -> None:
    for n in range(25):
        in_app_call(resident, f"Appel numéro {n}.", key=f"call:{n}")
    page = client_for(resident).get(INBOX, {"page": 2}).content.decode()
    assert "Appel numéro 0." in page
    assert "Appel numéro 24." not in page


# --- Preferences ------------------------------------------------------------------------


def test_saving_my_preferences_opts_me_in_to_urgent_calls(resident: User) -> None:
    north = SectorFactory(name="Nord")

    response = english_client(resident).post(
        PREFERENCES, preference_form(urgent_sectors=[north.pk]), follow=True
    )

    assert response.redirect_chain == [(PREFERENCES, 302)]
    assert "Your choices are saved." in response.content.decode()
    preference = NotificationPreference.objects.get(user=resident)
    assert preference.urgent_calls is True
    assert preference.urgent_kinds == ",donation,"
    assert preference.urgent_languages == ",fr,ar,"
    assert list(preference.urgent_sectors.all()) == [north]
    assert preference.email_optional is True


def test_the_preferences_page_shows_what_i_chose(resident: User) -> None:
    opt_in(resident, kinds=("housing",), languages=("uk",))
    page = client_for(resident).get(PREFERENCES).content.decode()
    assert re.search(r'value="housing"[^>]*checked', page)
    assert not re.search(r'value="donation"[^>]*checked', page)
    assert re.search(r'value="uk"[^>]*checked', page)
    assert re.search(r'name="urgent_calls"[^>]*checked', page)


def test_turning_urgent_calls_off_forgets_the_kinds_and_languages(resident: User) -> None:
    opt_in(resident)
    client_for(resident).post(PREFERENCES, {"email_optional": "on"})
    preference = NotificationPreference.objects.get(user=resident)
    assert (preference.urgent_calls, preference.urgent_kinds, preference.urgent_languages) == (
        False,
        "",
        "",
    )


def test_urgent_calls_without_a_kind_are_explained_next_to_the_field(resident: User) -> None:
    response = english_client(resident).post(PREFERENCES, preference_form(urgent_kinds=[]))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<ul class="errorlist" id="id_urgent_kinds_error">' in page
    assert "Choose at least one kind of help." in page
    assert 'aria-describedby="id_urgent_kinds_error"' in page
    assert "id_urgent_languages_error" not in page
    assert not NotificationPreference.objects.filter(user=resident, urgent_calls=True).exists()


def test_urgent_calls_without_a_language_are_explained_next_to_the_field(resident: User) -> None:
    page = (
        english_client(resident)
        .post(PREFERENCES, preference_form(urgent_languages=[]))
        .content.decode()
    )
    assert '<ul class="errorlist" id="id_urgent_languages_error">' in page
    assert "Choose at least one language." in page


def test_an_unknown_kind_is_refused(resident: User) -> None:
    page = (
        client_for(resident)
        .post(PREFERENCES, preference_form(urgent_kinds=["castle"]))
        .content.decode()
    )
    assert "id_urgent_kinds_error" in page


def test_text_messages_cannot_be_chosen_without_a_phone_number(resident: User) -> None:
    client = english_client(resident)
    page = client.get(PREFERENCES).content.decode()
    assert re.search(r'<input type="checkbox" name="sms"[^>]* disabled', page)
    assert "Add a phone number in your account first" in page

    client.post(PREFERENCES, preference_form(sms="on"))

    assert NotificationPreference.objects.get(user=resident).sms is False


def test_a_person_with_a_phone_number_can_choose_text_messages() -> None:
    user = UserFactory(phone="06 12 34 56 78")
    client = client_for(user)
    assert not re.search(
        r'<input type="checkbox" name="sms"[^>]* disabled', client.get(PREFERENCES).content.decode()
    )
    client.post(PREFERENCES, preference_form(sms="on"))
    assert NotificationPreference.objects.get(user=user).sms is True


def test_a_person_whose_phone_number_was_removed_can_still_save_their_choices() -> None:
    user = UserFactory(phone="06 12 34 56 78")
    client_for(user).post(PREFERENCES, preference_form(sms="on"))
    user.phone = ""
    user.save()

    response = client_for(user).post(PREFERENCES, preference_form(urgent_kinds=["housing"]))

    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=user)
    assert (preference.sms, preference.urgent_kinds) == (False, ",housing,")


@override_settings(ENTRAIDE_SMS_BACKEND="")
def test_without_a_text_message_provider_the_choice_is_not_offered() -> None:
    user = UserFactory(phone="06 12 34 56 78")
    client = client_for(user)
    assert 'name="sms"' not in client.get(PREFERENCES).content.decode()
    assert client.post(PREFERENCES, preference_form(sms="on")).status_code == 302
    assert NotificationPreference.objects.get(user=user).sms is False


# --- One-click unsubscribe --------------------------------------------------------------


def test_opening_the_unsubscribe_link_only_asks(client: Client, resident: User) -> None:
    opt_in(resident)
    url = unsubscribe_url(resident)

    response = client.get(url)

    assert response.status_code == 200
    assert f'<form method="post" action="{url}">' in response.content.decode()
    preference = NotificationPreference.objects.get(user=resident)
    assert preference.urgent_calls is True
    assert preference.muted_types == []


def test_confirming_unsubscribes_without_signing_in(client: Client, resident: User) -> None:
    opt_in(resident)
    # The page speaks the language of the person the link was sent to, not the visitor's.
    resident.preferred_language = "en"
    resident.save(update_fields=["preferred_language"])

    response = client.post(unsubscribe_url(resident))

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    preference = NotificationPreference.objects.get(user=resident)
    assert preference.muted_types == [URGENT_CALL]
    assert preference.urgent_calls is False


def test_unsubscribing_twice_mutes_the_type_once(client: Client, resident: User) -> None:
    client.post(unsubscribe_url(resident))
    client.post(unsubscribe_url(resident))
    assert NotificationPreference.objects.get(user=resident).muted_types == [URGENT_CALL]


def test_unsubscribing_from_the_staff_digest_leaves_urgent_calls_alone(
    client: Client, staff: User
) -> None:
    opt_in(staff)
    client.post(unsubscribe_url(staff, "notifications.staff_digest"))
    preference = NotificationPreference.objects.get(user=staff)
    assert preference.muted_types == ["notifications.staff_digest"]
    assert preference.urgent_calls is True


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_unsubscribe_link_is_a_400_page(
    client: Client, resident: User, method: str
) -> None:
    opt_in(resident)
    token = rendering.unsubscribe_token(user_id=resident.pk, type_name=URGENT_CALL)
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")

    response = getattr(client, method)(f"/notifications/desabonnement/{forged}/")

    assert response.status_code == 400
    assert "notifications/unsubscribe_invalid.html" in [t.name for t in response.templates]
    assert NotificationPreference.objects.get(user=resident).urgent_calls is True


def test_an_unsubscribe_link_for_an_unknown_message_type_is_a_400_page(
    client: Client, resident: User
) -> None:
    response = client.get(unsubscribe_url(resident, "offers.gone_type"))
    assert response.status_code == 400


def test_an_unsubscribe_link_of_a_closed_account_is_a_400_page(
    client: Client, resident: User
) -> None:
    url = unsubscribe_url(resident)
    resident.is_active = False
    resident.save()
    assert client.post(url).status_code == 400


# --- Staff: the messages sent -----------------------------------------------------------


def test_the_statuses_page_lists_emails_and_texts_but_not_in_app_messages(staff: User) -> None:
    failed = NotificationFactory(failed=True)
    in_app = NotificationFactory(in_app=True, failed=True)

    page = client_for(staff).get(STATUSES).content.decode()

    assert resend_url(failed) in page
    assert resend_url(in_app) not in page


def test_the_statuses_page_filters_by_status(staff: User) -> None:
    failed = NotificationFactory(failed=True)
    bounced = NotificationFactory(bounced=True)

    page = client_for(staff).get(STATUSES, {"status": "bounced"}).content.decode()

    assert resend_url(bounced) in page
    assert resend_url(failed) not in page


def test_the_statuses_page_filters_by_channel_and_type(staff: User) -> None:
    email = NotificationFactory(failed=True)
    text = NotificationFactory(failed=True, channel=Channel.SMS)
    digest = NotificationFactory(failed=True, type="notifications.staff_digest", context={})
    client = client_for(staff)

    by_channel = client.get(STATUSES, {"channel": "sms"}).content.decode()
    by_type = client.get(STATUSES, {"type": "notifications.staff_digest"}).content.decode()

    assert resend_url(text) in by_channel
    assert resend_url(email) not in by_channel
    assert resend_url(digest) in by_type
    assert resend_url(email) not in by_type


def test_the_statuses_page_ignores_an_unknown_filter(staff: User) -> None:
    failed = NotificationFactory(failed=True)
    response = client_for(staff).get(STATUSES, {"status": "exploded"})
    assert response.status_code == 200
    assert resend_url(failed) in response.content.decode()


def test_the_statuses_page_counts_each_status(staff: User) -> None:
    NotificationFactory.create_batch(2, failed=True)
    NotificationFactory(delivered=True)
    page = english_client(staff).get(STATUSES).content.decode()
    assert re.search(r'href="\?status=failed">Failed: <strong>2</strong>', page)
    assert re.search(r'href="\?status=delivered">Delivered: <strong>1</strong>', page)


def test_the_statuses_page_never_shows_a_recipients_email_or_phone(staff: User) -> None:
    person = UserFactory(email="amina.k@example.org", phone="06 11 22 33 44")
    NotificationFactory(recipient=person, failed=True)
    NotificationFactory(recipient=person, channel=Channel.SMS, failed=True)
    NotificationFactory(recipient=None, address="caller@example.net", failed=True)
    NotificationFactory(recipient=None, address="07 55 66 77 88", channel=Channel.SMS)

    page = client_for(staff).get(STATUSES).content.decode()

    for detail in ["amina.k@example.org", "06 11 22 33 44", "caller@example.net", "07 55 66 77 88"]:
        assert detail not in page


def test_the_statuses_page_query_count_does_not_grow_with_rows(
    staff: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(30):
        NotificationFactory(recipient=UserFactory(), failed=n % 2 == 0)
    client = client_for(staff)
    client.get(STATUSES)

    # Session, account, unread badge, memberships (the association menu), status counts,
    # page count, page rows.
    with django_assert_max_num_queries(7):
        response = client.get(STATUSES)

    assert response.content.decode().count("/renvoyer/") == 15


@pytest.mark.parametrize("trait", ["failed", "bounced"])
def test_staff_send_a_failed_or_bounced_message_again(staff: User, trait: str) -> None:
    row = NotificationFactory(**{trait: True})

    response = english_client(staff).post(
        resend_url(row), {"next": f"{STATUSES}?status={trait}"}, follow=True
    )

    assert response.redirect_chain == [(f"{STATUSES}?status={trait}", 302)]
    assert "The message is queued to be sent again." in response.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.QUEUED, 0)
    entry = AuditEntry.objects.get(action="notifications.notification.resent")
    assert (entry.actor, entry.target_id) == (staff, str(row.pk))


@pytest.mark.parametrize("trait", ["queued", "delivered"])
def test_only_a_failed_or_bounced_message_can_be_sent_again(staff: User, trait: str) -> None:
    row = NotificationFactory(**{trait: True})

    response = english_client(staff).post(resend_url(row), {"next": STATUSES}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1] == (STATUSES, 302)
    assert "Only a failed or bounced message can be sent again." in response.content.decode()
    row.refresh_from_db()
    assert row.status == getattr(Status, trait.upper())
    assert not AuditEntry.objects.filter(action="notifications.notification.resent").exists()


def test_a_sent_message_can_not_be_sent_again_either(staff: User) -> None:
    row = NotificationFactory()
    response = english_client(staff).post(resend_url(row), follow=True)
    assert response.redirect_chain[-1] == (STATUSES, 302)
    assert "Only a failed or bounced message can be sent again." in response.content.decode()


def test_resending_an_unknown_message_is_a_404(staff: User) -> None:
    assert client_for(staff).post("/equipe/notifications/999999/renvoyer/").status_code == 404


def test_a_message_sent_again_leaves_once_the_request_commits(
    staff: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    person = UserFactory(email="host@example.org", preferred_language="en")
    row = NotificationFactory(recipient=person, failed=True, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        client_for(staff).post(resend_url(row))

    row.refresh_from_db()
    assert row.status == Status.SENT
    assert len(emails_to(person)) == 1


# --- Staff: urgent calls ----------------------------------------------------------------


def test_counting_the_people_reached_shows_how_many_opted_in(staff: User) -> None:
    opt_in(UserFactory())
    opt_in(UserFactory(), languages=("fr", "en"))
    opt_in(UserFactory(), kinds=("housing",))

    response = english_client(staff).post(URGENT_CALLS, urgent_call_form(action="preview"))

    assert response.status_code == 200
    assert "This call will reach 2 people who opted in." in response.content.decode()
    assert not UrgentCall.objects.exists()


def test_counting_keeps_what_staff_typed(staff: User) -> None:
    page = (
        client_for(staff)
        .post(URGENT_CALLS, urgent_call_form(action="preview", message="Des draps propres."))
        .content.decode()
    )
    assert "Des draps propres." in page
    assert re.search(r'<option value="donation" selected', page)


def test_an_incomplete_call_is_explained_next_to_the_field(staff: User) -> None:
    page = client_for(staff).post(URGENT_CALLS, urgent_call_form(kind="")).content.decode()
    assert "id_kind_error" in page
    assert not UrgentCall.objects.exists()


@pytest.fixture
def north() -> Sector:
    return SectorFactory(name="Nord")


@pytest.fixture
def audience(north: Sector) -> dict[str, User]:
    """People for and against a call of goods, in French, in the district ``north``."""
    south = SectorFactory(name="Sud")
    unverified = opt_in(UserFactory(email="unverified@example.org"))
    EmailAddress.objects.filter(user=unverified).update(verified=False)
    closed = opt_in(UserFactory(email="closed@example.org"))
    closed.is_active = False
    closed.save()
    opted_out = UserFactory(email="opted.out@example.org")
    NotificationPreference.objects.create(
        user=opted_out, urgent_calls=False, urgent_kinds=",donation,", urgent_languages=",fr,"
    )
    return {
        "english": opt_in(UserFactory(email="reads.english@example.org", preferred_language="en")),
        "french": opt_in(UserFactory(email="reads.french@example.org", preferred_language="fr")),
        "north": opt_in(UserFactory(email="north@example.org"), sectors=(north,)),
        "housing only": opt_in(UserFactory(email="housing@example.org"), kinds=("housing",)),
        "arabic only": opt_in(UserFactory(email="arabic@example.org"), languages=("ar",)),
        "south": opt_in(UserFactory(email="south@example.org"), sectors=(south,)),
        "unverified": unverified,
        "closed": closed,
        "opted out": opted_out,
    }


REACHED = {"english", "french", "north"}


def test_sending_an_urgent_call_records_it_and_audits_it(
    staff: User, audience: dict[str, User], north: Sector
) -> None:

    response = english_client(staff).post(
        URGENT_CALLS, urgent_call_form(sector=str(north.pk)), follow=True
    )

    assert response.redirect_chain == [(URGENT_CALLS, 302)]
    assert "The urgent call is on its way to 3 people." in response.content.decode()
    call = UrgentCall.objects.get()
    assert (call.author, call.kind, call.sector, call.language, call.recipients_count) == (
        staff,
        "donation",
        north,
        "fr",
        3,
    )
    entry = AuditEntry.objects.get(action="notifications.urgent_call.sent")
    assert (entry.actor, entry.target_id) == (staff, str(call.pk))
    assert entry.detail == {"recipients": 3, "kind": "donation", "language": "fr"}
    # The recent calls list shows it.
    assert "Nous cherchons 20 couvertures pour ce soir, au gymnase." in response.content.decode()


def test_an_urgent_call_reaches_only_the_people_who_opted_in_for_it(
    staff: User,
    audience: dict[str, User],
    north: Sector,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:

    with django_capture_on_commit_callbacks(execute=True):
        client_for(staff).post(URGENT_CALLS, urgent_call_form(sector=str(north.pk)))

    reached = {name for name, user in audience.items() if emails_to(user)}
    assert reached == REACHED
    assert len(mail.outbox) == len(REACHED)
    for name in REACHED:
        user = audience[name]
        assert selectors.unread_count(user) == 1
        [message] = emails_to(user)
        assert "Nous cherchons 20 couvertures pour ce soir, au gymnase." in message.body
        # The token carries the second it was signed: read it back rather than sign again.
        link = message.extra_headers["List-Unsubscribe"]
        prefix = f"<{settings.ENTRAIDE_BASE_URL}/notifications/desabonnement/"
        assert link.startswith(prefix)
        assert link.endswith("/>")
        token = link[len(prefix) : -2]
        assert rendering.read_unsubscribe_token(token) == (user.pk, URGENT_CALL)
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"{settings.ENTRAIDE_BASE_URL}/notifications/desabonnement/{token}/" in message.body


def test_each_person_reads_the_urgent_call_in_their_own_language(
    staff: User,
    audience: dict[str, User],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(staff).post(URGENT_CALLS, urgent_call_form())

    for name, language in [("english", "en"), ("french", "fr")]:
        [message] = emails_to(audience[name])
        with translation.override(language):
            assert gettext("Urgent call for help") in message.subject
        row = Notification.objects.get(recipient=audience[name], channel=Channel.EMAIL)
        assert row.language == language
        html = message.alternatives[0][0]  # type: ignore[attr-defined]
        assert f'<html lang="{language}"' in html


def test_an_urgent_call_with_a_phone_number_is_refused_with_an_explanation(
    staff: User, audience: dict[str, User]
) -> None:
    response = english_client(staff).post(
        URGENT_CALLS, urgent_call_form(message="Appelez Mme Diallo au 06 12 34 56 78.")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "The message seems to contain a phone number" in page
    assert 'class="errorlist nonfield"' in page
    assert "Appelez Mme Diallo au 06 12 34 56 78." in page  # kept, to be corrected
    assert not UrgentCall.objects.exists()
    assert not AuditEntry.objects.filter(action="notifications.urgent_call.sent").exists()


def test_the_fourth_urgent_call_in_24_hours_is_refused(staff: User) -> None:
    opt_in(UserFactory())
    for n in range(settings.ENTRAIDE_URGENT_CALLS_PER_DAY):
        UrgentCall.objects.create(
            author=staff, message=f"Appel {n}", kind="donation", language="fr"
        )

    response = english_client(staff).post(URGENT_CALLS, urgent_call_form())

    assert response.status_code == 200
    assert "At most 3 urgent calls can be sent in 24 hours." in response.content.decode()
    assert UrgentCall.objects.count() == 3


def test_an_urgent_call_reaching_nobody_is_refused_on_the_form(staff: User) -> None:
    response = english_client(staff).post(URGENT_CALLS, urgent_call_form())
    assert response.status_code == 200
    assert "the call was not sent and does not count" in response.content.decode()
    assert not UrgentCall.objects.exists()


def test_calls_older_than_24_hours_do_not_count_towards_the_limit(staff: User) -> None:
    opt_in(UserFactory())
    for n in range(settings.ENTRAIDE_URGENT_CALLS_PER_DAY):
        UrgentCall.objects.create(
            author=staff, message=f"Appel {n}", kind="donation", language="fr"
        )
    UrgentCall.objects.update(created_at=timezone.now() - timedelta(hours=25))

    response = client_for(staff).post(URGENT_CALLS, urgent_call_form())

    assert response.status_code == 302
    assert UrgentCall.objects.count() == 4


def test_the_audience_count_is_a_fragment_for_the_form(staff: User) -> None:
    opt_in(UserFactory())
    opt_in(UserFactory())

    response = english_client(staff).get(AUDIENCE, {"kind": "donation", "language": "fr"})

    page = response.content.decode()
    assert page.startswith('<p id="urgent-audience"')
    assert "<html" not in page
    assert "This call will reach 2 people who opted in." in page


def test_the_audience_count_follows_the_district(staff: User) -> None:
    north, south = SectorFactory(name="Nord"), SectorFactory(name="Sud")
    opt_in(UserFactory(), sectors=(north,))
    opt_in(UserFactory(), sectors=(south,))
    opt_in(UserFactory())

    page = (
        english_client(staff)
        .get(AUDIENCE, {"kind": "donation", "language": "fr", "sector": north.pk})
        .content.decode()
    )

    assert "This call will reach 2 people who opted in." in page


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"kind": "donation"},
        {"kind": "", "language": "fr"},
        {"kind": "donation", "language": "fr", "sector": "x"},
    ],
)
def test_the_audience_count_asks_for_a_kind_and_a_language_first(
    staff: User, query: dict[str, str]
) -> None:
    opt_in(UserFactory())
    page = english_client(staff).get(AUDIENCE, query).content.decode()
    assert "Choose a kind of help and a language" in page
