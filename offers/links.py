"""Signed links sent by e-mail: confirm availability, take over a phone offer.

A link works without signing in, so it carries only an offer id and the moment it was
made for, signed with the site's secret and time-limited.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from offers.models import Offer

_AVAILABILITY = "offers.availability"
_TAKEOVER = "offers.takeover"
TAKEOVER_VALID_DAYS = 60


def availability_token(offer: Offer) -> str:
    # Bound to the current confirmation round: once answered, the old link is spent.
    confirmed = int(offer.last_confirmed_at.timestamp()) if offer.last_confirmed_at else 0
    return signing.dumps({"o": offer.pk, "c": confirmed}, salt=_AVAILABILITY, compress=True)


def read_availability_token(token: str) -> Offer | None:
    """The offer a still-valid link is for, or None (tampered, too old or already used)."""
    max_age = 86400 * (
        settings.ENTRAIDE_OFFER_CONFIRM_EVERY_DAYS + settings.ENTRAIDE_OFFER_CONFIRM_GRACE_DAYS
    )
    try:
        payload = signing.loads(token, salt=_AVAILABILITY, max_age=max_age)
    except signing.BadSignature:
        return None
    offer = Offer.objects.filter(pk=payload.get("o")).select_related("owner").first()
    if offer is None or offer.last_confirmed_at is None:
        return None
    if int(offer.last_confirmed_at.timestamp()) != payload.get("c"):
        return None
    return offer


def takeover_token(offer: Offer) -> str:
    return signing.dumps({"o": offer.pk}, salt=_TAKEOVER, compress=True)


def read_takeover_token(token: str) -> Offer | None:
    try:
        payload = signing.loads(token, salt=_TAKEOVER, max_age=86400 * TAKEOVER_VALID_DAYS)
    except signing.BadSignature:
        return None
    return Offer.objects.filter(pk=payload.get("o"), owner__isnull=True).first()
