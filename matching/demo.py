"""The demo city's matches: a batch run's suggestions, and for the demo resident and the
demo association one proposal to answer, so that each role has something to click."""

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
    run = batch_run(started_by_id=staff.pk)
    stdout.write(f"  matching: {proposed} proposal(s) to answer, {run.suggestions} suggestions")


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
