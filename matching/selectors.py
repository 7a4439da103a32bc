"""Reads of the match workflow that are more than a QuerySet method, for pages that the
staff queues (issue 11) and the association pages reuse."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts import roles
from matching.models import CheckIn, Match, MatchQuerySet, MatchTransition
from needs.models import Need


def matches_of_need(need: Need) -> list[Match]:
    """Every proposal and match of one need (never suggestions), newest first, with their
    history: what the association follows on the need's page."""
    history = MatchTransition.objects.order_by("at", "id")
    return list(
        Match.objects.filter(need=need)
        .exclude(status=Match.Status.SUGGESTED)
        .select_related("offer__sector")
        .prefetch_related(Prefetch("transitions", queryset=history))
        .order_by("-created_at", "-id")
    )


def need_panel(request: HttpRequest, need: Need) -> dict[str, Any] | None:
    """The need page's section "Proposals and matches" (``needs.panels``)."""
    return {
        "need": need,
        "matches": matches_of_need(need),
        "staff": roles.is_staff_member(request.user),
    }


def answers_to_collect() -> MatchQuerySet:
    """Proposals waiting for the answer of a side without an account (a caller of the
    phone line, a person met at a counter): staff must call or see them. Soonest due first."""
    waiting = Match.objects.filter(status__in=Match.AWAITING_ANSWER)
    resident = Q(offer__owner__isnull=True, resident_accepted_at__isnull=True)
    counter = Q(need__organisation__isnull=True, association_accepted_at__isnull=True)
    return (
        waiting.filter(resident | counter)
        .select_related("offer__sector", "need")
        .order_by("answer_due", "id")
    )


def check_ins_to_call(*, today: date | None = None) -> QuerySet[CheckIn]:
    """Follow-up questions due for a side without an account: no e-mail reaches them, so
    staff ask "how is it going?" by phone and record the answer."""
    today = today or timezone.localdate()
    no_account = Q(side=Match.Side.RESIDENT, match__offer__owner__isnull=True) | Q(
        side=Match.Side.ASSOCIATION, match__need__organisation__isnull=True
    )
    return (
        CheckIn.objects.filter(
            no_account, answer="", due_on__lte=today, match__status=Match.Status.CONFIRMED
        )
        .select_related("match__offer__sector")
        .order_by("due_on", "id")
    )


def rooms_to_ask_about() -> MatchQuerySet:
    """Stays over in offers taken by phone, paused until staff ask the host whether the
    room is available again."""
    return (
        Match.objects.filter(
            status=Match.Status.COMPLETED,
            offer__kind="housing",
            offer__owner__isnull=True,
            offer__status="paused",
        )
        .select_related("offer__sector")
        .order_by("completed_at", "id")
    )
