"""``/api/v1/me/`` and the API token, for every role."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import client_for
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"
TOKEN = "/api/v1/me/token/"


def api_as(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_visitor_is_asked_to_authenticate() -> None:
    response = APIClient().get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("fixture", "roles"),
    [
        ("resident", ["resident"]),
        ("association_member", ["association_member", "resident"]),
        ("association_admin", ["association_admin", "association_member", "resident"]),
        ("staff", ["resident", "staff"]),
        ("coordinator", ["coordinator", "resident", "staff"]),
    ],
)
def test_me_tells_each_role_who_they_are(
    request: pytest.FixtureRequest, fixture: str, roles: list[str]
) -> None:
    user = request.getfixturevalue(fixture)
    body = api_as(user).get(ME).json()
    assert body["email"] == user.email
    assert body["roles"] == roles


def test_me_lists_the_verified_organisations_the_person_acts_for() -> None:
    membership = MembershipFactory(admin=True, organisation__name="Accueil Solidaire")
    MembershipFactory(user=membership.user, organisation__unverified=True)
    body = api_as(membership.user).get(ME).json()
    assert body["memberships"] == [
        {
            "organisation": {
                "id": membership.organisation.id,
                "name": "Accueil Solidaire",
                "kind": "association",
                "is_verified": True,
            },
            "role": "admin",
        }
    ]


def test_a_person_updates_their_own_details(resident: User) -> None:
    response = api_as(resident).patch(
        ME, {"display_name": "Camille", "preferred_language": "ar", "phone": "06 12 34 56 78"}
    )
    assert response.status_code == 200
    resident.refresh_from_db()
    assert (resident.display_name, resident.preferred_language, resident.phone) == (
        "Camille",
        "ar",
        "06 12 34 56 78",
    )


def test_a_person_cannot_change_their_email_or_role_through_me(resident: User) -> None:
    api_as(resident).patch(ME, {"email": "evil@example.org", "role": "coordinator"})
    resident.refresh_from_db()
    assert resident.email == "resident@example.org"
    assert resident.role == User.Role.RESIDENT


def test_a_bad_phone_number_is_a_422_that_says_why(resident: User) -> None:
    response = api_as(resident).patch(ME, {"phone": "call me maybe"})
    assert response.status_code == 422
    assert "phone" in response.json()


def test_a_token_authenticates_its_owner_and_stops_working_once_revoked(resident: User) -> None:
    token = api_as(resident).post(TOKEN).json()["token"]
    with_token = APIClient()
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert with_token.get(ME).json()["email"] == resident.email
    assert api_as(resident).delete(TOKEN).status_code == 204
    assert with_token.get(ME).status_code == 401


def test_a_new_token_replaces_the_old_one(resident: User) -> None:
    first = api_as(resident).post(TOKEN).json()["token"]
    second = api_as(resident).post(TOKEN).json()["token"]
    assert first != second
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get(ME).status_code == 401


def test_a_visitor_cannot_create_a_token() -> None:
    assert APIClient().post(TOKEN).status_code == 401


def test_the_sectors_are_public_and_give_no_more_than_a_district() -> None:
    from tests.factories import SectorFactory

    SectorFactory(code="centre", name="Centre-ville")
    body = APIClient().get("/api/v1/sectors/").json()
    assert body == [
        {
            "id": body[0]["id"],
            "code": "centre",
            "name": "Centre-ville",
            "centroid_latitude": 45.1885,
            "centroid_longitude": 5.7245,
        }
    ]


def test_a_token_is_stored_as_a_digest_only(resident: User) -> None:
    from knox.models import AuthToken

    text = api_as(resident).post(TOKEN).json()["token"]
    stored = AuthToken.objects.get(user=resident)
    assert text not in {stored.digest, stored.token_key}
    assert len(stored.digest) == 128  # SHA-512, hexadecimal


def test_a_token_expires(resident: User, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from knox.models import AuthToken

    answer = api_as(resident).post(TOKEN).json()
    expiry = AuthToken.objects.get(user=resident).expiry
    assert expiry is not None
    assert timedelta(days=89) < expiry - timezone.now() <= timedelta(days=90)
    assert answer["expires_at"]
    AuthToken.objects.filter(user=resident).update(expiry=timezone.now() - timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer['token']}")
    assert client.get(ME).status_code == 401
    assert not AuthToken.objects.filter(user=resident).exists()  # deleted once refused


def test_a_token_is_checked_in_one_query(resident: User, django_assert_num_queries: Any) -> None:
    """The token's row and its owner, joined; knox's read of every other token of the
    person is left to the nightly purge (accounts/authentication.py)."""
    from accounts.authentication import TokenAuthentication

    text = api_as(resident).post(TOKEN).json()["token"]
    with django_assert_num_queries(1):
        user, _token = TokenAuthentication().authenticate_credentials(text.encode())
    assert user == resident


def test_a_password_change_revokes_the_token(resident: User) -> None:
    text = api_as(resident).post(TOKEN).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    assert client.get(ME).status_code == 200
    resident.set_password("another-long-password")
    resident.save()
    assert client.get(ME).status_code == 401
    # A token made after the change works.
    fresh = api_as(resident).post(TOKEN).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert client.get(ME).status_code == 200


def test_a_password_changed_on_the_account_page_revokes_the_token(resident: User) -> None:
    from tests.factories import PASSWORD

    text = api_as(resident).post(TOKEN).json()["token"]
    page = client_for(resident)
    response = page.post(
        "/compte/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-brand-new-secret",
            "password2": "a-brand-new-secret",
        },
    )
    assert response.status_code == 302
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    assert client.get(ME).status_code == 401
