"""Staff single sign-on against a real OpenID Connect provider (``tests/oidc_provider``).

The provider runs in a subprocess; Entraide discovers it, the code flow runs with PKCE,
and the ID token is checked (signature against the published keys, issuer, audience,
expiry). Django's test client plays the browser on Entraide's side; the browser journey
is in ``tests/browser/test_staff_sso.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.test import Client, override_settings

from accounts.models import User
from core.models import AuditEntry
from tests.factories import PASSWORD, UserFactory
from tests.oidc_provider.fixture import COORDINATOR_GROUP, STAFF_GROUP, Provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_sso(oidc_provider: Provider) -> Iterator[Provider]:
    oidc_provider.fault("")
    oidc_provider.set_groups(STAFF_GROUP)
    with override_settings(**oidc_provider.entraide_settings()):
        yield oidc_provider
    oidc_provider.fault("")


def _signed_in(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_the_sign_in_page_offers_the_city_account_when_it_is_configured(
    client: Client, city_sso: Provider
) -> None:
    page = client.get("/compte/login/").content.decode()
    assert "/compte/oidc/ville/login/" in page
    assert "Compte Ville" in page


def test_the_sign_in_page_offers_no_city_account_without_a_provider(client: Client) -> None:
    assert "/compte/oidc/" not in client.get("/compte/login/").content.decode()


def test_a_staff_member_signs_in_through_the_city_provider_with_the_role_of_their_groups(
    client: Client, city_sso: Provider
) -> None:
    response = city_sso.sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == "/equipe/"
    user = _signed_in(client)
    assert user is not None
    assert user.email == city_sso.email
    assert user.role == User.Role.STAFF
    assert user.display_name == "Camille"
    assert not user.has_usable_password()
    assert client.get("/equipe/").status_code == 200
    entry = AuditEntry.objects.get(action="accounts.user.role_changed")
    assert entry.detail == {"from": "resident", "to": "staff", "source": "oidc"}
    assert entry.actor is None


def test_the_coordinator_group_makes_a_coordinator(client: Client, city_sso: Provider) -> None:
    city_sso.set_groups(STAFF_GROUP, COORDINATOR_GROUP)
    city_sso.sign_in(client)
    user = _signed_in(client)
    assert user is not None
    assert user.role == User.Role.COORDINATOR
    assert user.is_staff  # Django's admin site


def test_a_group_removed_at_the_provider_removes_the_role_at_the_next_sign_in(
    client: Client, city_sso: Provider
) -> None:
    city_sso.sign_in(client)
    client.post("/compte/logout/")
    city_sso.set_groups()

    response = city_sso.sign_in(client)

    user = _signed_in(client)
    assert user is not None
    assert user.role == User.Role.RESIDENT
    assert response["Location"] == "/compte/"
    assert client.get("/equipe/").status_code == 403
    changes = AuditEntry.objects.filter(action="accounts.user.role_changed").order_by("id")
    assert [entry.detail["to"] for entry in changes] == ["staff", "resident"]


def test_signing_in_again_with_the_same_groups_writes_no_role_change(
    client: Client, city_sso: Provider
) -> None:
    city_sso.sign_in(client)
    client.post("/compte/logout/")
    city_sso.sign_in(client)
    assert AuditEntry.objects.filter(action="accounts.user.role_changed").count() == 1


def test_a_city_account_without_a_staff_group_gets_no_account(
    client: Client, city_sso: Provider
) -> None:
    city_sso.set_groups("comptabilite")

    response = city_sso.sign_in(client)

    assert response.status_code == 403
    assert "accounts/oidc_no_access.html" in [template.name for template in response.templates]
    assert not User.objects.filter(email=city_sso.email).exists()
    assert _signed_in(client) is None


def test_an_existing_account_with_the_same_address_is_connected_not_duplicated(
    client: Client, city_sso: Provider
) -> None:
    existing = UserFactory(email=city_sso.email, display_name="Cam")

    city_sso.sign_in(client)

    assert _signed_in(client) == existing
    existing.refresh_from_db()
    assert existing.role == User.Role.STAFF
    assert User.objects.filter(email=city_sso.email).count() == 1


def test_an_unconfirmed_account_with_the_same_address_loses_its_password_when_connected(
    client: Client, city_sso: Provider
) -> None:
    # Someone may have signed up with a city employee's address without confirming it:
    # once the employee signs in through the city, that password no longer opens it.
    squatter = UserFactory(email=city_sso.email)
    EmailAddress.objects.filter(user=squatter).update(verified=False)

    city_sso.sign_in(client)

    squatter.refresh_from_db()
    assert _signed_in(client) == squatter
    assert not squatter.has_usable_password()


@pytest.mark.parametrize("fault", ["expired", "audience", "signature"])
def test_a_faulty_id_token_is_refused(client: Client, city_sso: Provider, fault: str) -> None:
    city_sso.fault(fault)

    response = city_sso.sign_in(client)

    assert response.status_code == 401
    assert "socialaccount/authentication_error.html" in [t.name for t in response.templates]
    assert _signed_in(client) is None
    assert not User.objects.filter(email=city_sso.email).exists()


def test_a_faulty_token_does_not_take_the_role_of_an_existing_staff_member_away(
    client: Client, city_sso: Provider
) -> None:
    city_sso.sign_in(client)
    client.post("/compte/logout/")
    city_sso.set_groups()
    city_sso.fault("signature")

    city_sso.sign_in(client)

    assert User.objects.get(email=city_sso.email).role == User.Role.STAFF
    assert _signed_in(client) is None


# --- Local passwords for staff turned off --------------------------------------------------


@pytest.fixture
def sso_only(city_sso: Provider) -> Iterator[Provider]:
    with override_settings(ENTRAIDE_STAFF_LOCAL_PASSWORDS=False):
        yield city_sso


def test_with_local_passwords_off_staff_cannot_sign_in_with_a_password(
    client: Client, sso_only: Provider, staff: User
) -> None:
    response = client.post("/compte/login/", {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/compte/login/"
    assert _signed_in(client) is None
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("city" in text or "ville" in text for text in texts), texts


def test_with_local_passwords_off_the_admin_login_refuses_staff_passwords(
    client: Client, sso_only: Provider, coordinator: User
) -> None:
    response = client.post(
        "/admin/login/?next=/admin/", {"username": coordinator.email, "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again, with its error
    assert _signed_in(client) is None


def test_with_local_passwords_off_staff_cannot_sign_in_with_an_emailed_code(
    client: Client, sso_only: Provider, staff: User, mailoutbox: list
) -> None:
    client.post("/compte/login/code/", {"email": staff.email})
    code = next(
        line.strip()
        for line in mailoutbox[-1].body.splitlines()
        if line.strip() and line.strip().replace("-", "").isalnum() and line.strip().isupper()
    )
    client.post("/compte/login/code/confirm/", {"code": code})
    assert _signed_in(client) is None


def test_with_local_passwords_off_residents_still_sign_in_with_their_password(
    client: Client, sso_only: Provider, resident: User
) -> None:
    client.post("/compte/login/", {"login": resident.email, "password": PASSWORD})
    assert _signed_in(client) == resident


def test_with_local_passwords_off_staff_still_sign_in_through_the_city_provider(
    client: Client, sso_only: Provider
) -> None:
    city_sso = sso_only
    response = city_sso.sign_in(client)
    assert response["Location"] == "/equipe/"


def test_staff_signing_in_with_a_password_still_land_on_their_account_page(
    client: Client, staff: User
) -> None:
    response = client.post("/compte/login/", {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == "/compte/"


def test_a_city_identity_without_a_staff_group_cannot_enter_an_account_of_the_same_address(
    client: Client, city_sso: Provider
) -> None:
    # A resident signed up with this address; the city's provider vouching for it is not
    # enough to open that account without a staff group.
    resident = UserFactory(email=city_sso.email)
    city_sso.set_groups()

    response = city_sso.sign_in(client)

    assert response.status_code == 403
    assert _signed_in(client) is None
    resident.refresh_from_db()
    assert resident.has_usable_password()
