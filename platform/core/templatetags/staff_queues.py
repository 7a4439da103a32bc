"""Template helpers of the staff queues: the urgency rank as words."""

from __future__ import annotations

from django import template

from core.staff_filters import rank_label

register = template.Library()


@register.filter
def urgency_label(rank: int | None) -> str:
    return "" if rank is None else rank_label(rank)
