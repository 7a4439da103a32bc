"""The API's JSON renderer (core/rest/renderers.py) writes DRF's bytes, byte for byte."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers

from accounts.models import User
from core.rest.renderers import JSONRenderer
from tests.matching.conftest import api_as

PARIS = ZoneInfo("Europe/Paris")


def drf(data: Any, media_type: str | None = None, context: Any = None) -> bytes:
    return bytes(renderers.JSONRenderer().render(data, media_type, context))


def ours(data: Any, media_type: str | None = None, context: Any = None) -> bytes:
    return JSONRenderer().render(data, media_type, context)


def nested(depth: int) -> list[Any]:
    value: list[Any] = [0]
    for _ in range(depth - 1):
        value = [value]
    return value


CASES = {
    "texts": {"a": 'é"\\/\n\t\r\b\f\x00\x1f\x7f', "rtl": "مرحبا", "uk": "Привіт", "emoji": "🏠"},
    "line separators": ["a\u2028b", "c\u2029d"],
    "numbers": [0, -1, 2**53 + 1, 2**63 - 1, -(2**63), 0.1, 2.5, -0.0, 1e16, 1.5e300, 45.18],
    "small floats": [1e-05, -3e-06, 1e-07, 1.5e-09, 0.00012, 1e-10, 5e-324],
    "text that looks like a small float": ["0.00001", "e-5", "un e-mail"],
    "past 64 bits": [2**64, -(2**64) - 1],
    "keys that are not texts": {1: "a", None: "b", False: "c", 2.5: "d"},
    "dates and times": [
        datetime(2026, 12, 1, 23, 34, 0, 123456, tzinfo=UTC),
        datetime(2026, 12, 1, 23, 34, tzinfo=PARIS),
        datetime(2026, 12, 1, 23, 34),
        date(2026, 12, 1),
        time(9, 30, 15),
        timedelta(hours=1, seconds=3),
    ],
    "decimals": [Decimal("12.50"), Decimal("0"), Decimal("0.00001")],
    "lazy texts, ids, tuples, bytes": [gettext_lazy("Offers"), uuid.UUID(int=7), (1, 2), b"ab"],
    "nested": {"results": [{"id": 1, "tags": [], "more": {}}], "next": None, "ok": True},
    "deeper than orjson goes": nested(300),
    "empty": {},
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_json_is_drfs_byte_for_byte(name: str) -> None:
    assert ours(CASES[name]) == drf(CASES[name])


def test_nothing_is_written_for_no_data() -> None:
    assert ours(None) == drf(None) == b""


@pytest.mark.parametrize(
    ("media_type", "context"),
    [("application/json; indent=2", {}), ("application/json", {"indent": 4})],
)
def test_an_indented_answer_is_drfs(media_type: str, context: dict[str, Any]) -> None:
    data = CASES["nested"]
    assert ours(data, media_type, context) == drf(data, media_type, context)
    assert b"\n" in ours(data, media_type, context)


def test_what_drf_cannot_write_fails_here_too() -> None:
    for data in ("\ud800", object()):
        with pytest.raises((UnicodeEncodeError, TypeError)):
            drf(data)
        with pytest.raises((UnicodeEncodeError, TypeError)):
            ours(data)


def test_a_float_that_is_not_a_number_is_null_where_drf_fails() -> None:
    """The one difference, which no field of the API can hold (see the module)."""
    with pytest.raises(ValueError, match="not JSON compliant"):
        drf([float("nan")])
    assert ours([float("nan"), float("inf")]) == b"[null,null]"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/api/v1/offers/", "/api/v1/needs/", "/api/v1/matches/", "/api/v1/sectors/", "/api/v1/me/"],
)
def test_the_api_answers_drfs_json(demo_city: str, url: str) -> None:
    coordinator = User.objects.get(email="coordination@example.org")
    response = api_as(coordinator).get(url)
    assert response.status_code == 200
    assert response.content == drf(response.data)
    assert len(response.content) > 20
