"""Who reaches which matching page and API endpoint, for every role, the wrong ones
included. The match is proposed on ``resident``'s room ("owner") for a need of
``association_member``'s association ("member")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.models import Sector
from matching import follow_up, services
from matching.models import CheckIn, Match
from needs.models import Need
from offers.models import Offer
from tests.conftest import client_for
from tests.factories import OfferFactory
from tests.matching.conftest import api_as
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db

ROLES = ["visitor", "owner", "other_resident", "member", "other_member", "staff"]
FIXTURE = {
    "owner": "resident",
    "other_resident": "other_resident",
    "member": "association_member",
    "other_member": "other_member",
    "staff": "staff",
}
LOGIN, FORBIDDEN, HIDDEN, DONE = "login", 403, 404, 302
SIDES = {"owner", "member"}


def person(request: pytest.FixtureRequest, role: str) -> User | None:
    return None if role == "visitor" else request.getfixturevalue(FIXTURE[role])


@dataclass
class World:
    match: Match
    need: Need
    offer: Offer
    staff: User

    def fresh_pair(self) -> dict[str, int]:
        """A need and a room of their own, free to be proposed."""
        need: Need = NeedFactory(organisation=self.need.organisation)
        offer = OfferFactory(housing=True, published=True, sector=self.offer.sector)
        return {"need": need.pk, "offer": offer.pk}


@pytest.fixture
def world(proposed: Match, need: Need, room: Offer, staff: User, other_member: User) -> World:
    return World(proposed, need, room, staff)


def confirm(world: World, request: pytest.FixtureRequest) -> None:
    services.match_accept(match=world.match, by=request.getfixturevalue("resident"))
    services.match_accept(match=world.match, by=request.getfixturevalue("association_member"))


# --- Pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    id: str
    url: Callable[[World], str]
    expected: dict[str, Any]
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = lambda world: {}


def _sides_only(ok: int) -> dict[str, Any]:
    return {"visitor": LOGIN, "owner": ok, "other_resident": HIDDEN, "member": ok,
            "other_member": HIDDEN, "staff": HIDDEN}  # fmt: skip


def _staff_only(ok: int) -> dict[str, Any]:
    return {"visitor": LOGIN, "owner": FORBIDDEN, "other_resident": FORBIDDEN,
            "member": FORBIDDEN, "other_member": FORBIDDEN, "staff": ok}  # fmt: skip


def _match_url(name: str, *extra: str) -> Callable[[World], str]:
    return lambda world: reverse(name, args=[world.match.pk, *extra])


PAGES = [
    Page("mine", lambda w: reverse("matching:mine"),
         {"visitor": LOGIN, **{role: 200 for role in ROLES[1:]}}),
    Page("proposal", _match_url("matching:proposal"),
         {**_sides_only(200), "staff": "staff_match_page"}),
    Page("accept", _match_url("matching:answer", "accept"), _sides_only(DONE), "post"),
    Page("decline", _match_url("matching:answer", "decline"), _sides_only(DONE), "post"),
    Page("workbench", lambda w: reverse("matching-staff:workbench"), _staff_only(200)),
    Page("staff-need", lambda w: reverse("matching-staff:need", args=[w.need.pk]),
         _staff_only(200)),
    Page("staff-offer", lambda w: reverse("matching-staff:offer", args=[w.offer.pk]),
         _staff_only(200)),
    Page("staff-match", _match_url("matching-staff:match"), _staff_only(200)),
    Page("propose", lambda w: reverse("matching-staff:propose"), _staff_only(DONE), "post",
         lambda w: w.fresh_pair()),
    Page("propose-selected", lambda w: reverse("matching-staff:propose-selected"),
         _staff_only(DONE), "post", lambda w: {"match": [w.match.pk]}),
    Page("run-batch", lambda w: reverse("matching-staff:run-batch"), _staff_only(DONE), "post"),
    Page("cancel", _match_url("matching-staff:cancel"), _staff_only(DONE), "post"),
]  # fmt: skip


def _page_params() -> list[Any]:
    params = []
    for page in PAGES:
        for role in ROLES:
            marks: list[Any] = []
            params.append(pytest.param(page, role, id=f"{page.id}-{role}", marks=marks))
    return params


@pytest.mark.parametrize(("page", "role"), _page_params())
def test_each_matching_page_answers_each_role(
    page: Page, role: str, world: World, request: pytest.FixtureRequest
) -> None:
    client: Client = client_for(person(request, role))
    url = page.url(world)
    response = client.post(url, page.data(world)) if page.method == "post" else client.get(url)
    expected = page.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == "staff_match_page":
        assert response.status_code == 302
        assert response["Location"] == reverse("matching-staff:match", args=[world.match.pk])
    else:
        assert response.status_code == expected
        if expected == DONE:
            assert not response["Location"].startswith(reverse("account_login"))
            assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


@pytest.mark.parametrize("role", ROLES)
def test_the_check_in_link_works_for_whoever_holds_it(
    role: str, world: World, request: pytest.FixtureRequest
) -> None:
    confirm(world, request)
    check = CheckIn.objects.filter(match=world.match).first()
    response = client_for(person(request, role)).get(
        reverse("matching:check-in", args=[follow_up.token(check)])
    )
    assert response.status_code == 200


def answer_for(match: Match, side: str, **data: Any) -> str:
    return reverse("matching-staff:answer-for", args=[match.pk, "accept"])


def test_staff_answer_for_a_need_met_at_the_counter_once_the_person_agreed(
    room: Offer, staff: User
) -> None:
    match = services.match_propose(need=NeedFactory(counter=True), offer=room, by=staff)
    pages = client_for(staff, language="en")
    page = pages.get(reverse("matching-staff:match", args=[match.pk]))
    assert "The person met at the counter" in page.content.decode()
    pages.post(answer_for(match, "association"), {"side": "association"})  # no consent
    assert Match.objects.get().status == Match.Status.PROPOSED
    pages.post(answer_for(match, "association"), {"side": "association", "consent": "on"})
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED_BY_ASSOCIATION
    assert match.association_consent_at is not None


def test_staff_answer_for_a_caller_of_the_phone_line_without_an_account(
    sector: Sector, need: Need, staff: User, association_member: User
) -> None:
    by_phone = OfferFactory(
        by_phone=True, housing=True, sector=sector, capacity=2,
        household_types=["single_adult", "couple"],
    )  # fmt: skip
    Offer.objects.filter(pk=by_phone.pk).update(status=Offer.Status.PUBLISHED)
    by_phone.refresh_from_db()
    match = services.match_propose(need=need, offer=by_phone, by=staff)
    client_for(staff).post(answer_for(match, "resident"), {"side": "resident", "consent": "on"})
    services.match_accept(match=match, by=association_member)
    match.refresh_from_db()
    assert match.status == Match.Status.CONFIRMED
    assert match.resident_consent_at is not None


# --- API -----------------------------------------------------------------------------

MATCHES = "/api/v1/matches/"
UNAUTHORISED = 401


@dataclass(frozen=True)
class Endpoint:
    id: str
    method: str
    url: Callable[[World], str]
    expected: dict[str, int]
    data: Callable[[World], dict[str, Any]] = lambda world: {}
    confirmed: bool = False


def _api_sides(ok: int) -> dict[str, int]:
    return {"visitor": UNAUTHORISED, "owner": ok, "other_resident": HIDDEN, "member": ok,
            "other_member": HIDDEN, "staff": ok}  # fmt: skip


def _api_staff(ok: int) -> dict[str, int]:
    return {"visitor": UNAUTHORISED, "owner": FORBIDDEN, "other_resident": FORBIDDEN,
            "member": FORBIDDEN, "other_member": FORBIDDEN, "staff": ok}  # fmt: skip


def _detail(action: str = "") -> Callable[[World], str]:
    return lambda world: f"{MATCHES}{world.match.pk}/{action + '/' if action else ''}"


ENDPOINTS = [
    Endpoint("list", "get", lambda w: MATCHES, {**_api_sides(200), "other_resident": 200,
                                                 "other_member": 200}),
    Endpoint("retrieve", "get", _detail(), _api_sides(200)),
    Endpoint("create", "post", lambda w: MATCHES, _api_staff(201),
             lambda w: w.fresh_pair()),
    Endpoint("accept", "post", _detail("accept"), {**_api_sides(200), "staff": FORBIDDEN}),
    Endpoint("decline", "post", _detail("decline"), {**_api_sides(200), "staff": FORBIDDEN}),
    Endpoint("cancel", "post", _detail("cancel"), _api_staff(200)),
    Endpoint("contact", "get", _detail("contact"), {**_api_sides(200), "staff": FORBIDDEN},
             confirmed=True),
    Endpoint("suggestions-need", "get",
             lambda w: f"/api/v1/matching/suggestions/?need={w.need.pk}", _api_staff(200)),
    Endpoint("suggestions-offer", "get",
             lambda w: f"/api/v1/matching/suggestions/?offer={w.offer.pk}", _api_staff(200)),
    Endpoint("batch-runs", "post", lambda w: "/api/v1/matching/batch-runs/", _api_staff(202)),
]  # fmt: skip


def _endpoint_params() -> list[Any]:
    params = []
    for endpoint in ENDPOINTS:
        for role in ROLES:
            marks: list[Any] = []
            params.append(pytest.param(endpoint, role, id=f"{endpoint.id}-{role}", marks=marks))
    return params


@pytest.mark.parametrize(("endpoint", "role"), _endpoint_params())
def test_each_matching_endpoint_answers_each_role(
    endpoint: Endpoint, role: str, world: World, request: pytest.FixtureRequest
) -> None:
    if endpoint.confirmed:
        confirm(world, request)
    client = api_as(person(request, role))
    response = getattr(client, endpoint.method)(endpoint.url(world), endpoint.data(world))
    assert response.status_code == endpoint.expected[role], response.content


@pytest.mark.parametrize(
    ("role", "sees"),
    [("owner", True), ("other_resident", False), ("member", True), ("other_member", False),
     ("staff", True)],
)  # fmt: skip
def test_the_match_list_holds_only_the_matches_of_the_person(
    role: str, sees: bool, world: World, request: pytest.FixtureRequest
) -> None:
    ids = [row["id"] for row in api_as(person(request, role)).get(MATCHES).json()["results"]]
    assert ids == ([world.match.pk] if sees else [])


# --- Suggestions ---------------------------------------------------------------------


@pytest.fixture
def suggestion(need: Need, room: Offer) -> Match:
    return services.match_suggest(need=need, offer=room, score=50, criteria=[])


@pytest.mark.parametrize("role", ["owner", "member"])
def test_a_suggestion_is_invisible_to_both_sides(
    role: str, suggestion: Match, request: pytest.FixtureRequest, association_member: User
) -> None:
    user = person(request, role)
    api = api_as(user)
    assert api.get(MATCHES).json()["results"] == []
    assert api.get(f"{MATCHES}{suggestion.pk}/").status_code == 404
    assert api.post(f"{MATCHES}{suggestion.pk}/accept/").status_code == 404
    pages = client_for(user)
    assert pages.get(reverse("matching:proposal", args=[suggestion.pk])).status_code == 404
    assert suggestion.offer.title not in pages.get(reverse("matching:mine")).content.decode()
    assert Match.objects.get().status == Match.Status.SUGGESTED


def test_staff_see_suggestions_in_the_api(suggestion: Match, staff: User) -> None:
    ids = [row["id"] for row in api_as(staff).get(MATCHES).json()["results"]]
    assert ids == [suggestion.pk]
