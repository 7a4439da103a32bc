"""Links in messages: e-mails use the public address (ENTRAIDE_BASE_URL); the notification
centre links to the page on the address being browsed."""

from __future__ import annotations

import pytest
from django.test import override_settings

from accounts.models import User
from notifications.models import Notification
from notifications.rendering import render
from notifications.services import notify
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db: None) -> User:
    user: User = UserFactory()
    return user


def told(person: User) -> None:
    notify(
        type="offers.offer_published",
        key="links:1",
        recipient=person,
        context={"offer_id": 1, "title": "Chambre", "url": "/offres/1/"},
    )


@override_settings(ENTRAIDE_BASE_URL="http://127.0.0.1:8101")
def test_an_e_mail_links_to_the_address_the_demo_was_started_on(person: User) -> None:
    told(person)
    rendered = render(Notification.objects.get(channel="email"))
    assert rendered.action_url == "http://127.0.0.1:8101/offres/1/"
    assert "http://127.0.0.1:8101/offres/1/" in rendered.text


@override_settings(ENTRAIDE_BASE_URL="http://127.0.0.1:8000")
def test_the_notification_centre_links_to_the_page_on_the_address_being_browsed(
    person: User,
) -> None:
    told(person)
    page = client_for(person).get("/notifications/", HTTP_HOST="localhost:8101")
    html = page.content.decode()
    assert 'href="/offres/1/"' in html
    assert "127.0.0.1:8000/offres/1/" not in html
