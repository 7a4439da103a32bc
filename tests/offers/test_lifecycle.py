"""Every status change of ``Offer.TRANSITIONS``, through the services that make it: the
allowed ones are logged (who, from, to), the refused ones raise and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import User
from core.errors import DomainError
from offers import services
from offers.models import Offer, OfferTransition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
Status = Offer.Status

# Each action as (service, who does it): "owner" or "staff".
ACTIONS: dict[str, tuple[Callable[..., Offer], str]] = {
    "submit": (services.offer_submit, "owner"),
    "pause": (services.offer_pause, "owner"),
    "resume": (services.offer_resume, "owner"),
    "close": (services.offer_close, "owner"),
    "confirm": (services.offer_confirm_availability, "owner"),
    "edit": (lambda **kw: services.offer_update(data={"title": "Draps propres"}, **kw), "owner"),
    "approve": (services.offer_approve, "staff"),
    "reject": (lambda **kw: services.offer_reject(reason="Trop vague.", **kw), "staff"),
    "ask": (lambda **kw: services.offer_request_information(question="Quand ?", **kw), "staff"),
}
# The status each action moves to (confirm and edit only sometimes change it).
TARGET = {
    "submit": Status.PENDING,
    "pause": Status.PAUSED,
    "resume": Status.PUBLISHED,
    "close": Status.CLOSED,
    "approve": Status.PUBLISHED,
    "reject": Status.REJECTED,
    "ask": Status.DRAFT,
}

ALLOWED = [
    (Status.DRAFT, "submit", Status.PENDING),
    (Status.DRAFT, "close", Status.CLOSED),
    (Status.PENDING, "approve", Status.PUBLISHED),
    (Status.PENDING, "reject", Status.REJECTED),
    (Status.PENDING, "ask", Status.DRAFT),
    (Status.PENDING, "close", Status.CLOSED),
    (Status.PUBLISHED, "pause", Status.PAUSED),
    (Status.PUBLISHED, "edit", Status.PENDING),
    (Status.PUBLISHED, "close", Status.CLOSED),
    (Status.PAUSED, "resume", Status.PUBLISHED),
    (Status.PAUSED, "edit", Status.PENDING),
    (Status.PAUSED, "close", Status.CLOSED),
    (Status.REJECTED, "submit", Status.PENDING),
    (Status.REJECTED, "close", Status.CLOSED),
    (Status.EXPIRED, "confirm", Status.PUBLISHED),
    (Status.EXPIRED, "close", Status.CLOSED),
]


def refused() -> list[tuple[str, str]]:
    """Every (status, action) pair the transition table refuses."""
    pairs = [
        (status, action)
        for action, target in TARGET.items()
        for status in Status.values
        if target not in Offer.TRANSITIONS[Status(status)]
    ]
    not_confirmable = [Status.DRAFT, Status.PENDING, Status.REJECTED, Status.CLOSED]
    pairs += [(status, "confirm") for status in not_confirmable]
    pairs += [(status, "edit") for status in (Status.CLOSED, Status.EXPIRED)]
    return pairs


def run(action: str, offer: Offer, owner: User, staff: User) -> Offer:
    service, who = ACTIONS[action]
    return service(offer=offer, by=owner if who == "owner" else staff)


@pytest.fixture
def offer_in(owned: Callable[..., Offer]) -> Callable[[str], Offer]:
    def make(status: str) -> Offer:
        traits: dict[str, Any] = {status: True} if status != Status.DRAFT else {}
        return owned(**traits)

    return make


@pytest.mark.parametrize(("start", "action", "end"), ALLOWED)
def test_an_allowed_change_is_made_and_logged(
    offer_in: Callable[[str], Offer],
    resident: User,
    staff: User,
    start: str,
    action: str,
    end: str,
) -> None:
    offer = offer_in(start)

    run(action, offer, resident, staff)

    offer.refresh_from_db()
    assert offer.status == end
    log = OfferTransition.objects.get(subject=offer)
    who = resident if ACTIONS[action][1] == "owner" else staff
    assert (log.from_status, log.to_status, log.by) == (start, end, who)


@pytest.mark.parametrize(("start", "action"), refused())
def test_a_refused_change_raises_and_changes_nothing(
    offer_in: Callable[[str], Offer], resident: User, staff: User, start: str, action: str
) -> None:
    offer = offer_in(start)
    before = Offer.objects.values().get(pk=offer.pk)

    with pytest.raises(DomainError):
        run(action, offer, resident, staff)

    assert Offer.objects.values().get(pk=offer.pk) == before
    assert not OfferTransition.objects.filter(subject=offer).exists()


def test_a_closed_offer_can_go_nowhere() -> None:
    assert Offer.TRANSITIONS[Status.CLOSED] == set()


def test_the_table_names_every_status() -> None:
    assert set(Offer.TRANSITIONS) == set(Status)


@pytest.mark.parametrize("kind", ["donation", "housing"])
def test_an_owner_cannot_publish_their_pending_offer_by_resuming_it(
    owned: Callable[..., Offer], resident: User, kind: str
) -> None:
    offer = owned(pending=True, housing=kind == "housing")

    with pytest.raises(DomainError):
        services.offer_resume(offer=offer, by=resident)

    offer.refresh_from_db()
    assert offer.status == Status.PENDING


@pytest.mark.parametrize("status", [Status.PAUSED, Status.EXPIRED])
def test_staff_can_approve_only_a_pending_offer(
    offer_in: Callable[[str], Offer], staff: User, status: str
) -> None:
    offer = offer_in(status)

    with pytest.raises(DomainError):
        services.offer_approve(offer=offer, by=staff)

    offer.refresh_from_db()
    assert offer.status == status


def test_confirming_a_published_or_paused_offer_keeps_its_status_and_restarts_its_clock(
    offer_in: Callable[[str], Offer], resident: User
) -> None:
    for status in (Status.PUBLISHED, Status.PAUSED):
        offer = offer_in(status)
        before = offer.last_confirmed_at
        services.offer_confirm_availability(offer=offer, by=resident)
        offer.refresh_from_db()
        assert offer.status == status
        assert offer.last_confirmed_at is not None
        assert before is not None
        assert offer.last_confirmed_at > before
        assert not OfferTransition.objects.filter(subject=offer).exists()


def test_resuming_restarts_the_availability_clock(
    offer_in: Callable[[str], Offer], resident: User
) -> None:
    offer = offer_in(Status.PAUSED)
    before = offer.last_confirmed_at
    services.offer_resume(offer=offer, by=resident)
    offer.refresh_from_db()
    assert before is not None
    assert offer.last_confirmed_at is not None
    assert offer.last_confirmed_at > before


def test_a_refused_change_says_why_in_words(
    offer_in: Callable[[str], Offer], resident: User
) -> None:
    offer = offer_in(Status.CLOSED)
    with pytest.raises(DomainError, match="cannot go from “Closed” to “Paused”") as refusal:
        services.offer_pause(offer=offer, by=resident)
    assert refusal.value.code == "transition_refused"
