"""What matching does when an offer or a need leaves what can be proposed. The offers and
needs apps send their signals (``offers.signals``, ``needs.signals``) without knowing who
listens; ``MatchingConfig.ready()`` connects these receivers."""

from __future__ import annotations

from typing import Any

from matching import services


def on_offer_withdrawn(*, offer: Any, by: Any, reason: str, **_kwargs: Any) -> None:
    services.matches_withdraw(offer=offer, by=by, reason=reason)


def on_need_withdrawn(*, need: Any, by: Any, reason: str, **_kwargs: Any) -> None:
    services.matches_withdraw(need=need, by=by, reason=reason)
