from typing import Any

from celery import shared_task


@shared_task(name="matching.run_batch")
def run_batch(started_by: int | None = None) -> dict[str, Any]:
    """A city-wide assignment run; its results are suggestions for staff to review."""
    from matching.batch import batch_run

    run = batch_run(started_by_id=started_by)
    return {"run": run.pk, "suggestions": run.suggestions, "seconds": run.seconds}


@shared_task(name="matching.housekeeping")
def housekeeping() -> dict[str, int]:
    """Hourly: remind who has not answered halfway, expire unanswered proposals, send the
    follow-up check-ins that are due."""
    from matching.follow_up import check_ins_send_due
    from matching.services import matches_expire_unanswered, matches_remind_halfway

    return {
        "reminded": matches_remind_halfway(),
        "expired": matches_expire_unanswered(),
        "check_ins": check_ins_send_due(),
    }


@shared_task(name="matching.plan_urgent_need")
def plan_urgent_need(need_id: int) -> dict[str, Any]:
    """A critical need was just published: plan it now and tell staff (``urgent``)."""
    from matching.urgent import urgent_need_plan

    return urgent_need_plan(need_id=need_id)
