"""The API's guards (core/rest/): what a fuzzer or an attacker sends gets a clear 4xx,
never a 500, and the schema says what each operation answers."""

from __future__ import annotations

import base64
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from accounts.models import User
from core.cache import Budget
from core.rest import throttling
from core.rest.filters import parse_rfc3339
from core.rest.parsers import MAX_DEPTH, too_deep
from matching import services
from matching.models import Match
from tests.factories import MembershipFactory, OfferFactory, UserFactory
from tests.matching.conftest import api_as
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/offers/",
    "/api/v1/needs/",
    "/api/v1/matches/",
    "/api/v1/organisations/",
    "/api/v1/notifications/",
    "/api/v1/staff/notifications/",
    "/api/v1/staff/urgent-calls/",
]
WRITES = [
    "/api/v1/offers/",
    "/api/v1/needs/",
    "/api/v1/matches/",
    "/api/v1/organisations/",
    "/api/v1/notification-preferences/",
    "/api/v1/staff/urgent-calls/",
]


def forged(position: str) -> str:
    return base64.b64encode(f"p={position}".encode()).decode()


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("position", ["abc", "1e999", "2020-01-01", "-1", "9" * 30])
def test_a_forged_cursor_names_no_page(staff: User, url: str, position: str) -> None:
    response = api_as(staff).get(url, {"cursor": forged(position)})
    assert response.status_code == 404
    assert "cursor" in response.json()["detail"].lower()


@pytest.mark.parametrize("url", LISTS)
def test_a_cursor_that_is_not_base64_names_no_page(staff: User, url: str) -> None:
    assert api_as(staff).get(url, {"cursor": "%%%not-base64"}).status_code == 404


