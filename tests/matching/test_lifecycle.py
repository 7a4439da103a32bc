"""Every edge of ``Match.TRANSITIONS``, made by the service that makes it and logged; every
end state refuses every action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError
from matching import services
from matching.models import Match, MatchTransition
from needs.models import Need
from offers.models import Offer

pytestmark = pytest.mark.django_db
S = Match.Status


@pytest.fixture
def people(resident: User, association_member: User, staff: User) -> dict[str, User]:
    return {"resident": resident, "member": association_member, "staff": staff}


def reach(status: str, need: Need, room: Offer, people: dict[str, User]) -> Match:
    """A match of ``need`` and ``room`` brought to ``status`` by the services."""
    suggestion = services.match_suggest(need=need, offer=room, score=1, criteria=[])
    if status == S.SUGGESTED:
        return suggestion
    match = services.match_propose(need=need, offer=room, by=people["staff"])
    if status == S.ACCEPTED_BY_RESIDENT:
        services.match_accept(match=match, by=people["resident"])
    elif status == S.ACCEPTED_BY_ASSOCIATION:
        services.match_accept(match=match, by=people["member"])
    elif status in (S.CONFIRMED, S.COMPLETED):
        services.match_accept(match=match, by=people["resident"])
        services.match_accept(match=match, by=people["member"])
        if status == S.COMPLETED:
            services.match_complete(match=match, by=people["resident"])
    elif status == S.DECLINED:
        services.match_decline(match=match, by=people["resident"])
    elif status == S.CANCELLED:
        services.match_cancel(match=match, by=people["staff"])
    elif status == S.EXPIRED:
        services.matches_expire_unanswered(now=timezone.now() + timedelta(days=30))
    match.refresh_from_db()
    assert match.status == status
    return match


def expire(match: Match, people: dict[str, User]) -> None:
    services.matches_expire_unanswered(now=timezone.now() + timedelta(days=30))


ACTIONS: dict[str, Callable[[Match, dict[str, User]], Any]] = {
    "propose": lambda m, p: services.match_propose(need=m.need, offer=m.offer, by=p["staff"]),
    "accept_resident": lambda m, p: services.match_accept(match=m, by=p["resident"]),
    "accept_member": lambda m, p: services.match_accept(match=m, by=p["member"]),
    "decline_resident": lambda m, p: services.match_decline(match=m, by=p["resident"]),
    "decline_member": lambda m, p: services.match_decline(match=m, by=p["member"]),
    "cancel": lambda m, p: services.match_cancel(match=m, by=p["staff"]),
    "expire": expire,
    "complete": lambda m, p: services.match_complete(match=m, by=p["member"]),
}

EDGES = [
    (S.SUGGESTED, "propose", S.PROPOSED),
    (S.SUGGESTED, "cancel", S.CANCELLED),
    (S.PROPOSED, "accept_resident", S.ACCEPTED_BY_RESIDENT),
    (S.PROPOSED, "accept_member", S.ACCEPTED_BY_ASSOCIATION),
    (S.PROPOSED, "decline_resident", S.DECLINED),
    (S.PROPOSED, "cancel", S.CANCELLED),
    (S.PROPOSED, "expire", S.EXPIRED),
    (S.ACCEPTED_BY_RESIDENT, "accept_member", S.CONFIRMED),
    (S.ACCEPTED_BY_RESIDENT, "decline_member", S.DECLINED),
    (S.ACCEPTED_BY_RESIDENT, "cancel", S.CANCELLED),
    (S.ACCEPTED_BY_RESIDENT, "expire", S.EXPIRED),
    (S.ACCEPTED_BY_ASSOCIATION, "accept_resident", S.CONFIRMED),
    (S.ACCEPTED_BY_ASSOCIATION, "decline_resident", S.DECLINED),
    (S.ACCEPTED_BY_ASSOCIATION, "cancel", S.CANCELLED),
    (S.ACCEPTED_BY_ASSOCIATION, "expire", S.EXPIRED),
    (S.CONFIRMED, "complete", S.COMPLETED),
    (S.CONFIRMED, "cancel", S.CANCELLED),
]


def test_the_edges_tested_are_exactly_the_table() -> None:
    table = {(start, end) for start, ends in Match.TRANSITIONS.items() for end in ends}
    assert {(start, end) for start, _action, end in EDGES} == table
    assert set(Match.TRANSITIONS) == set(S)


@pytest.mark.parametrize(("start", "action", "end"), EDGES, ids=lambda v: str(v))
def test_each_allowed_transition_is_made_by_its_service_and_logged(
    start: str, action: str, end: str, need: Need, room: Offer, people: dict[str, User]
) -> None:
    match = reach(start, need, room, people)
    before = MatchTransition.objects.filter(subject=match).count()
    ACTIONS[action](match, people)
    match.refresh_from_db()
    assert match.status == end
    last = MatchTransition.objects.filter(subject=match).order_by("at", "id").last()
    assert last is not None
    assert (last.from_status, last.to_status) == (start, end)
    assert MatchTransition.objects.filter(subject=match).count() == before + 1


@pytest.mark.parametrize("start", [S.COMPLETED, S.DECLINED, S.CANCELLED, S.EXPIRED])
@pytest.mark.parametrize(
    "action", ["accept_resident", "accept_member", "decline_resident", "cancel", "complete"]
)
def test_an_ended_match_refuses_every_action(
    start: str, action: str, need: Need, room: Offer, people: dict[str, User]
) -> None:
    match = reach(start, need, room, people)
    with pytest.raises(DomainError):
        ACTIONS[action](match, people)
    match.refresh_from_db()
    assert match.status == start
