"""Claiming an item of a staff queue, so that two agents never work the same one.

An agent *takes* an item (an offer to vet, an organisation to verify, a need to place, a
check-in alert): others see who holds it and since when, and "… and next" skips it. A
claim lapses after ``ENTRAIDE_CLAIM_MINUTES`` (an agent who went home frees their items by
themselves); the holder or a coordinator releases it earlier. One row per item at most
(``Claim``'s unique constraint), taken under a row lock: of two agents claiming the same
item at once, one gets it and the other is told who holds it.

Apps declare what can be claimed (``register_claimable``) in their ``AppConfig.ready()``;
the pages to take and release (``core.views``) accept those kinds only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import roles
from core.audit import audit
from core.errors import DomainError
from core.models import Claim

Items = TypeVar("Items", bound=Iterable[Any])
_claimable: dict[str, type[models.Model]] = {}


def register_claimable(kind: str, model: type[models.Model]) -> None:
    _claimable[kind] = model


def claimable_model(kind: str) -> type[models.Model] | None:
    return _claimable.get(kind)


def lapse_before() -> datetime:
    return timezone.now() - timedelta(minutes=settings.ENTRAIDE_CLAIM_MINUTES)


def live_claims() -> QuerySet[Claim]:
    return Claim.objects.filter(claimed_at__gte=lapse_before())


def _of(target: models.Model) -> dict[str, Any]:
    return {"target_type": ContentType.objects.get_for_model(target), "target_id": target.pk}


def _kind(model: type[models.Model] | models.Model) -> dict[str, str]:
    # Reads join the content type rather than look it up: the same queries on every page,
    # whether or not this process has cached the content types yet.
    return {
        "target_type__app_label": model._meta.app_label,
        "target_type__model": model._meta.model_name or "",
    }


def _held_message(claim: Claim) -> str:
    return _("%(name)s holds it since %(time)s.") % {
        "name": claim.holder.get_short_name(),
        "time": date_format(timezone.localtime(claim.claimed_at), "TIME_FORMAT"),
    }


@transaction.atomic
def claim_take(*, target: models.Model, by: Any) -> Claim:
    """``by`` holds ``target`` from now (again, if they held it). Refused, naming the
    holder, while another agent's claim is live."""
    if not roles.is_staff_member(by):
        raise PermissionError("Only city staff claim items of the staff queues.")
    key = _of(target)
    held = Claim.objects.select_for_update().select_related("holder").filter(**key).first()
    now = timezone.now()
    if held is not None:
        if held.holder_id != by.pk and held.claimed_at >= lapse_before():
            raise DomainError(_held_message(held), code="claimed")
        held.holder, held.claimed_at = by, now
        held.save(update_fields=["holder", "claimed_at"])
        return held
    try:
        with transaction.atomic():
            claim = Claim.objects.create(**key, holder=by, claimed_at=now)
    except IntegrityError as error:
        # Another agent inserted the row between our read and our insert.
        other = Claim.objects.select_related("holder").get(**key)
        raise DomainError(_held_message(other), code="claimed") from error
    audit(actor=by, action="core.claim.taken", target=target)
    return claim


@transaction.atomic
def claim_release(*, target: models.Model, by: Any) -> bool:
    """Free ``target``: its holder may, and a coordinator may free anyone's claim."""
    held = Claim.objects.select_for_update().filter(**_of(target)).first()
    if held is None:
        return False
    if held.holder_id != by.pk and not roles.is_coordinator(by):
        raise DomainError(_("Only its holder or a coordinator can release it."), code="not_yours")
    held.delete()
    if held.holder_id != by.pk:
        audit(actor=by, action="core.claim.released", target=target,
              detail={"holder": held.holder_id})  # fmt: skip
    return True


def claim_on(target: models.Model) -> Claim | None:
    """The live claim on one item, with its holder."""
    return (
        live_claims().select_related("holder").filter(**_kind(target), target_id=target.pk).first()
    )


def attach_claims(items: Items) -> Items:
    """Each item with ``claim`` (its live claim or None), set in place: one query for a
    whole page. Returns ``items``."""
    found = list(items)
    if not found:
        return items
    claims = {
        claim.target_id: claim
        for claim in live_claims()
        .select_related("holder")
        .filter(**_kind(found[0]), target_id__in=[item.pk for item in found])
    }
    for item in found:
        item.claim = claims.get(item.pk)
    return items


def claimed_by_others(model: type[models.Model], by: Any) -> QuerySet[Claim]:
    """Live claims of other agents on items of ``model`` (for "… and next" to skip)."""
    return live_claims().filter(**_kind(model)).exclude(holder=by)
