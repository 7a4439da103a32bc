"""Reads of the match workflow that are more than a QuerySet method, for pages that the
staff queues (issue 11) and the association pages reuse."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from accounts import roles
from core.staff_filters import QUEUE_KEYS, annotate_queue, urgency_rank
from matching.models import CheckIn, Match, MatchTransition
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


# The staff queues of matching sort by the need's urgency rank, then waiting time
# (``core.staff_filters``); suggestions keep a need's offers together, the best first.
MATCH_FILTER_PATHS = {
    "kind": "need__kind",
    "category": "need__category",
    "district": "offer__sector",
    "state": "status",
}
CHECK_IN_FILTER_PATHS = {
    "kind": "match__need__kind",
    "category": "match__need__category",
    "district": "match__offer__sector",
}
SUGGESTION_KEYS = ("queue_rank", "waiting_since", "need_id", "-score", "id")
AWAITING_STATES = [
    (state.value, state.label) for state in Match.Status if state in Match.AWAITING_ANSWER
]


def _match_queue(matches: QuerySet[Match], waiting_since: Any) -> QuerySet[Match]:
    return annotate_queue(matches, rank=urgency_rank("need__urgency"), waiting_since=waiting_since)


def suggestions_to_review() -> QuerySet[Match]:
    """Suggestions of the engine, for the workbench: the most urgent needs first, the
    longest open first, each need's offers by score (``SUGGESTION_KEYS``), with what a
    card shows."""
    return _match_queue(
        # The offers are read for the page's rows only: joined to every suggestion, the
        # planner would rather scan the whole offer table.
        Match.objects.filter(status=Match.Status.SUGGESTED)
        .select_related("need__category", "need__organisation")
        .prefetch_related("offer__sector", "offer__category"),
        Coalesce("need__opened_at", "need__created_at"),
    )


def awaiting_answers() -> QuerySet[Match]:
    """Proposals waiting for an answer, by urgency then the longest waiting."""
    return _match_queue(
        Match.objects.filter(status__in=Match.AWAITING_ANSWER).select_related(
            "need__category", "need__organisation", "offer__sector"
        ),
        Coalesce("proposed_at", "created_at"),
    )


def answers_to_collect() -> QuerySet[Match]:
    """Proposals waiting for the answer of a side without an account (a caller of the
    phone line, a person met at a counter): staff must call or see them. By urgency, then
    the soonest due first."""
    waiting = Match.objects.filter(status__in=Match.AWAITING_ANSWER)
    resident = Q(offer__owner__isnull=True, resident_accepted_at__isnull=True)
    counter = Q(need__organisation__isnull=True, association_accepted_at__isnull=True)
    return _match_queue(
        waiting.filter(resident | counter).select_related("offer__sector", "need"),
        Coalesce("answer_due", "created_at"),
    ).order_by(*QUEUE_KEYS)


def check_ins_to_call(*, today: date | None = None) -> QuerySet[CheckIn]:
    """Follow-up questions due for a side without an account: no e-mail reaches them, so
    staff ask "how is it going?" by phone and record the answer. The staff's check-in
    alerts: by the need's urgency, then the longest due first."""
    today = today or timezone.localdate()
    no_account = Q(side=Match.Side.RESIDENT, match__offer__owner__isnull=True) | Q(
        side=Match.Side.ASSOCIATION, match__need__organisation__isnull=True
    )
    return annotate_queue(
        CheckIn.objects.filter(
            no_account, answer="", due_on__lte=today, match__status=Match.Status.CONFIRMED
        ).select_related("match__offer__sector", "match__need"),
        rank=urgency_rank("match__need__urgency"),
        waiting_since="due_on",
    ).order_by(*QUEUE_KEYS)


def rooms_to_ask_about() -> QuerySet[Match]:
    """Stays over in offers taken by phone, paused until staff ask the host whether the
    room is available again."""
    return _match_queue(
        Match.objects.filter(
            status=Match.Status.COMPLETED,
            offer__kind="housing",
            offer__owner__isnull=True,
            offer__status="paused",
        ).select_related("offer__sector", "need"),
        Coalesce("completed_at", "created_at"),
    ).order_by(*QUEUE_KEYS)
