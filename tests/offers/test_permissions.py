"""Who reaches which offer page and API endpoint: every one of them, for every role.

The offers belong to ``resident`` (the "owner" role). Someone else's offer answers "not
found"; a staff page or action answers "forbidden" to anyone but city staff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from offers import links
from offers.models import Offer
from tests.offers.helpers import (
    NOT_STAFF,
    OFFERS_API,
    ROLES,
    STAFF,
    api_as,
    offer_url,
    page_client,
    payload,
    user_for,
)

pytestmark = pytest.mark.django_db

LOGIN = "login"
STAFF_PAGE = "staff page"


@dataclass(frozen=True)
class Page:
    id: str
    name: str
    audience: str  # "owner", "signed_in", "link" (anyone with the link) or "staff"
    args: Callable[[Offer], list[Any]] = lambda offer: [offer.pk]
    method: str = "get"
    traits: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    ok: int = 200


def _no_args(offer: Offer) -> list[Any]:
    return []


PAGES = [
    Page("mine", "offers:mine", "signed_in", _no_args),
    Page("create", "offers:create", "signed_in", _no_args),
    *(
        Page(f"create-{kind}", "offers:create-details", "signed_in", lambda _o, k=kind: [k])
        for kind in ("housing", "donation", "skill")
    ),
    Page("detail", "offers:detail", "owner"),
    Page("edit", "offers:edit", "owner"),
    Page("review", "offers:review", "owner"),
    *(
        Page(
            f"act-{action}",
            "offers:act",
            "owner",
            lambda offer, a=action: [offer.pk, a],
            method="post",
            traits={"paused" if action == "resume" else "published": True},
            ok=302,
        )
        for action in ("pause", "resume", "close", "confirm")
    ),
    Page(
        "availability",
        "offers:availability",
        "link",
        lambda offer: [links.availability_token(offer)],
        traits={"published": True},
    ),
    Page(
        "take-over",
        "offers:take-over",
        "signed_in",
        lambda offer: [links.takeover_token(offer)],
        traits={"by_phone": True},
    ),
    Page("staff-queue", "offers-staff:queue", "staff", _no_args),
    Page("staff-search", "offers-staff:search", "staff", _no_args),
    Page("staff-phone", "offers-staff:phone", "staff", _no_args),
    Page("staff-duplicates", "offers-staff:duplicates", "staff", _no_args),
    Page("staff-detail", "offers-staff:detail", "staff"),
    Page("staff-contact", "offers-staff:contact", "staff", method="post"),
    Page(
        "staff-approve",
        "offers-staff:moderate",
        "staff",
        lambda offer: [offer.pk, "approve"],
        method="post",
        traits={"pending": True},
        ok=302,
    ),
    Page(
        "staff-reject",
        "offers-staff:moderate",
        "staff",
        lambda offer: [offer.pk, "reject"],
        method="post",
        traits={"pending": True},
        data={"reason": "Les dates manquent."},
        ok=302,
    ),
    Page(
        "staff-ask",
        "offers-staff:moderate",
        "staff",
        lambda offer: [offer.pk, "ask"],
        method="post",
        traits={"pending": True},
        data={"question": "Jusqu'à quand ?"},
        ok=302,
    ),
    Page(
        "staff-check",
        "offers-staff:moderate",
        "staff",
        lambda offer: [offer.pk, "check"],
        method="post",
        traits={"pending": True, "housing": True},
        data={"step": "phone_call", "done_on": str(timezone.localdate())},
        ok=302,
    ),
]


def expected_for_page(page: Page, role: str) -> int | str:
    if page.audience == "link":
        return page.ok
    if role == "visitor":
        return LOGIN
    if page.audience == "signed_in" or (page.audience == "owner" and role == "owner"):
        return page.ok
    if page.audience == "staff":
        return page.ok if role in STAFF else 403
    if page.name == "offers:detail" and role in STAFF:
        return STAFF_PAGE
    return 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.id)
def test_each_offer_page_answers_each_role_as_the_rules_say(
    request: pytest.FixtureRequest, owned: Callable[..., Offer], page: Page, role: str
) -> None:
    offer = owned(**page.traits)
    url = reverse(page.name, args=page.args(offer))
    response = getattr(page_client(request, role), page.method)(url, page.data)

    expected = expected_for_page(page, role)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    elif expected == STAFF_PAGE:
        assert response.status_code == 302
        assert response.url == reverse("offers-staff:detail", args=[offer.pk])
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ["visitor", *NOT_STAFF])
@pytest.mark.parametrize("decision", ["approve", "reject", "ask"])
def test_nobody_but_staff_can_moderate_an_offer_from_its_page(
    request: pytest.FixtureRequest, owned: Callable[..., Offer], decision: str, role: str
) -> None:
    offer = owned(pending=True)
    url = reverse("offers-staff:moderate", args=[offer.pk, decision])

    page_client(request, role).post(url, {"reason": "Non.", "question": "Quand ?"})

    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


@pytest.mark.parametrize("role", ["owner", *NOT_STAFF, *STAFF])
def test_a_resident_action_is_refused_on_someone_elses_offer_and_changes_nothing(
    request: pytest.FixtureRequest, owned: Callable[..., Offer], role: str
) -> None:
    offer = owned(published=True)
    url = reverse("offers:act", args=[offer.pk, "close"])

    response = page_client(request, role).post(url)

    offer.refresh_from_db()
    if role == "owner":
        assert offer.status == Offer.Status.CLOSED
    else:
        assert response.status_code == 404
        assert offer.status == Offer.Status.PUBLISHED


def test_an_owner_action_needs_a_post(request: pytest.FixtureRequest, owned: Any) -> None:
    offer = owned(published=True)
    url = reverse("offers:act", args=[offer.pk, "pause"])
    assert page_client(request, "owner").get(url).status_code == 405


def test_an_unknown_owner_action_is_not_found(request: pytest.FixtureRequest, owned: Any) -> None:
    offer = owned(published=True)
    url = reverse("offers:act", args=[offer.pk, "publish"])
    assert page_client(request, "owner").post(url).status_code == 404


def test_an_unknown_kind_of_offer_is_not_found(request: pytest.FixtureRequest) -> None:
    url = reverse("offers:create-details", args=["car"])
    assert page_client(request, "owner").get(url).status_code == 404


def test_an_unknown_moderation_decision_is_not_found(
    request: pytest.FixtureRequest, owned: Any
) -> None:
    offer = owned(pending=True)
    url = reverse("offers-staff:moderate", args=[offer.pk, "delete"])
    assert page_client(request, "staff").post(url).status_code == 404


# --- The API -----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    id: str
    method: str
    path: Callable[[Offer], str]
    audience: str  # "signed_in", "owner" or "staff"
    traits: dict[str, Any] = field(default_factory=dict)
    data: Callable[[Offer], dict[str, Any]] = lambda offer: {}
    ok: int = 200
    staff_status: int = 403  # for city staff on an "owner" endpoint


def _list(offer: Offer) -> str:
    return OFFERS_API


def _owner_action(action: str, trait: str) -> Endpoint:
    return Endpoint(
        action,
        "post",
        lambda offer: offer_url(offer, action),
        "owner",
        traits={trait: True} if trait else {},
    )


def _staff_action(action: str, data: dict[str, Any], **traits: Any) -> Endpoint:
    return Endpoint(
        action,
        "post",
        lambda offer: offer_url(offer, action),
        "staff",
        traits={"pending": True, **traits},
        data=lambda offer: data,
    )


ENDPOINTS = [
    Endpoint("list", "get", _list, "signed_in"),
    Endpoint(
        "create",
        "post",
        _list,
        "signed_in",
        data=lambda offer: payload("donation", offer.sector),
        ok=201,
    ),
    Endpoint("retrieve", "get", offer_url, "owner", staff_status=200),
    Endpoint("partial_update", "patch", offer_url, "owner", data=lambda o: {"title": "Draps"}),
    _owner_action("submit", ""),
    _owner_action("pause", "published"),
    _owner_action("resume", "paused"),
    _owner_action("close", ""),
    _owner_action("confirm-availability", "published"),
    _staff_action("approve", {}),
    _staff_action("reject", {"reason": "Les dates manquent."}),
    _staff_action("request-information", {"question": "Jusqu'à quand ?"}),
    Endpoint(
        "checks",
        "post",
        lambda offer: offer_url(offer, "checks"),
        "staff",
        traits={"pending": True, "housing": True},
        data=lambda offer: {"step": "visit", "done_on": str(timezone.localdate())},
        ok=201,
    ),
    Endpoint("contact", "get", lambda offer: offer_url(offer, "contact"), "staff"),
    Endpoint(
        "phone-intake",
        "post",
        lambda offer: f"{OFFERS_API}phone-intake/",
        "staff",
        data=lambda offer: {
            **payload("donation", offer.sector),
            "caller_phone": "06 12 34 56 78",
            "consent": True,
        },
        ok=201,
    ),
]


def expected_for_endpoint(endpoint: Endpoint, role: str) -> int:
    if role == "visitor":
        return 401
    if endpoint.audience == "signed_in" or (endpoint.audience == "owner" and role == "owner"):
        return endpoint.ok
    if endpoint.audience == "staff":
        return endpoint.ok if role in STAFF else 403
    return endpoint.staff_status if role in STAFF else 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.id)
def test_each_offer_endpoint_answers_each_role_as_the_rules_say(
    request: pytest.FixtureRequest, owned: Callable[..., Offer], endpoint: Endpoint, role: str
) -> None:
    offer = owned(**endpoint.traits)
    client = api_as(user_for(request, role))

    response = getattr(client, endpoint.method)(
        endpoint.path(offer), endpoint.data(offer), format="json"
    )

    assert response.status_code == expected_for_endpoint(endpoint, role), response.content


@pytest.mark.parametrize("role", ["other_resident", "association_member", "staff"])
def test_an_owner_action_by_someone_else_changes_nothing(
    request: pytest.FixtureRequest, owned: Callable[..., Offer], role: str
) -> None:
    offer = owned(published=True)

    api_as(user_for(request, role)).post(offer_url(offer, "close"))
    api_as(user_for(request, role)).patch(offer_url(offer), {"title": "Volé"}, format="json")

    offer.refresh_from_db()
    assert (offer.status, offer.title) == (Offer.Status.PUBLISHED, offer.title)
    assert offer.title != "Volé"


@pytest.mark.parametrize("role", ["owner", *NOT_STAFF])
def test_a_resident_lists_only_their_own_offers_and_staff_list_them_all(
    request: pytest.FixtureRequest, owned: Callable[..., Offer], role: str
) -> None:
    mine = owned()
    results = api_as(user_for(request, role)).get(OFFERS_API).json()["results"]
    assert [offer["id"] for offer in results] == ([mine.pk] if role == "owner" else [])
    staff_results = api_as(user_for(request, "staff")).get(OFFERS_API).json()["results"]
    assert [offer["id"] for offer in staff_results] == [mine.pk]


def test_the_api_refuses_a_put(request: pytest.FixtureRequest, owned: Any) -> None:
    offer = owned()
    response = api_as(user_for(request, "owner")).put(offer_url(offer), {}, format="json")
    assert response.status_code == 405
