"""The one mechanism behind every lifecycle (offers, needs, matches, notifications).

Each model declares its statuses as ``TextChoices`` and a transition table
``{from: {to, ...}}``; :func:`transition` is the only code that changes a status. It locks
the row, refuses what the table does not allow with a :class:`DomainError`, saves, and
writes one row in the model's transition log (who, when, from, to, note).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError

StatusModel = TypeVar("StatusModel", bound=models.Model)


def check_allowed(
    table: Mapping[Any, Set[Any]], current: str, target: str, labels: Mapping[str, Any]
) -> None:
    if target not in table.get(current, frozenset()):
        raise DomainError(
            _("This cannot go from “%(current)s” to “%(target)s”.")
            % {"current": labels.get(current, current), "target": labels.get(target, target)},
            code="transition_refused",
        )


def transition(
    *,
    instance: StatusModel,
    to: str,
    table: Mapping[Any, Set[Any]],
    log_model: type[models.Model] | None,
    by: Any = None,
    note: str = "",
    locked: bool = False,
    fields: Mapping[str, Any] | None = None,
) -> StatusModel:
    """Move ``instance`` to status ``to``, or raise ``DomainError``.

    ``locked=True`` when the caller already holds the row lock in its transaction.
    ``fields`` are other attributes to set in the same save (``sent_at``, a reason...).
    A refusal changes nothing and leaves the caller's transaction usable.
    """
    labels = dict(instance._meta.get_field("status").flatchoices)  # type: ignore[union-attr]
    if locked:
        check_allowed(table, instance.status, to, labels)  # type: ignore[attr-defined]
        # The caller's transaction holds the lock: no savepoint needed (a hot path).
        with transaction.atomic(savepoint=False):
            _apply(instance, to, log_model, by, note, fields)
        return instance
    with transaction.atomic():
        fresh = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        instance.status = fresh.status  # type: ignore[attr-defined]
        check_allowed(table, instance.status, to, labels)  # type: ignore[attr-defined]
        _apply(instance, to, log_model, by, note, fields)
    return instance


def _apply(
    instance: models.Model,
    to: str,
    log_model: type[models.Model] | None,
    by: Any,
    note: str,
    fields: Mapping[str, Any] | None,
) -> None:
    current = instance.status  # type: ignore[attr-defined]
    instance.status = to  # type: ignore[attr-defined]
    changed = ["status", *(fields or {})]
    for name, value in (fields or {}).items():
        setattr(instance, name, value)
    if any(f.name == "updated_at" for f in instance._meta.get_fields()):
        changed.append("updated_at")
    instance.save(update_fields=changed)
    if log_model is not None:
        log_model._default_manager.create(
            subject=instance,
            from_status=current,
            to_status=to,
            by=by if getattr(by, "is_authenticated", False) else None,
            note=note,
            at=timezone.now(),
        )


class TransitionLog(models.Model):
    """Abstract transition row; each lifecycle declares ``subject`` as its foreign key."""

    from_status = models.CharField(max_length=30)
    to_status = models.CharField(max_length=30)
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
