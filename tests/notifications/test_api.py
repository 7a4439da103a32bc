"""The notifications API, for every endpoint and role: the same rules as the pages."""

from __future__ import annotations

import pytest
from django.core import mail
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import user_rotate_api_token
from core.models import AuditEntry
from notifications import selectors
from notifications.models import Notification, NotificationPreference, UrgentCall
from notifications.registry import Channel
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

NOTIFICATIONS = "/api/v1/notifications/"
READ_ALL = "/api/v1/notifications/read-all/"
UNREAD_COUNT = "/api/v1/notifications/unread-count/"
PREFERENCES = "/api/v1/notification-preferences/"
STAFF_NOTIFICATIONS = "/api/v1/staff/notifications/"
URGENT_CALLS = "/api/v1/staff/urgent-calls/"
AUDIENCE = "/api/v1/staff/urgent-calls/audience/"

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


def api_as(user: User | None) -> APIClient:
    """An API client for ``user`` whose error messages are in English."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def as_role(request: pytest.FixtureRequest, role: str) -> User:
    user: User = request.getfixturevalue(role)
    return user


def read_url(notification: Notification) -> str:
    return f"{NOTIFICATIONS}{notification.pk}/read/"


def resend_url(notification: Notification) -> str:
    return f"{STAFF_NOTIFICATIONS}{notification.pk}/resend/"


def preferences(**changes: object) -> dict[str, object]:
    return {
        "email_optional": True,
        "sms": False,
        "urgent_calls": True,
        "urgent_kinds": ["donation"],
        "urgent_languages": ["fr", "uk"],
        "urgent_sectors": [],
        **changes,
    }


def urgent_call(**changes: object) -> dict[str, object]:
    return {
        "kind": "donation",
        "language": "fr",
        "message": "Nous cherchons 20 couvertures pour ce soir, au gymnase.",
        **changes,
    }


# --- Who may call what ------------------------------------------------------------------

ALL_ENDPOINTS = [
    ("get", NOTIFICATIONS),
    ("post", f"{NOTIFICATIONS}1/read/"),
    ("post", READ_ALL),
    ("get", UNREAD_COUNT),
    ("get", PREFERENCES),
    ("post", PREFERENCES),
    ("get", STAFF_NOTIFICATIONS),
    ("get", f"{STAFF_NOTIFICATIONS}1/"),
    ("post", f"{STAFF_NOTIFICATIONS}1/resend/"),
    ("get", URGENT_CALLS),
    ("post", URGENT_CALLS),
    ("get", f"{AUDIENCE}?kind=donation&language=fr"),
]
STAFF_ENDPOINTS = [(method, url) for method, url in ALL_ENDPOINTS if "/staff/" in url]


@pytest.mark.parametrize(("method", "url"), ALL_ENDPOINTS)
def test_a_visitor_is_asked_to_authenticate_with_a_token(method: str, url: str) -> None:
    response = getattr(APIClient(), method)(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_opens_my_notifications(resident: User) -> None:
    in_app_call(resident, "Des couvertures", key="1")
    client = APIClient()
    _token, text = user_rotate_api_token(user=resident)
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    response = client.get(NOTIFICATIONS)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize("role", NOT_STAFF)
@pytest.mark.parametrize(("method", "url"), STAFF_ENDPOINTS)
def test_the_staff_endpoints_are_refused_to_residents_and_associations(
    request: pytest.FixtureRequest, role: str, method: str, url: str
) -> None:
    response = getattr(api_as(as_role(request, role)), method)(url)
    assert response.status_code == 403


@pytest.mark.parametrize("role", SIGNED_IN)
@pytest.mark.parametrize("url", [NOTIFICATIONS, UNREAD_COUNT, PREFERENCES])
def test_everyone_signed_in_reads_their_own_notification_endpoints(
    request: pytest.FixtureRequest, role: str, url: str
) -> None:
    assert api_as(as_role(request, role)).get(url).status_code == 200


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize(
    "url", [STAFF_NOTIFICATIONS, URGENT_CALLS, f"{AUDIENCE}?kind=donation&language=fr"]
)
def test_staff_and_coordinators_read_the_staff_endpoints(
    request: pytest.FixtureRequest, role: str, url: str
) -> None:
    assert api_as(as_role(request, role)).get(url).status_code == 200


# --- The notification centre ------------------------------------------------------------


@pytest.mark.parametrize("role", SIGNED_IN)
def test_a_person_lists_only_their_own_in_app_notifications(
    request: pytest.FixtureRequest, role: str
) -> None:
    user = as_role(request, role)
    mine = in_app_call(user, "Des couvertures pour le gymnase", key="mine")
    in_app_call(UserFactory(), "Un lit pour la famille du quartier nord", key="theirs")

    body = api_as(user).get(NOTIFICATIONS).json()

    assert [item["id"] for item in body["results"]] == [mine.pk]
    [item] = body["results"]
    assert item["type"] == URGENT_CALL
    assert "Des couvertures pour le gymnase" in item["text"]
    assert item["url"].startswith("http")
    assert item["read_at"] is None


def test_the_list_is_newest_first_and_holds_no_email_rows(resident: User) -> None:
    first = in_app_call(resident, "Premier", key="1")
    second = in_app_call(resident, "Second", key="2")
    NotificationFactory(recipient=resident)

    results = api_as(resident).get(NOTIFICATIONS).json()["results"]

    assert [item["id"] for item in results] == [second.pk, first.pk]


def test_the_list_query_count_does_not_grow_with_the_notifications(
    resident: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(30):
        in_app_call(resident, f"Appel {n}", key=f"call:{n}")
    client = api_as(resident)

    with django_assert_max_num_queries(2):
        response = client.get(NOTIFICATIONS)

    assert len(response.json()["results"]) == 30


def test_marking_my_notification_as_read(resident: User) -> None:
    notification = in_app_call(resident, "Des couvertures", key="1")

    response = api_as(resident).post(read_url(notification))

    assert response.status_code == 204
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert api_as(resident).get(NOTIFICATIONS).json()["results"][0]["read_at"] is not None


@pytest.mark.parametrize("role", [r for r in SIGNED_IN if r != "resident"])
def test_marking_someone_elses_notification_as_read_is_a_404(
    request: pytest.FixtureRequest, role: str, resident: User
) -> None:
    notification = in_app_call(resident, "Des couvertures", key="1")

    response = api_as(as_role(request, role)).post(read_url(notification))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_an_email_row_cannot_be_marked_as_read(resident: User) -> None:
    assert (
        api_as(resident).post(read_url(NotificationFactory(recipient=resident))).status_code == 404
    )


def test_marking_all_as_read_counts_mine_and_leaves_the_others(
    resident: User, other_resident: User
) -> None:
    in_app_call(resident, "Premier", key="1")
    in_app_call(resident, "Second", key="2")
    in_app_call(other_resident, "Le sien", key="3")

    response = api_as(resident).post(READ_ALL)

    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert api_as(resident).post(READ_ALL).json() == {"marked": 0}
    assert selectors.unread_count(other_resident) == 1


def test_the_unread_count_is_mine(resident: User, other_resident: User) -> None:
    first = in_app_call(resident, "Premier", key="1")
    in_app_call(resident, "Second", key="2")
    in_app_call(other_resident, "Le sien", key="3")
    client = api_as(resident)

    assert client.get(UNREAD_COUNT).json() == {"unread": 2}
    client.post(read_url(first))
    assert client.get(UNREAD_COUNT).json() == {"unread": 1}


# --- Preferences ------------------------------------------------------------------------


def test_the_preferences_start_with_the_defaults(resident: User) -> None:
    assert api_as(resident).get(PREFERENCES).json() == {
        "email_optional": True,
        "sms": False,
        "urgent_calls": False,
        "urgent_kinds": [],
        "urgent_languages": [],
        "urgent_sectors": [],
    }


def test_posting_preferences_saves_them(resident: User) -> None:
    north = SectorFactory()

    response = api_as(resident).post(PREFERENCES, preferences(urgent_sectors=[north.pk]))

    assert response.status_code == 200
    assert response.json() == preferences(urgent_sectors=[north.pk])
    preference = NotificationPreference.objects.get(user=resident)
    assert (preference.urgent_kinds, preference.urgent_languages) == (",donation,", ",fr,uk,")
    assert api_as(resident).get(PREFERENCES).json() == preferences(urgent_sectors=[north.pk])


def test_each_person_reads_and_writes_their_own_preferences(
    resident: User, other_resident: User
) -> None:
    api_as(resident).post(PREFERENCES, preferences())
    assert api_as(other_resident).get(PREFERENCES).json()["urgent_calls"] is False


@pytest.mark.parametrize(
    ("changes", "field", "status"),
    [
        # Choices that go together, a district that does not exist: rules (422).
        ({"urgent_kinds": []}, "urgent_kinds", 422),
        ({"urgent_languages": []}, "urgent_languages", 422),
        ({"urgent_sectors": [999999]}, "urgent_sectors", 422),
        # Values the schema refuses (400).
        ({"urgent_kinds": ["castle"]}, "urgent_kinds", 400),
        ({"urgent_languages": ["klingon"]}, "urgent_languages", 400),
        ({"email_optional": "maybe"}, "email_optional", 400),
    ],
)
def test_wrong_preferences_are_refused_naming_the_field(
    resident: User, changes: dict[str, object], field: str, status: int
) -> None:
    response = api_as(resident).post(PREFERENCES, preferences(**changes))

    assert response.status_code == status
    assert field in response.json()
    assert not NotificationPreference.objects.filter(user=resident, urgent_calls=True).exists()


def test_missing_preferences_are_a_400_naming_each_field(resident: User) -> None:
    response = api_as(resident).post(PREFERENCES, {})
    assert response.status_code == 400
    assert set(response.json()) == set(preferences())


def test_text_messages_need_a_phone_number(resident: User) -> None:
    response = api_as(resident).post(PREFERENCES, preferences(sms=True))

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Add a phone number to your account to receive text messages."
    )
    assert not NotificationPreference.objects.filter(user=resident, sms=True).exists()


def test_a_person_with_a_phone_number_chooses_text_messages() -> None:
    user = UserFactory(phone="06 12 34 56 78")
    response = api_as(user).post(PREFERENCES, preferences(sms=True))
    assert response.status_code == 200
    assert response.json()["sms"] is True


# --- Staff: the messages sent -----------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_staff_list_emails_and_texts_but_not_in_app_messages(
    request: pytest.FixtureRequest, role: str
) -> None:
    email = NotificationFactory(failed=True)
    text = NotificationFactory(channel=Channel.SMS)
    NotificationFactory(in_app=True)

    results = api_as(as_role(request, role)).get(STAFF_NOTIFICATIONS).json()["results"]

    assert [item["id"] for item in results] == [text.pk, email.pk]
    assert results[1]["status"] == "failed"
    assert results[1]["recipient"] == email.recipient_id


def test_staff_filter_the_messages_by_status_channel_and_type(staff: User) -> None:
    failed = NotificationFactory(failed=True)
    text = NotificationFactory(channel=Channel.SMS)
    digest = NotificationFactory(type="notifications.staff_digest", context={})
    client = api_as(staff)

    def ids(**query: str) -> list[int]:
        return [item["id"] for item in client.get(STAFF_NOTIFICATIONS, query).json()["results"]]

    assert ids(status="failed") == [failed.pk]
    assert ids(channel="sms") == [text.pk]
    assert ids(type="notifications.staff_digest") == [digest.pk]


def test_the_staff_list_never_gives_a_recipients_email_or_phone(staff: User) -> None:
    person = UserFactory(email="amina.k@example.org", phone="06 11 22 33 44")
    NotificationFactory(recipient=person, failed=True)
    NotificationFactory(recipient=None, address="caller@example.net", failed=True)
    NotificationFactory(recipient=None, address="07 55 66 77 88", channel=Channel.SMS)

    content = api_as(staff).get(STAFF_NOTIFICATIONS).content.decode()

    for detail in ["amina.k@example.org", "06 11 22 33 44", "caller@example.net", "07 55 66 77 88"]:
        assert detail not in content


def test_the_staff_list_query_count_does_not_grow_with_rows(
    staff: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for _ in range(30):
        NotificationFactory(recipient=UserFactory())
    client = api_as(staff)

    with django_assert_max_num_queries(1):
        response = client.get(STAFF_NOTIFICATIONS)

    assert len(response.json()["results"]) == 30


def test_an_in_app_message_is_not_a_staff_message(staff: User) -> None:
    in_app = NotificationFactory(in_app=True, failed=True)
    assert api_as(staff).get(f"{STAFF_NOTIFICATIONS}{in_app.pk}/").status_code == 404
    assert api_as(staff).post(resend_url(in_app)).status_code == 404


@pytest.mark.parametrize("trait", ["failed", "bounced"])
def test_staff_send_a_failed_or_bounced_message_again(staff: User, trait: str) -> None:
    row = NotificationFactory(**{trait: True})

    response = api_as(staff).post(resend_url(row))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["attempts"]) == ("queued", 0)
    entry = AuditEntry.objects.get(action="notifications.notification.resent")
    assert (entry.actor, entry.target_id) == (staff, str(row.pk))


@pytest.mark.parametrize("trait", [{}, {"queued": True}, {"delivered": True}])
def test_resending_a_message_that_did_not_fail_is_a_409_with_the_reason(
    staff: User, trait: dict[str, bool]
) -> None:
    row = NotificationFactory(**trait)
    status_before = row.status

    response = api_as(staff).post(resend_url(row))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only a failed or bounced message can be sent again.",
        "code": "not_failed",
    }
    row.refresh_from_db()
    assert row.status == status_before


# --- Staff: urgent calls ----------------------------------------------------------------


def test_creating_an_urgent_call_sends_it_to_the_people_who_opted_in(
    staff: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    english = opt_in(UserFactory(preferred_language="en"))
    french = opt_in(UserFactory(preferred_language="fr"))
    housing = opt_in(UserFactory(), kinds=("housing",))

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(staff).post(URGENT_CALLS, urgent_call())

    assert response.status_code == 201
    body = response.json()
    assert body["recipients_count"] == 2
    assert body["message"] == "Nous cherchons 20 couvertures pour ce soir, au gymnase."
    call = UrgentCall.objects.get(pk=body["id"])
    assert call.author == staff
    assert AuditEntry.objects.filter(
        action="notifications.urgent_call.sent", target_id=str(call.pk)
    ).exists()
    assert [len(emails_to(user)) for user in (english, french, housing)] == [1, 1, 0]
    assert len(mail.outbox) == 2
    assert "List-Unsubscribe" in emails_to(english)[0].extra_headers


def test_an_urgent_call_that_would_reach_nobody_is_a_409_and_does_not_count(
    staff: User,
) -> None:
    opt_in(UserFactory(), kinds=("housing",))
    response = api_as(staff).post(URGENT_CALLS, urgent_call())  # goods: nobody opted in
    assert response.status_code == 409  # the state: nobody opted in
    assert response.json()["detail"].startswith("Nobody who opted in to urgent calls")
    assert not UrgentCall.objects.exists()


@pytest.mark.parametrize(
    "message",
    [
        "Appelez Mme Diallo au 06 12 34 56 78.",
        "Écrivez à benevole.nord@example.org pour aider.",
        "Famille avec passeport 12AB34567 à loger.",
    ],
)
def test_an_urgent_call_with_personal_details_is_a_422(staff: User, message: str) -> None:
    response = api_as(staff).post(URGENT_CALLS, urgent_call(message=message))

    assert response.status_code == 422
    assert response.json()["detail"].startswith(
        "The message seems to contain a phone number, an e-mail address or another personal detail."
    )
    assert not UrgentCall.objects.exists()


def test_the_fourth_urgent_call_in_24_hours_is_a_409(staff: User) -> None:
    opt_in(UserFactory())
    client = api_as(staff)
    for _ in range(3):
        assert client.post(URGENT_CALLS, urgent_call()).status_code == 201

    response = client.post(URGENT_CALLS, urgent_call())

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "At most 3 urgent calls can be sent in 24 hours. Try again later."
    )
    assert UrgentCall.objects.count() == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "castle"}, "kind"),
        ({"language": "klingon"}, "language"),
        ({"message": ""}, "message"),
        ({"message": "x" * 481}, "message"),
        ({"sector": 999999}, "sector"),
    ],
)
def test_a_wrong_urgent_call_is_refused_naming_the_field(
    staff: User, changes: dict[str, object], field: str
) -> None:
    response = api_as(staff).post(URGENT_CALLS, urgent_call(**changes))
    assert response.status_code == (422 if field == "sector" else 400)
    assert field in response.json()


def test_staff_list_the_urgent_calls_newest_first(
    staff: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(30):
        UrgentCall.objects.create(
            author=staff, message=f"Appel {n}", kind="donation", language="fr"
        )

    with django_assert_max_num_queries(1):
        results = api_as(staff).get(URGENT_CALLS).json()["results"]

    assert len(results) == 30
    assert results[0]["message"] == "Appel 29"
    assert "author" not in results[0]


def test_the_audience_counts_the_people_a_call_would_reach(staff: User) -> None:
    north, south = SectorFactory(), SectorFactory()
    opt_in(UserFactory(), sectors=(north,))
    opt_in(UserFactory(), sectors=(south,))
    opt_in(UserFactory())
    opt_in(UserFactory(), languages=("ar",))
    client = api_as(staff)

    assert client.get(AUDIENCE, {"kind": "donation", "language": "fr"}).json() == {"recipients": 3}
    assert client.get(
        AUDIENCE, {"kind": "donation", "language": "fr", "sector": north.pk}
    ).json() == {"recipients": 2}
    assert client.get(AUDIENCE, {"kind": "housing", "language": "fr"}).json() == {"recipients": 0}


def test_the_audience_needs_a_kind_and_a_language(staff: User) -> None:
    response = api_as(staff).get(AUDIENCE)
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "language"}


def test_the_audience_creates_nothing(staff: User) -> None:
    api_as(staff).get(AUDIENCE, {"kind": "donation", "language": "fr"})
    assert not UrgentCall.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_empty_district_in_the_audience_query_is_refused(staff: User) -> None:
    client = APIClient()
    client.force_authenticate(staff)
    response = client.get(
        "/api/v1/staff/urgent-calls/audience/", {"kind": "donation", "language": "fr", "sector": ""}
    )
    assert response.status_code == 400
