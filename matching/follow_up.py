"""Follow-up of housing matches: "how is it going?" after a week and a month, answered in
one click from the e-mail. "It has ended" records the end of the stay; "It is difficult"
records a breakdown: the household's need is open again at the top of the staff queue,
with fresh suggestions that leave out this offer. Both alert city staff."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from core.audit import audit
from matching import services
from matching.models import CheckIn, Match
from notifications.services import notify

_SALT = "matching.check_in"
_VALID_DAYS = 45


def token(check: CheckIn) -> str:
    return signing.dumps({"c": check.pk}, salt=_SALT, compress=True)


def read_token(value: str) -> CheckIn | None:
    try:
        payload = signing.loads(value, salt=_SALT, max_age=86400 * _VALID_DAYS)
    except signing.BadSignature:
        return None
    return (
        CheckIn.objects.select_related("match__offer__owner", "match__need__organisation")
        .filter(pk=payload.get("c"), answer="", match__status__in=Match.CONTACT_VISIBLE)
        .first()
    )


def _recipients(check: CheckIn) -> list[Any]:
    match = check.match
    if check.side == Match.Side.RESIDENT:
        return [match.offer.owner] if match.offer.owner else []
    organisation = match.need.organisation
    if organisation is None:
        return []
    return [m.user for m in organisation.memberships.select_related("user")]


def check_ins_send_due(*, today: Any = None) -> int:
    """Periodic: send the check-ins due today or before, for matches still confirmed."""
    today = today or timezone.localdate()
    due = CheckIn.objects.filter(
        sent_at__isnull=True, due_on__lte=today, match__status=Match.Status.CONFIRMED
    ).select_related("match__offer__owner", "match__need__organisation")
    sent = 0
    for check in due:
        with transaction.atomic():
            for person in _recipients(check):
                notify(
                    type="matching.check_in",
                    key=f"matching.check_in:{check.pk}:{person.pk}",
                    recipient=person,
                    context={
                        "match_id": check.match_id,
                        "round": check.round,
                        "url": reverse("matching:check-in", args=[token(check)]),
                    },
                )
            CheckIn.objects.filter(pk=check.pk).update(sent_at=timezone.now())
            sent += 1
    return sent


@transaction.atomic
def check_in_answer(*, check: CheckIn, answer: str, by: Any = None) -> CheckIn:
    """One side's answer, from its signed link, or relayed by staff (``by``) for a side
    without an account."""
    if answer not in CheckIn.Answer.values:
        raise ValueError(f"Unknown answer {answer!r}")
    check = CheckIn.objects.select_for_update().get(pk=check.pk)
    if check.answer:
        return check
    check.answer, check.answered_at = answer, timezone.now()
    check.save(update_fields=["answer", "answered_at"])
    action = "matching.check_in.answered_for" if by is not None else "matching.check_in.answered"
    audit(actor=by, action=action, target=check.match,
          detail={"side": check.side, "answer": answer})  # fmt: skip
    if answer != CheckIn.Answer.GOOD:
        _end_the_stay(check)
        _alert_staff(check)
    return check


def _end_the_stay(check: CheckIn) -> None:
    services.match_end_after_check_in(
        match=check.match, side=check.side, difficult=check.answer == CheckIn.Answer.DIFFICULT
    )


def _alert_staff(check: CheckIn) -> None:
    for person in roles.active_staff():
        notify(
            type="matching.staff_alert",
            key=f"matching.staff_alert:{check.pk}:{person.pk}",
            recipient=person,
            context={
                "match_id": check.match_id,
                "answer": check.answer,
                "url": reverse("matching-staff:need", args=[check.match.need_id]),
            },
        )
