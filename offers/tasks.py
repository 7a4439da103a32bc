from celery import shared_task

from offers.services import (
    offers_expire_past_end,
    offers_expire_unconfirmed,
    offers_send_availability_reminders,
)


@shared_task(name="offers.freshness")
def freshness() -> dict[str, int]:
    """Hourly: ask owners of offers unconfirmed for 30 days, expire those who did not answer."""
    return {
        "expired": offers_expire_unconfirmed(),
        "reminded": offers_send_availability_reminders(),
    }


@shared_task(name="offers.expire_ended")
def expire_ended() -> dict[str, int]:
    """Daily: offers whose end date has passed are expired and their owners told."""
    return {"expired": offers_expire_past_end()}
