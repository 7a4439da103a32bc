"""A city employee signs in through the city's identity provider, in a real browser.

The provider is the real one of ``tests/oidc_provider`` (django-oauth-toolkit in a
subprocess on a free loopback port): Chromium goes from Entraide's sign-in page to the
provider's, back to Entraide with an authorisation code (PKCE), and Entraide checks the ID
token against the provider's keys. The new strings are not in the French catalogue yet,
so this journey runs in English.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from tests.browser.fixtures import assert_accessible, forgive_expected_http_errors
from tests.oidc_provider.fixture import STAFF_GROUP, Provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city_sso(oidc_provider: Provider, live_server: LiveServer) -> Iterator[Provider]:
    oidc_provider.allow_redirect(live_server.url)
    oidc_provider.fault("")
    oidc_provider.set_groups(STAFF_GROUP)
    with override_settings(**oidc_provider.entraide_settings()):
        yield oidc_provider
    oidc_provider.fault("")


def sign_in_with_the_city(page: Page, live_server: LiveServer, provider: Provider) -> None:
    page.goto(live_server.url + "/compte/login/")
    page.get_by_role("link", name="Sign in with Compte Ville").click()
    # allauth asks before leaving for the provider (a POST, so no link can do it alone).
    page.get_by_role("button", name="Continue").click()
    if "/login/" in page.url and page.url.startswith(provider.issuer.removesuffix("/o")):
        page.get_by_label("Username").fill(provider.username)
        page.get_by_label("Password").fill(provider.password)
        page.get_by_role("button", name="Sign in to the city").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def test_a_city_employee_signs_in_with_the_city_account_and_loses_access_with_the_group(
    english_page: Page,
    live_server: LiveServer,
    city_sso: Provider,
    request: pytest.FixtureRequest,
) -> None:
    page = english_page
    page.goto(live_server.url + "/compte/login/")
    expect(page.get_by_role("heading", name="You work for the city")).to_be_visible()
    assert_accessible(page)

    sign_in_with_the_city(page, live_server, city_sso)

    # Straight to the staff area, with the role the provider's groups give.
    expect(page).to_have_url(re.compile(r"/equipe/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff area")
    assert_accessible(page)
    assert User.objects.get(email=city_sso.email).role == User.Role.STAFF

    # The city removes the group; at the next sign-in the staff pages are closed.
    city_sso.set_groups()
    sign_out(page)
    sign_in_with_the_city(page, live_server, city_sso)
    expect(page).to_have_url(re.compile(r"/compte/$"))
    expect(page.get_by_role("link", name="Staff area")).to_have_count(0)
    page.goto(live_server.url + "/equipe/")
    forgive_expected_http_errors(request, 403)
    expect(page.get_by_role("heading", level=1)).to_have_text("Access refused")
    assert User.objects.get(email=city_sso.email).role == User.Role.RESIDENT


@pytest.mark.parametrize("fault", ["expired", "audience"])
def test_an_expired_or_wrongly_addressed_id_token_leaves_the_employee_signed_out(
    english_page: Page,
    live_server: LiveServer,
    city_sso: Provider,
    request: pytest.FixtureRequest,
    fault: str,
) -> None:
    page = english_page
    city_sso.fault(fault)

    sign_in_with_the_city(page, live_server, city_sso)

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign-in with the city account failed"
    )
    forgive_expected_http_errors(request, 401)
    assert_accessible(page)
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    assert not User.objects.filter(email=city_sso.email).exists()


def test_a_city_employee_without_a_staff_group_is_told_there_is_no_access(
    english_page: Page,
    live_server: LiveServer,
    city_sso: Provider,
    request: pytest.FixtureRequest,
) -> None:
    page = english_page
    city_sso.set_groups("comptabilite")

    sign_in_with_the_city(page, live_server, city_sso)

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "No access to Entraide with this account"
    )
    forgive_expected_http_errors(request, 403)
    assert_accessible(page)
    assert not User.objects.filter(email=city_sso.email).exists()