@pytest.mark.parametrize("size", ["null", "true", "-1", "0", "201", "1e3", "²"])
def test_a_page_size_that_is_not_1_to_200_is_a_400(staff: User, size: str) -> None:
    response = api_as(staff).get("/api/v1/offers/", {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()


@pytest.mark.parametrize("parameter", ["organisation", "category", "status", "kind"])
def test_a_filter_given_empty_is_a_400(staff: User, parameter: str) -> None:
    response = api_as(staff).get("/api/v1/needs/", {parameter: ""})
    assert response.status_code == 400
    assert parameter in response.json()


@pytest.mark.parametrize(
    "moment",
    ["0139-11-27T11:09:21-21:50", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:60-23:59"],
)
def test_a_date_time_filter_at_the_edge_of_time_is_answered(staff: User, moment: str) -> None:
    response = api_as(staff).get("/api/v1/offers/", {"created_before": moment})
    assert response.status_code == 200


@pytest.mark.parametrize("moment", ["2026-01-01", "2026-01-01T10:00:00", "20260101T1000Z"])
def test_a_date_time_that_is_not_rfc_3339_is_a_400(staff: User, moment: str) -> None:
    assert api_as(staff).get("/api/v1/offers/", {"created_before": moment}).status_code == 400


def test_a_date_time_is_compared_in_utc() -> None:
    moment = parse_rfc3339("2026-03-01T09:30:00+01:00")
    assert moment is not None
    assert moment.isoformat() == "2026-03-01T08:30:00+00:00"


def test_too_deep_counts_brackets_outside_strings_only() -> None:
    assert not too_deep('{"a": "' + "[" * 100 + '"}')
    assert too_deep("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert not too_deep("[" * MAX_DEPTH + "]" * MAX_DEPTH)


@pytest.mark.parametrize("url", WRITES)
def test_json_nested_a_thousand_deep_is_a_400_on_every_write(staff: User, url: str) -> None:
    body = "[" * 1000 + "]" * 1000
    response = api_as(staff).post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert "deep" in response.json()["detail"]


@pytest.mark.parametrize("url", WRITES)
def test_text_with_a_nul_character_is_refused_before_the_database(staff: User, url: str) -> None:
    body = '{"title": "a\\u0000b", "message": "a\\u0000b", "name": "a\\u0000b"}'
    response = api_as(staff).post(url, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "unreadable"


def test_a_nul_character_in_a_query_is_refused(staff: User) -> None:
    response = api_as(staff).get("/api/v1/offers/", {"kind": "housing\x00"})
    assert (response.status_code, response.json()["code"]) == (422, "unreadable")


def test_a_body_that_is_not_an_object_is_a_400(staff: User) -> None:
    need = NeedFactory()
    offer = OfferFactory(housing=True, published=True)
    match = services.match_propose(need=need, offer=offer, by=staff)
    for body in ('["reason"]', '"reason"', "12", "null", "{"):
        response = api_as(staff).post(
            f"/api/v1/matches/{match.pk}/cancel/", body, content_type="application/json"
        )
        assert response.status_code == 400, body
    match.refresh_from_db()
    assert match.status == Match.Status.PROPOSED


def test_a_text_for_an_id_and_an_id_as_text_are_refused(staff: User) -> None:
    for wrong in ("abc", "12", True):
        response = api_as(staff).post("/api/v1/matches/", {"need": wrong, "offer": 1})
        assert response.status_code == 400, wrong


def test_someone_elses_offer_and_one_that_does_not_exist_give_the_same_answer(
    resident: User, other_resident: User
) -> None:
    theirs = OfferFactory(owner=other_resident)
    client = api_as(resident)
    for filter_name in ("offer", "need"):
        answers = {
            client.get("/api/v1/matches/", {filter_name: pk}).status_code
            for pk in (theirs.pk, 999_999)
        }
        assert answers == {200}
        assert client.get("/api/v1/matches/", {filter_name: 999_999}).json()["results"] == []


def test_a_need_of_another_association_and_a_missing_one_give_the_same_answer() -> None:
    member: User = MembershipFactory().user
    elsewhere = NeedFactory()
    client = api_as(member)
    assert client.get(f"/api/v1/needs/{elsewhere.pk}/").status_code == 404
    assert client.get("/api/v1/needs/999999/").status_code == 404
    listed = client.get("/api/v1/needs/", {"organisation": elsewhere.organisation_id})
    assert (listed.status_code, listed.json()["results"]) == (200, [])


def test_an_unknown_api_address_answers_in_json(staff: User) -> None:
    response = api_as(staff).get("/api/v1/offers/2.5e-217/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@override_settings(
    ENTRAIDE_API_RATES={
        "person_read": "3/m",
        "person_write": "2/m",
        "address_read": "100/m",
        "address_write": "100/m",
    }
)
def test_a_person_is_throttled_on_reads_and_writes_separately(resident: User) -> None:
    cache.clear()
    client = api_as(resident)
    reads = [client.get("/api/v1/offers/").status_code for _ in range(4)]
    writes = [client.post("/api/v1/offers/", {}).status_code for _ in range(3)]
    assert reads == [200, 200, 200, 429]
    assert writes == [400, 400, 429]
    throttled = client.get("/api/v1/offers/")
    assert int(throttled["Retry-After"]) > 0


@override_settings(
    ENTRAIDE_API_RATES={
        "person_read": "100/m",
        "person_write": "100/m",
        "address_read": "2/m",
        "address_write": "100/m",
    }
)
def test_an_address_is_throttled_whoever_asks() -> None:
    cache.clear()
    first, second = UserFactory(), UserFactory()
    answers = [api_as(person).get("/api/v1/offers/").status_code for person in (first, second)]
    answers.append(api_as(None).get("/api/v1/sectors/").status_code)
    assert answers == [200, 200, 429]


def test_one_request_spends_from_the_person_and_the_address_budgets(resident: User) -> None:
    cache.clear()
    client = api_as(resident)
    for _ in range(2):
        assert client.get("/api/v1/offers/").status_code == 200

    assert throttling.spent(f"api-throttle:person_read:user-{resident.pk}") == 2
    assert throttling.spent("api-throttle:address_read:ip-127.0.0.1") == 2
    assert throttling.spent(f"api-throttle:person_write:user-{resident.pk}") == 0


@pytest.mark.skipif(not hasattr(cache, "spend"), reason="the one-script budgets are Redis's")
def test_requests_at_once_never_take_more_places_than_a_budget_has() -> None:
    cache.clear()
    budget = Budget("api-throttle:test:ip-10.0.0.1", allowed=5, seconds=60)
    spend = cache.spend  # type: ignore[attr-defined]
    now = time.time()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: spend([budget], now + n / 1000)[0], range(20)))
    assert sum(answer.allowed for answer in answers) == 5
    assert throttling.spent(budget.key) == 5
    refused = next(answer for answer in answers if not answer.allowed)
    assert refused.count == 5
    assert now <= refused.oldest <= now + 0.02
    # Out of the window, the places come back.
    assert spend([budget], now + 61)[0].allowed


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def test_every_operation_documents_its_error_answers() -> None:
    for path, method, operation in _operations():
        codes = set(operation["responses"])
        assert {"400", "422", "429"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        public = {} in operation.get("security", [])  # anyone may call it
        if not public:
            assert {"401", "403"} <= codes, (method, path)
        if method in ("post", "patch", "put", "delete"):
            assert {"409", "413", "415"} <= codes, (method, path)


def test_the_preferences_are_one_object_in_the_schema_and_in_the_answer(resident: User) -> None:
    operations = {(path, method): op for path, method, op in _operations()}
    get = operations[("/api/v1/notification-preferences/", "get")]
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Preference"}
    assert isinstance(api_as(resident).get("/api/v1/notification-preferences/").json(), dict)


@pytest.mark.parametrize("field", ["declined_by", "outcome", "ended_by"])
def test_the_schema_allows_a_read_only_choice_left_empty(field: str) -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    answered = schema["components"]["schemas"]["Match"]["properties"][field]
    assert {"$ref": "#/components/schemas/BlankEnum"} in answered["oneOf"]


def test_the_page_size_and_ids_have_their_bounds_in_the_schema() -> None:
    operations = {(path, method): op for path, method, op in _operations()}
    parameters = {
        p["name"]: p["schema"] for p in operations[("/api/v1/needs/", "get")]["parameters"]
    }
    assert parameters["page_size"]["minimum"] == 1
    assert parameters["page_size"]["maximum"] == 200
    assert parameters["organisation"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


def test_an_amount_with_more_digits_than_any_context_is_refused_not_a_server_error() -> None:
    from rest_framework.exceptions import ValidationError

    from core.rest.serializers import StrictDecimalField

    field = StrictDecimalField(max_digits=7, decimal_places=2)
    with pytest.raises(ValidationError):
        field.run_validation(1e300)
