"""Follow-up of confirmed housing matches: "how is it going?" after a week and a month,
answered from a signed link; a bad answer alerts every staff member."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from matching import follow_up
from matching.models import CheckIn, Match
from notifications.models import Notification
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def recipients(kind: str) -> set[int]:
    return set(Notification.objects.filter(type=kind).values_list("recipient_id", flat=True))


def link(check: CheckIn) -> str:
    return reverse("matching:check-in", args=[follow_up.token(check)])


@pytest.fixture
def week_check(confirmed: Match) -> CheckIn:
    return CheckIn.objects.get(match=confirmed, side="resident", round="week")


def test_check_ins_are_sent_to_both_sides_when_due(
    confirmed: Match, resident: User, association_member: User
) -> None:
    week = timezone.localdate(confirmed.confirmed_at) + timedelta(days=7)
    assert follow_up.check_ins_send_due(today=week - timedelta(days=1)) == 0
    assert follow_up.check_ins_send_due(today=week) == 2
    assert recipients("matching.check_in") == {resident.pk, association_member.pk}
    sent = CheckIn.objects.exclude(sent_at=None)
    assert set(sent.values_list("round", flat=True)) == {"week"}


def test_sending_check_ins_twice_sends_nothing_more(confirmed: Match) -> None:
    month = timezone.localdate(confirmed.confirmed_at) + timedelta(days=30)
    assert follow_up.check_ins_send_due(today=month) == 4
    count = Notification.objects.filter(type="matching.check_in").count()
    assert follow_up.check_ins_send_due(today=month) == 0
    assert Notification.objects.filter(type="matching.check_in").count() == count


def test_no_check_in_is_sent_for_a_cancelled_match(confirmed: Match, staff: User) -> None:
    from matching.services import match_cancel

    match_cancel(match=confirmed, by=staff)
    month = timezone.localdate(confirmed.confirmed_at) + timedelta(days=31)
    assert follow_up.check_ins_send_due(today=month) == 0


def test_opening_the_link_changes_nothing(week_check: CheckIn) -> None:
    response = client_for(None).get(link(week_check))
    assert response.status_code == 200
    week_check.refresh_from_db()
    assert (week_check.answer, week_check.answered_at) == ("", None)
    assert not Notification.objects.filter(type="matching.staff_alert").exists()


def test_a_good_answer_is_recorded_without_alerting_staff(week_check: CheckIn) -> None:
    client_for(None).post(link(week_check), {"answer": "good"})
    week_check.refresh_from_db()
    assert week_check.answer == "good"
    assert not Notification.objects.filter(type="matching.staff_alert").exists()


@pytest.mark.parametrize("answer", ["difficult", "ended"])
def test_a_difficult_or_ended_stay_alerts_every_staff_member(
    answer: str, week_check: CheckIn, staff: User, coordinator: User
) -> None:
    UserFactory(email="former.agent@example.org", staff=True, is_active=False)
    response = client_for(None).post(link(week_check), {"answer": answer})
    assert response.status_code == 200
    week_check.refresh_from_db()
    assert week_check.answer == answer
    assert recipients("matching.staff_alert") == {staff.pk, coordinator.pk}
    alert = Notification.objects.filter(type="matching.staff_alert").first()
    assert alert.context["url"] == reverse("matching-staff:need", args=[week_check.match.need_id])


def test_a_link_answers_once(week_check: CheckIn, staff: User) -> None:
    client_for(None).post(link(week_check), {"answer": "difficult"})
    again = client_for(None).post(link(week_check), {"answer": "good"})
    assert again.status_code == 410
    week_check.refresh_from_db()
    assert week_check.answer == "difficult"


def test_a_tampered_link_no_longer_works(week_check: CheckIn) -> None:
    token = follow_up.token(week_check)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = client_for(None).post(
        reverse("matching:check-in", args=[tampered]), {"answer": "ended"}
    )
    assert response.status_code == 410
    week_check.refresh_from_db()
    assert week_check.answer == ""


def test_a_link_older_than_its_validity_no_longer_works(
    week_check: CheckIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = follow_up.token(week_check)
    later = time.time() + 86400 * 46
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert follow_up.read_token(token) is None
