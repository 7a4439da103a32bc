"""The audit trail: every moderation act and every staff read of contact data."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from core.models import AuditEntry, dotted_action_validator


def audit(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. ``action`` is dotted, ``domain.object.verb``: ``offers.offer.published``.

    ``detail`` must not hold contact data: it says what happened, not what was seen.
    """
    try:
        dotted_action_validator(action)
    except ValidationError:
        raise ValueError(f"{action!r} is not a dotted action name.") from None
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,
        actor_ref=actor.pk if authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        detail=detail or {},
    )
