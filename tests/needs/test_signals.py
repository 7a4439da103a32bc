"""The need services tell the platform when a need opens and when it stops wanting."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from accounts.models import User
from needs import services
from needs.models import Need
from needs.signals import WITHDRAWAL_REASONS, need_published, need_withdrawn
from tests.factories import MembershipFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard() -> Iterator[list[tuple[str, int, str]]]:
    events: list[tuple[str, int, str]] = []

    def on_published(*, need: Need, by: Any, **_kwargs: Any) -> None:
        events.append(("published", need.pk, ""))

    def on_withdrawn(*, need: Need, by: Any, reason: str, **_kwargs: Any) -> None:
        events.append(("withdrawn", need.pk, reason))

    need_published.connect(on_published, dispatch_uid="test-published")
    need_withdrawn.connect(on_withdrawn, dispatch_uid="test-withdrawn")
    yield events
    need_published.disconnect(dispatch_uid="test-published")
    need_withdrawn.disconnect(dispatch_uid="test-withdrawn")


def test_publishing_then_cancelling_a_need_is_heard(heard: list[tuple[str, int, str]]) -> None:
    member: User = MembershipFactory().user
    need = NeedFactory(draft=True, organisation=member.memberships.get().organisation)
    services.need_publish(need=need, by=member)
    services.need_cancel(need=need, by=member)
    assert heard == [("published", need.pk, ""), ("withdrawn", need.pk, "cancelled")]


def test_closing_fulfilling_and_expiring_are_withdrawals(heard: list[tuple[str, int, str]]) -> None:
    member: User = MembershipFactory().user
    organisation = member.memberships.get().organisation
    closed, fulfilled, expired = (NeedFactory(organisation=organisation) for _ in range(3))
    services.need_close(need=closed, by=member)
    services.need_mark_fulfilled(need=fulfilled, by=member)
    services.need_expire(need=expired)
    assert [(pk, reason) for _event, pk, reason in heard] == [
        (closed.pk, "closed"),
        (fulfilled.pk, "fulfilled"),
        (expired.pk, "expired"),
    ]
    assert {reason for *_rest, reason in heard} <= WITHDRAWAL_REASONS
