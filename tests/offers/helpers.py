"""Helpers of the offers tests: who is asking, and what a valid offer says."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from core.models import Category, Sector
from offers.models import Offer
from tests.conftest import client_for

OFFERS_API = "/api/v1/offers/"
ROLES = ["visitor", "owner", "other_resident", "association_member", "staff", "coordinator"]
NOT_STAFF = ["other_resident", "association_member"]
STAFF = ["staff", "coordinator"]


def api_as(user: User | None) -> APIClient:
    """An API client for ``user`` (anonymous for ``None``) whose messages are in English."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def offer_url(offer: Offer, action: str = "") -> str:
    return f"{OFFERS_API}{offer.pk}/{action + '/' if action else ''}"


def user_for(request: pytest.FixtureRequest, role: str) -> User | None:
    """The person of a role; the offers of these tests belong to ``resident`` ("owner")."""
    if role == "visitor":
        return None
    user: User = request.getfixturevalue("resident" if role == "owner" else role)
    return user


def page_client(request: pytest.FixtureRequest, role: str) -> Client:
    return client_for(user_for(request, role))


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def content(kind: str, sector: Sector, **changes: Any) -> dict[str, Any]:
    """What a valid offer of ``kind`` says, as the services take it."""
    today = timezone.localdate()
    common = {"title": f"Une offre ({kind})", "sector": sector, "available_from": today}
    by_kind: dict[str, dict[str, Any]] = {
        "housing": {
            "housing_type": "room",
            "capacity": 2,
            "households_at_once": 1,
            "household_types": ["single_adult", "couple"],
            "street_address": "3 rue des Lilas",
            "postcode": "38000",
        },
        "donation": {"category": category("bedding"), "quantity": 4},
        "skill": {"category": category("french-lessons"), "weekly_slots": ["mon-evening"]},
    }
    return {**common, **by_kind[kind], **changes}


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """``content`` as the API and the forms take it: primary keys and ISO dates."""
    converted: dict[str, Any] = {}
    for name, value in data.items():
        if hasattr(value, "pk"):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        converted[name] = value
    return converted


def payload(kind: str, sector: Sector, **changes: Any) -> dict[str, Any]:
    """A valid offer of ``kind`` as the API takes it (JSON)."""
    return {"kind": kind, **as_json(content(kind, sector, **changes))}


def english_client(user: User | None) -> Client:
    """A browser that chose English: pages and their messages read in English."""
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
