"""Answer deadlines follow the need's urgency (critical 48 hours, high 4 days, normal 7
days, all settings), and the side that has not answered is reminded halfway, once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Organisation, User
from core.errors import DomainError
from matching import services
from matching.models import Match
from notifications.models import Notification
from offers.models import Offer
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db
S = Match.Status


def propose(organisation: Organisation, room: Offer, staff: User, urgency: str) -> Match:
    need = NeedFactory(organisation=organisation, urgency=urgency)
    return services.match_propose(need=need, offer=room, by=staff)


@pytest.mark.parametrize(
    ("urgency", "hours"), [("critical", 48), ("high", 4 * 24), ("normal", 7 * 24)]
)
def test_the_time_to_answer_follows_the_urgency(
    urgency: str, hours: int, organisation: Organisation, room: Offer, staff: User
) -> None:
    match = propose(organisation, room, staff, urgency)
    assert match.proposed_at is not None
    assert match.answer_due is not None
    assert match.answer_due - match.proposed_at == pytest.approx(
        timedelta(hours=hours), abs=timedelta(seconds=5)
    )


def test_the_times_are_settings(
    settings: Any, organisation: Organisation, room: Offer, staff: User
) -> None:
    settings.ENTRAIDE_MATCH_ANSWER_HOURS_CRITICAL = 24
    match = propose(organisation, room, staff, "critical")
    assert match.answer_due - match.proposed_at == pytest.approx(
        timedelta(hours=24), abs=timedelta(seconds=5)
    )


def test_a_critical_proposal_accepted_within_48_hours_is_confirmed(
    organisation: Organisation, room: Offer, staff: User, resident: User,
    association_member: User,
) -> None:  # fmt: skip
    match = propose(organisation, room, staff, "critical")
    Match.objects.filter(pk=match.pk).update(
        proposed_at=timezone.now() - timedelta(hours=47),
        answer_due=timezone.now() + timedelta(hours=1),
    )
    services.match_accept(match=match, by=resident)
    assert services.match_accept(match=match, by=association_member).status == S.CONFIRMED


def test_a_critical_proposal_unanswered_after_48_hours_expires_and_frees_the_room(
    organisation: Organisation, room: Offer, staff: User, resident: User
) -> None:
    match = propose(organisation, room, staff, "critical")
    assert services.offer_remaining(room) == 0
    later = timezone.now() + timedelta(hours=48, minutes=1)
    assert services.matches_expire_unanswered(now=later) == 1
    match.refresh_from_db()
    assert match.status == S.EXPIRED
    assert services.offer_remaining(room) == 1


def test_a_late_answer_is_refused_even_before_the_hourly_expiry(
    organisation: Organisation, room: Offer, staff: User, resident: User
) -> None:
    match = propose(organisation, room, staff, "critical")
    Match.objects.filter(pk=match.pk).update(answer_due=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError) as refused:
        services.match_accept(match=match, by=resident)
    assert refused.value.code == "expired"


def test_a_critical_proposal_is_not_expired_before_48_hours(
    organisation: Organisation, room: Offer, staff: User
) -> None:
    propose(organisation, room, staff, "critical")
    assert services.matches_expire_unanswered(now=timezone.now() + timedelta(hours=47)) == 0


def reminded() -> set[int]:
    rows = Notification.objects.filter(type="matching.reminder", channel="email")
    return set(rows.values_list("recipient_id", flat=True))


def test_halfway_the_side_that_has_not_answered_is_reminded_once(
    organisation: Organisation, room: Offer, staff: User, resident: User,
    association_member: User, second_member: User,
) -> None:  # fmt: skip
    match = propose(organisation, room, staff, "critical")
    services.match_accept(match=match, by=resident)
    assert services.matches_remind_halfway(now=timezone.now() + timedelta(hours=23)) == 0
    halfway = timezone.now() + timedelta(hours=24, minutes=1)
    assert services.matches_remind_halfway(now=halfway) == 1
    assert reminded() == {association_member.pk, second_member.pk}
    assert services.matches_remind_halfway(now=halfway + timedelta(hours=1)) == 0
    assert Notification.objects.filter(type="matching.reminder").count() == 4  # e-mail, in-app


def test_no_reminder_once_the_proposal_is_answered(
    organisation: Organisation, room: Offer, staff: User, resident: User
) -> None:
    match = propose(organisation, room, staff, "normal")
    services.match_decline(match=match, by=resident)
    assert services.matches_remind_halfway(now=timezone.now() + timedelta(days=4)) == 0


def test_the_hourly_housekeeping_reminds_expires_and_follows_up() -> None:
    from matching.tasks import housekeeping

    assert set(housekeeping()) == {"reminded", "expired", "check_ins"}
