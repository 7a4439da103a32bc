"""Signing up, in and out with allauth as configured for Entraide (pages, no browser)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.utils import translation

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/compte/login/"


def test_a_new_account_must_confirm_its_email_before_signing_in(client: Client) -> None:
    response = client.post(
        "/compte/signup/",
        {"email": "new@example.org", "display_name": "Amina", "password1": "un-toit-pour-tous"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.display_name == "Amina"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    # Signing in before confirming leads back to "check your e-mail", not to the account.
    response = client.post(LOGIN, {"login": "new@example.org", "password": "un-toit-pour-tous"})
    assert response.status_code == 302
    assert response["Location"] == "/compte/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_a_new_resident_lands_on_offer_help_after_confirming_their_address(
    client: Client,
) -> None:
    client.post(
        "/compte/signup/",
        {"email": "new@example.org", "display_name": "Amina", "password1": "un-toit-pour-tous"},
    )
    link = re.search(r"http://testserver(/compte/confirm-email/\S+)", mail.outbox[0].body)
    assert link is not None
    response = client.post(link.group(1))
    assert response.status_code == 302
    assert response["Location"] == "/offres/nouvelle/"
    assert client.get(response["Location"]).status_code == 200  # signed in by the confirmation


def test_a_new_account_speaks_the_language_of_its_sign_up(client: Client) -> None:
    client.post(
        "/compte/signup/",
        {"email": "new@example.org", "password1": "un-toit-pour-tous"},
        HTTP_ACCEPT_LANGUAGE="uk",
    )
    assert User.objects.get(email="new@example.org").preferred_language == "uk"


def test_a_forgotten_password_is_reset_through_an_emailed_link(client: Client) -> None:
    UserFactory(email="host@example.org")
    client.post("/compte/password/reset/", {"email": "host@example.org"})
    [message] = mail.outbox
    link = re.search(r"http://testserver(/compte/password/reset/key/\S+)", message.body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": "a-brand-new-password", "password2": "a-brand-new-password"},
    )
    assert response.status_code == 302
    assert Client().login(email="host@example.org", password="a-brand-new-password")


def test_a_password_reset_request_does_not_tell_whether_an_account_exists(
    client: Client,
) -> None:
    known = client.post("/compte/password/reset/", {"email": "host@example.org"})
    UserFactory(email="someone@example.org")
    unknown = client.post("/compte/password/reset/", {"email": "someone@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_repeated_failed_sign_ins_are_stopped(client: Client) -> None:
    UserFactory(email="host@example.org")
    with translation.override("en"):
        pages = [
            client.post(
                LOGIN, {"login": "host@example.org", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
            ).content.decode()
            for _ in range(6)
        ]
    refused = "Too many failed login attempts. Try again later."
    # allauth's limit: 5 failures per account in 5 minutes, then a refusal whatever the password.
    assert [refused in page for page in pages] == [False] * 5 + [True]
    right = client.post(
        LOGIN, {"login": "host@example.org", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert right.status_code == 200
    assert refused in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_verified_account_signs_in_with_its_password(client: Client) -> None:
    UserFactory(email="host@example.org")
    response = client.post(LOGIN, {"login": "HOST@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/compte/"
