"""Urgent arrivals: a critical need published between two batch runs is planned at once.

``needs`` sends ``need_published`` inside its publishing transaction (it cannot import
``matching``); ``matching.apps`` connects ``on_need_published``, which enqueues
``matching.plan_urgent_need`` once that transaction commits (eager in tests and the demo,
a worker in production: seconds either way). The task re-plans the need against what is
not yet proposed (``batch.replan_urgent_need``) and alerts every staff member with a link
to the need's page, where its plan is shown with the offers other needs were counting on.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse

from accounts import roles
from core.audit import audit
from needs.models import Need
from notifications.services import notify


def on_need_published(*, need: Need, **_signal: Any) -> None:
    """Receiver of ``needs.signals.need_published``: critical needs only."""
    if need.urgency != Need.Urgency.CRITICAL:
        return
    from matching import tasks

    need_id = need.pk
    transaction.on_commit(lambda: tasks.plan_urgent_need.delay(need_id))


def urgent_need_plan(*, need_id: int) -> dict[str, Any]:
    """Plan the need now, then tell staff whether something was found."""
    from matching.batch import replan_urgent_need

    planned = replan_urgent_need(need_id=need_id)
    need = Need.objects.filter(pk=need_id).first()
    if need is None:
        return {"need": need_id, "suggestions": 0}
    with transaction.atomic():
        audit(actor=None, action="matching.need.urgent_planned", target=need,
              detail={"suggestions": len(planned)})  # fmt: skip
        for person in roles.active_staff():
            notify(
                type="matching.urgent_need",
                key=f"matching.urgent_need:{need.pk}:{need.opened_at}:{person.pk}",
                recipient=person,
                context={
                    "need_id": need.pk,
                    "kind": need.kind,
                    "planned": len(planned),
                    "url": reverse("matching-staff:need", args=[need.pk]),
                },
            )
    return {"need": need_id, "suggestions": len(planned)}
