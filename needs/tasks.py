"""Thin Celery entry points of the needs app."""

from __future__ import annotations

from celery import shared_task

from core.errors import DomainError
from needs import selectors, services


@shared_task(name="needs.expire", ignore_result=True)
def expire_needs() -> int:
    """Open needs whose wanted-until date has passed become expired; the association can
    open them again if they are still needed."""
    expired = 0
    for need in selectors.past_their_end():
        try:
            services.need_expire(need=need)
        except DomainError:
            continue  # moved by someone else meanwhile
        expired += 1
    return expired
