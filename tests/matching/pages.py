"""Page clients for the matching tests that read the interface in English, whatever the
person's preferred language: our assertions name English msgids, which translators may
reword in French."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from accounts.models import User
from tests.conftest import client_for


def in_english(user: User | None) -> Client:
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
