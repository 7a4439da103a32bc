"""Who sees which match: the one place for these rules (docs/design.md §1, §5).

A resident sees the proposals made on their offers; an association member sees those made
on their organisations' needs; staff see all. Suggestions are staff-only until proposed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404

from accounts import roles
from matching.models import Match, MatchQuerySet
from matching.services import side_of


def _organisation_ids(user: Any) -> list[int]:
    return [membership.organisation_id for membership in roles.active_memberships(user)]


def matches_of(user: Any) -> MatchQuerySet:
    """The matches ``user`` is a side of (never suggestions), each annotated with
    ``shows_reference``: whether ``user`` may read its need's internal reference."""
    if not getattr(user, "is_authenticated", False):
        return Match.objects.none()
    organisation_ids = _organisation_ids(user)
    sides = Q(offer__owner=user) | Q(need__organisation_id__in=organisation_ids)
    if roles.is_staff_member(user):
        # Staff answer for people met at a counter and for callers without an account.
        sides |= Q(need__organisation__isnull=True) | Q(offer__owner__isnull=True)
    return _with_reference(
        Match.objects.filter(sides).exclude(status=Match.Status.SUGGESTED),
        user,
        organisation_ids,
    ).order_by("-updated_at", "-id")


def visible_matches(user: Any) -> MatchQuerySet:
    if roles.is_staff_member(user):
        return _with_reference(Match.objects.all(), user, [])
    return matches_of(user)


def _with_reference(matches: MatchQuerySet, user: Any, organisation_ids: list[int]) -> Any:
    """The association's internal reference is for its members only (and for staff, on a
    need they met at a counter): the rule of ``roles.internal_reference_access``, in SQL so
    that a list costs no query per row."""
    readable = Q(need__organisation_id__in=organisation_ids)
    if roles.is_staff_member(user):
        readable |= Q(need__organisation__isnull=True)
    return matches.annotate(shows_reference=ExpressionWrapper(readable, BooleanField()))


def side_match_or_404(user: Any, pk: int) -> tuple[Match, str]:
    match = (
        matches_of(user)
        .select_related("offer__sector", "offer__category", "need__organisation", "need__category")
        .filter(pk=pk)
        .first()
    )
    side = side_of(user, match) if match is not None else None
    if match is None or side is None:
        raise Http404
    return match, side
