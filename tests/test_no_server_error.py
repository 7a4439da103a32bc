"""No page and no endpoint answers 500 to what a fuzzer or an attacker sends.

The API is fuzzed against its schema by schemathesis in CI (``tests/fuzz/run.py``); this
test walks every URL the project declares, pages included, as each role, with the inputs
that once broke it: ids that are not numbers or do not fit a bigint, NUL characters,
forged cursors, dates out of any range, and a JSON body nested a thousand levels deep.
Every answer must be a 2xx, 3xx or 4xx.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_AN_ID = "abc"
TOO_BIG = "99999999999999999999999"
ODD_PARAMETERS = {
    "organisation": NOT_AN_ID,
    "need": NOT_AN_ID,
    "offer": NOT_AN_ID,
    "match": TOO_BIG,
    "page": "-1e999",
    "cursor": base64.b64encode(b"p=abc").decode(),
    "origine": "staff_for_association",
    "kind": "\x00",
    "caller_email": "\x00",
    "caller_phone": "²³",
    "street_address": "\x00",
    "created_before": "0139-11-27T11:09:21-21:50",
    "available_on": "10000-01-01",
    "page_size": "1e999",
    "status": "",
    "next": "https://evil.example/",
    "besoin": "²",
    "actor": "#²",
    "target": "offer ²",
}
DEEP_JSON = "[" * 1000 + "]" * 1000


def patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


# Text parameters by name: a value the view knows, so that the walk goes past the lookup.
TEXT_VALUES = {"kind": "housing", "decision": "accept", "action": "pause", "format": "json"}
_CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def concrete(route: str) -> list[str]:
    """The route with its parameters filled in: for ids, a valid-looking one and a bigint
    overflow; for text, a value the view knows or junk."""
    route = route.replace("^", "").replace("$", "")
    if "format" in route or "/?" in route:
        return []  # DRF's ".json" suffix routes: the same views as the plain ones
    urls = []
    for number in ("1", TOO_BIG):

        def value(found: re.Match[str], number: str = number) -> str:
            if found["name"] in TEXT_VALUES:
                return TEXT_VALUES[found["name"]]
            if found.groupdict().get("converter") in ("str", "slug", "path"):
                return "x"
            return number

        url = _REGEX_GROUP.sub(value, _CONVERTER.sub(value, route))
        urls.append("/" + url.replace("\\", ""))
    return sorted(set(urls))


def project_urls() -> list[str]:
    found = []
    for route, _pattern in patterns(get_resolver()):
        if route.startswith(("admin/", "static/")):
            continue
        found += concrete(route)
    return sorted(set(found))


@pytest.fixture
def people() -> dict[str, User | None]:
    member: User = MembershipFactory(user__email="member@example.org").user
    return {
        "visitor": None,
        "resident": UserFactory(email="resident@example.org"),
        "member": member,
        "staff": UserFactory(email="staff@example.org", staff=True),
    }


def _answers(client: Client, url: str) -> Iterator[tuple[str, int]]:
    get = client.get(url, ODD_PARAMETERS)
    yield "GET", get.status_code
    post = client.post(url, ODD_PARAMETERS)
    yield "POST form", post.status_code
    if url.startswith("/api/"):
        deep = client.post(url, DEEP_JSON, content_type="application/json")
        yield "POST deep JSON", deep.status_code
        nul = client.post(url, '{"message_id": "a\\u0000b"}', content_type="application/json")
        yield "POST NUL", nul.status_code


def test_the_walk_reaches_the_pages_that_once_failed() -> None:
    urls = project_urls()
    for url in (
        "/associations/agir-pour/",
        "/equipe/mises-en-relation/proposer/",
        "/besoins/nouveau/housing/",
        "/equipe/offres/doublons/",
        "/notifications/webhooks/email/",
        "/api/v1/offers/",
    ):
        assert url in urls, url
    assert len(urls) > 80


def test_no_url_answers_a_server_error_to_odd_input(people: dict[str, User | None]) -> None:
    failures: list[Any] = []
    for url in project_urls():
        for role, person in people.items():
            # A new sign-in for each address: the walk also posts to "sign out".
            client = client_for(person)
            client.raise_request_exception = False
            for what, status in _answers(client, url):
                if status >= 500:
                    failures.append((role, what, url, status))
    assert failures == []
