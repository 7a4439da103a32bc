"""``/api/v1/needs/``: the same scoping and services as the pages, for every role."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership, User
from core.models import Category
from needs.models import Need, NeedTransition
from tests.factories import MembershipFactory, OrganisationFactory, SectorFactory, UserFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db

NEEDS = "/api/v1/needs/"
REF_A = "DOSSIER-A-001"
REF_B = "DOSSIER-B-002"
ROLES = ["visitor", "resident", "member_a", "admin_a", "member_b", "staff", "coordinator"]


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    org_a = OrganisationFactory(name="Association A")
    org_b = OrganisationFactory(name="Association B")
    people: dict[str, User | None] = {
        "visitor": None,
        "resident": UserFactory(email="resident@example.org"),
        "member_a": MembershipFactory(organisation=org_a, user__email="ma@example.org").user,
        "admin_a": MembershipFactory(
            organisation=org_a, user__email="aa@example.org", role=Membership.Role.ADMIN
        ).user,
        "member_b": MembershipFactory(organisation=org_b, user__email="mb@example.org").user,
        "staff": UserFactory(email="staff@example.org", staff=True),
        "coordinator": UserFactory(email="coord@example.org", coordinator=True),
    }
    need_a = NeedFactory(organisation=org_a, internal_reference=REF_A, critical=True)
    need_b = NeedFactory(organisation=org_b, internal_reference=REF_B, donation=True)
    return {"org_a": org_a, "org_b": org_b, "people": people, "need_a": need_a, "need_b": need_b}


def api(world: dict[str, Any], role: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    user = world["people"][role]
    if user is not None:
        client.force_authenticate(user)
    return client


VISIBLE = {
    "visitor": None,
    "resident": set(),
    "member_a": {"need_a"},
    "admin_a": {"need_a"},
    "member_b": {"need_b"},
    "staff": {"need_a", "need_b"},
    "coordinator": {"need_a", "need_b"},
}
REFERENCES = {
    "member_a": {REF_A},
    "admin_a": {REF_A},
    "member_b": {REF_B},
    "staff": set(),
    "coordinator": set(),
    "resident": set(),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?kind=housing",
        "?kind=donation",
        "?urgency=critical",
        "?status=open",
        "?ordering=internal_reference",
        "?organisation={org_a}",
        "?organisation={org_b}",
    ],
)
def test_the_list_is_scoped_whatever_the_filter_or_ordering(
    world: dict[str, Any], role: str, query: str
) -> None:
    query = query.format(org_a=world["org_a"].pk, org_b=world["org_b"].pk)
    response = api(world, role).get(NEEDS + query)
    if VISIBLE[role] is None:
        assert response.status_code == 401
        return
    if "ordering" in query:  # not a parameter of this list: refused, nothing listed
        assert response.status_code == 400
        assert "results" not in response.json()
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    allowed = {world[name].pk for name in VISIBLE[role]}
    assert ids <= allowed
    references = {row.get("internal_reference") for row in response.json()["results"]} - {None}
    assert references <= REFERENCES[role]
    if not query:
        assert ids == allowed


@pytest.mark.parametrize("role", ROLES)
def test_a_need_is_retrieved_by_its_association_and_staff_only(
    world: dict[str, Any], role: str
) -> None:
    response = api(world, role).get(f"{NEEDS}{world['need_a'].pk}/")
    expected = {"visitor": 401, "resident": 404, "member_b": 404}.get(role, 200)
    assert response.status_code == expected
    if expected == 200:
        assert ("internal_reference" in response.json()) == (role in {"member_a", "admin_a"})


def test_a_member_creates_and_publishes_a_need(world: dict[str, Any]) -> None:
    client = api(world, "member_a")
    response = client.post(
        NEEDS,
        {
            "kind": "skill",
            "organisation": world["org_a"].pk,
            "category": Category.objects.get(code="interpreting").pk,
            "urgency": "high",
            "adults": 1,
            "languages": ["uk"],
            "note": "Rendez-vous médical, écrire à x@example.org",
            "internal_reference": "API-1",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["note_flags"] == ["email"]
    assert body["internal_reference"] == "API-1"
    published = client.post(f"{NEEDS}{body['id']}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "open"
    assert NeedTransition.objects.filter(subject_id=body["id"], to_status="open").exists()


def test_a_member_cannot_create_for_another_association(world: dict[str, Any]) -> None:
    response = api(world, "member_a").post(
        NEEDS,
        {"kind": "housing", "organisation": world["org_b"].pk, "household_type": "single_adult"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_resident_cannot_create_a_need(world: dict[str, Any]) -> None:
    response = api(world, "resident").post(
        NEEDS, {"kind": "housing", "organisation": world["org_a"].pk}, format="json"
    )
    assert response.status_code == 403
    assert not Need.objects.filter(created_by=world["people"]["resident"]).exists()


@pytest.mark.parametrize(("role", "expected"), [("member_b", 404), ("member_a", 200)])
def test_transitions_through_the_api(world: dict[str, Any], role: str, expected: int) -> None:
    response = api(world, role).post(f"{NEEDS}{world['need_a'].pk}/fulfil/")
    assert response.status_code == expected


def test_a_refused_transition_is_a_409_with_its_reason(world: dict[str, Any]) -> None:
    response = api(world, "member_a").post(f"{NEEDS}{world['need_a'].pk}/publish/")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_refused"


def test_staff_enter_a_counter_need_through_the_api(world: dict[str, Any]) -> None:
    response = api(world, "staff").post(
        NEEDS,
        {
            "kind": "housing",
            "origin": "counter",
            "household_type": "woman_alone",
            "housing_types": ["emergency"],
            "urgency": "critical",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["organisation"] is None
    assert response.json()["internal_reference"] == ""


def test_staff_update_never_reveals_the_reference(world: dict[str, Any]) -> None:
    response = api(world, "staff").patch(
        f"{NEEDS}{world['need_a'].pk}/", {"urgency": "high"}, format="json"
    )
    assert response.status_code == 200
    assert "internal_reference" not in response.json()
    world["need_a"].refresh_from_db()
    assert world["need_a"].internal_reference == REF_A


def test_the_list_uses_keyset_pagination_and_few_queries(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        NeedFactory(organisation=world["org_a"])
    client = api(world, "member_a")
    with django_assert_max_num_queries(6):
        response = client.get(NEEDS + "?page_size=10")
    body = response.json()
    assert "count" not in body
    assert body["next"]
    assert "cursor=" in body["next"]
    staff = api(world, "staff")
    with django_assert_max_num_queries(6):
        assert staff.get(NEEDS).status_code == 200


@pytest.mark.parametrize("extra", [1, 12])
def test_the_list_costs_the_same_queries_for_few_or_many_needs(
    world: dict[str, Any], extra: int, django_assert_num_queries: Any
) -> None:
    for _ in range(extra):
        NeedFactory(organisation=world["org_a"]).sectors.add(SectorFactory())
    # Staff: their memberships (who reads the internal reference), the page of rows, the
    # districts of the page. A member: their memberships once more, for what they see.
    for role, queries in (("member_a", 4), ("staff", 3)):
        client = api(world, role)
        with django_assert_num_queries(queries):
            response = client.get(NEEDS)
        assert response.status_code == 200
        assert all(isinstance(row["sectors"], list) for row in response.json()["results"])


def test_no_pets_is_a_field_of_the_api(world: dict[str, Any]) -> None:
    client = api(world, "member_a")
    body = {"kind": "housing", "organisation": world["org_a"].pk, "adults": 1,
            "household_type": "single_adult", "housing_types": ["room"],
            "no_pets": True}  # fmt: skip
    response = client.post(NEEDS, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["no_pets"] is True
    assert Need.objects.get(pk=response.json()["id"]).no_pets


def test_a_maximum_distance_without_any_district_is_refused_with_a_clear_message(
    world: dict[str, Any],
) -> None:
    client = api(world, "member_a")
    body = {"kind": "housing", "organisation": world["org_a"].pk, "adults": 1,
            "household_type": "single_adult", "housing_types": ["room"],
            "max_distance_km": 1}  # fmt: skip
    response = client.post(NEEDS, body, format="json")
    assert response.status_code == 422  # a rule on the content
    assert "maximum distance needs a place to measure from" in str(response.json())
    sector = SectorFactory()
    with_district = client.post(NEEDS, {**body, "sectors": [sector.pk]}, format="json")
    assert with_district.status_code == 201, with_district.json()
