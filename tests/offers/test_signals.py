"""The offer services tell the platform when an offer can no longer be proposed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from accounts.models import User
from core.errors import DomainError
from offers import services
from offers.models import Offer
from offers.signals import WITHDRAWAL_REASONS, offer_withdrawn

pytestmark = pytest.mark.django_db


@pytest.fixture
def withdrawals() -> Iterator[list[tuple[int, str]]]:
    heard: list[tuple[int, str]] = []

    def receiver(*, offer: Offer, by: Any, reason: str, **_kwargs: Any) -> None:
        heard.append((offer.pk, reason))

    offer_withdrawn.connect(receiver, dispatch_uid="test-withdrawals")
    yield heard
    offer_withdrawn.disconnect(dispatch_uid="test-withdrawals")


def test_pausing_closing_and_editing_a_published_offer_each_say_it_is_withdrawn(
    owned: Callable[..., Offer], resident: User, withdrawals: list[tuple[int, str]]
) -> None:
    paused, closed, edited = (owned(published=True) for _ in range(3))
    services.offer_pause(offer=paused, by=resident)
    services.offer_close(offer=closed, by=resident)
    services.offer_update(offer=edited, by=resident, data={"title": "Couvertures chaudes"})
    assert withdrawals == [
        (paused.pk, "paused"),
        (closed.pk, "closed"),
        (edited.pk, "back_to_review"),
    ]
    assert {reason for _pk, reason in withdrawals} <= WITHDRAWAL_REASONS


def test_a_refused_change_says_nothing(
    owned: Callable[..., Offer], resident: User, withdrawals: list[tuple[int, str]]
) -> None:
    closed = owned(closed=True)
    with pytest.raises(DomainError):
        services.offer_pause(offer=closed, by=resident)
    assert withdrawals == []
