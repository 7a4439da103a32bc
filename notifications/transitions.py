"""The one way a notification changes status (the table is ``Notification.TRANSITIONS``)."""

from __future__ import annotations

from typing import Any

from core.lifecycle import transition
from notifications.models import Notification, NotificationTransition


def notification_move(
    row: Notification, to: str, *, note: str = "", by: Any = None, **fields: object
) -> Notification:
    """Move ``row``, whose lock the caller holds in its transaction, to status ``to``."""
    return transition(
        instance=row,
        to=to,
        table=Notification.TRANSITIONS,
        log_model=NotificationTransition,
        by=by,
        note=note[:500],
        locked=True,
        fields=fields,
    )
