"""Who may see and change which offer: the one place for these rules (docs/design.md §1, §5).

A resident reaches only their own offers; city staff reach every offer; nobody else
reaches any. An offer that is not yours answers "not found", as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from accounts import roles
from offers.models import Offer, OfferQuerySet


def visible_offers(user: Any) -> OfferQuerySet:
    if roles.is_staff_member(user):
        return Offer.objects.all()
    if getattr(user, "is_authenticated", False):
        return Offer.objects.owned_by(user)
    return Offer.objects.none()


def own_offer_or_404(user: Any, pk: int) -> Offer:
    """An offer its owner manages (staff use the moderation pages instead)."""
    offer = Offer.objects.owned_by(user).select_related("sector", "category").filter(pk=pk).first()
    if offer is None:
        raise Http404
    return offer
