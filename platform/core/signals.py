from typing import Any

from celery.signals import worker_ready
from django.dispatch import receiver

from accounts.signals import role_changed
from core.audit import audit
from core.heartbeat import record_heartbeat


@worker_ready.connect
def _record_heartbeat_when_ready(**kwargs: Any) -> None:
    record_heartbeat()


@receiver(role_changed)
def _audit_role_change(
    *, user: Any, previous: str, role: str, by: Any, source: str, **kwargs: Any
) -> None:
    audit(
        actor=by,
        action="accounts.user.role_changed",
        target=user,
        detail={"from": previous, "to": role, "source": source},
    )
