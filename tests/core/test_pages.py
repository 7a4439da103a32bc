"""Public pages, the account page and the admin, as each role; language and security headers."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ROLES = [None, "resident", "association_member", "association_admin", "staff", "coordinator"]
PUBLIC_PAGES = ["/", "/accessibilite/", "/confidentialite/", "/api/docs/"]


def as_role(request: pytest.FixtureRequest, role: str | None) -> Client:
    return client_for(request.getfixturevalue(role) if role else None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_open_for_every_role(
    request: pytest.FixtureRequest, role: str | None, url: str
) -> None:
    assert as_role(request, role).get(url).status_code == 200


@pytest.mark.parametrize("url", ["/compte/login/", "/compte/signup/"])
def test_signing_in_and_up_are_for_visitors_only(client: Client, resident: User, url: str) -> None:
    assert client.get(url).status_code == 200
    response = client_for(resident).get(url)
    assert response.status_code == 302


def test_the_account_page_sends_a_visitor_to_sign_in(client: Client) -> None:
    response = client.get("/compte/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/login/")


@pytest.mark.parametrize("role", ROLES[1:])
def test_the_account_page_shows_each_person_their_own_details_only(
    request: pytest.FixtureRequest, role: str, other_resident: User
) -> None:
    user = request.getfixturevalue(role)
    page = client_for(user).get("/compte/").content.decode()
    assert user.email in page
    assert other_resident.email not in page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 302),
        ("resident", 302),
        ("association_admin", 302),
        ("staff", 302),
        ("coordinator", 200),
    ],
)
def test_only_coordinators_open_the_admin(
    request: pytest.FixtureRequest, role: str | None, status: int
) -> None:
    response = as_role(request, role).get("/admin/")
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/admin/login/")


def test_a_coordinator_can_manage_sectors_in_the_admin(coordinator: User) -> None:
    assert client_for(coordinator).get("/admin/core/sector/add/").status_code == 200


def test_a_page_is_french_by_default(client: Client) -> None:
    page = client.get("/").content.decode()
    assert '<html lang="fr" dir="ltr">' in page
    assert "Créer un compte" in page


def test_a_page_follows_the_browser_language(client: Client) -> None:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Create an account" in page


def test_arabic_pages_are_right_to_left(client: Client) -> None:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_the_language_switcher_remembers_the_choice_on_the_account(resident: User) -> None:
    client = client_for(resident)
    response = client.post("/langue/", {"language": "uk", "next": "/"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.preferred_language == "uk"
    assert '<html lang="uk"' in client.get("/").content.decode()


def test_the_language_switcher_works_for_visitors_with_a_cookie(client: Client) -> None:
    client.post("/langue/", {"language": "ar", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    assert 'dir="rtl"' in client.get("/").content.decode()


def test_a_signed_in_person_gets_their_preferred_language_on_a_new_device() -> None:
    from tests.factories import UserFactory

    user = UserFactory(preferred_language="en")
    page = client_for(user).get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en"' in page


def test_updating_my_details_on_the_account_page(resident: User) -> None:
    client = client_for(resident)
    response = client.post(
        "/compte/", {"display_name": "Camille", "preferred_language": "en", "phone": ""}
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.display_name == "Camille"
    assert resident.preferred_language == "en"


def test_a_wrong_phone_on_the_account_page_is_explained_next_to_the_field(
    resident: User,
) -> None:
    page = (
        client_for(resident)
        .post("/compte/", {"display_name": "", "preferred_language": "fr", "phone": "abc"})
        .content.decode()
    )
    assert 'aria-invalid="true"' in page
    assert "id_phone_error" in page


def test_an_api_token_is_shown_once_then_forgotten(resident: User) -> None:
    client = client_for(resident)
    client.post("/compte/api-token/", {"action": "create"})
    key = client.session["new_api_token"]
    from knox.models import AuthToken

    # Only a digest is stored: the text itself is nowhere in the database.
    assert not AuthToken.objects.filter(digest=key).exists()
    assert key in client.get("/compte/").content.decode()
    assert key not in client.get("/compte/").content.decode()


@pytest.mark.parametrize("url", [*PUBLIC_PAGES, "/compte/login/", "/compte/signup/", "/healthz"])
def test_every_page_carries_a_strict_content_security_policy(client: Client, url: str) -> None:
    policy = client.get(url)["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "http" not in policy


@pytest.mark.parametrize("url", [*PUBLIC_PAGES, "/compte/login/", "/compte/signup/"])
def test_no_page_loads_anything_from_another_origin(client: Client, url: str) -> None:
    page = client.get(url).content.decode()
    external = re.findall(r'(?:src|href)="(https?:)?//[^"]*"', page)
    assert external == []
    assert "<script>" not in page
    assert "style=" not in page


def test_every_page_starts_with_a_skip_link_to_the_main_content(client: Client) -> None:
    page = client.get("/").content.decode()
    body = page[page.index("<body>") :]
    first_link = re.search(r"<a [^>]*>", body)
    assert first_link is not None
    assert 'href="#main"' in first_link.group(0)
    assert '<main id="main"' in page


def test_an_unknown_page_is_a_friendly_404(client: Client) -> None:
    response = client.get("/nowhere/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
