"""Signed links sent by e-mail that work without signing in (from a phone's mail app):
the host's "is your room available again?" after a stay. A GET shows the question, only
a button changes anything, so mail scanners that open links answer nothing."""

from __future__ import annotations

from django.core import signing

from matching.models import Match

_ROOM = "matching.room"
ROOM_VALID_DAYS = 60


def room_token(match: Match) -> str:
    return signing.dumps({"m": match.pk}, salt=_ROOM, compress=True)


def read_room_token(value: str) -> Match | None:
    """The completed housing match a still-valid link is for, or None."""
    try:
        payload = signing.loads(value, salt=_ROOM, max_age=86400 * ROOM_VALID_DAYS)
    except signing.BadSignature:
        return None
    return (
        Match.objects.select_related("offer__owner", "offer__sector")
        .filter(pk=payload.get("m"), status=Match.Status.COMPLETED, offer__kind="housing")
        .first()
    )
