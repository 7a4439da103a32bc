"""The demo city's matches: a batch run's suggestions; for the demo resident and the demo
association one proposal to answer; and for the association a stay in progress (its
agreement to print, its end to record) and a stay that broke down (its household first in
the staff's queue, placed again away from that room), so that each role has something
to click."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from core.models import Sector
from matching import retrieval, services
from matching.batch import batch_run
from matching.models import Match
from needs.models import Need
from offers.models import Offer


def load_demo(*, sectors: list[Sector], users: dict[str, User], stdout: Any) -> None:
    if Match.objects.exists():
        return  # loaded already
    retrieval.clear_caches()
    staff = users["agent@example.org"]
    proposed = _propose_for_demo_accounts(users, staff)
    stays = _stays_for_demo(users, staff)
    run = batch_run(started_by_id=staff.pk)
    stdout.write(
        f"  matching: {proposed} proposal(s) to answer, {stays} stay(s), "
        f"{run.suggestions} suggestions"
    )


def _propose_for_demo_accounts(users: dict[str, User], staff: User) -> int:
    resident = users["habitant@example.org"]
    member = users["asso-membre@example.org"]
    organisations = member.memberships.values_list("organisation_id", flat=True)
    needs = Need.objects.active().filter(organisation_id__in=list(organisations))
    for offer in Offer.objects.published().filter(owner=resident).order_by("pk"):
        for need in needs.filter(kind=offer.kind).order_by("pk"):
            scored = retrieval.scored_pair(need, offer)
            if scored is not None:
                services.match_propose(need=need, offer=offer, by=staff,
                                       score=scored.total, criteria=scored.criteria)  # fmt: skip
                return 1
    return 0


def _stays_for_demo(users: dict[str, User], staff: User) -> int:
    """Two rooms of neighbours for two households of the demo association: one stay in
    progress, one that broke down (the household is to be placed again)."""
    member = users["asso-membre@example.org"]
    organisations = list(member.memberships.values_list("organisation_id", flat=True))
    taken = set(Match.objects.values_list("need_id", flat=True))
    needs = Need.objects.active().filter(organisation_id__in=organisations, kind="housing")
    rooms = Offer.objects.published().filter(kind="housing", owner__email__startswith="voisin-")
    pairs: list[tuple[Need, Offer]] = []
    for need in needs.exclude(pk__in=taken).order_by("pk"):
        for room in rooms.exclude(pk__in=[offer.pk for _n, offer in pairs]).order_by("pk"):
            if retrieval.scored_pair(need, room) is not None:
                pairs.append((need, room))
                break
        if len(pairs) == 2:
            break
    for number, (need, room) in enumerate(pairs):
        scored = retrieval.scored_pair(need, room)
        assert scored is not None
        assert room.owner is not None
        match = services.match_propose(
            need=need, offer=room, by=staff, score=scored.total, criteria=scored.criteria
        )
        services.match_accept(match=match, by=room.owner)
        services.match_accept(match=match, by=member)
        if number == 1:
            services.match_complete(match=match, by=member, outcome=Match.Outcome.BROKE_DOWN)
    return len(pairs)
