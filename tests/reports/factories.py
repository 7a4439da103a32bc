"""Matches with the dates of their life, for the figures of the reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from matching.models import Match
from needs.models import Need
from offers.models import Offer
from tests.factories import OfferFactory
from tests.needs.factories import NeedFactory


def placed_need(
    *,
    opened: datetime,
    waited: timedelta,
    kind: str = "housing",
    urgency: str = Need.Urgency.NORMAL,
    status: str = Match.Status.CONFIRMED,
    **match: Any,
) -> Match:
    """A need opened at ``opened`` whose first match was confirmed ``waited`` later."""
    traits: dict[str, Any] = {"donation": True} if kind == "donation" else {}
    need = NeedFactory(opened_at=opened, urgency=urgency, **traits)
    offer: Offer = OfferFactory(published=True, **({"housing": True} if kind == "housing" else {}))
    confirmed = opened + waited
    return Match.objects.create(
        need=need,
        offer=offer,
        status=status,
        proposed_at=confirmed - timedelta(hours=1),
        resident_accepted_at=confirmed,
        association_accepted_at=confirmed,
        confirmed_at=confirmed,
        **match,
    )
