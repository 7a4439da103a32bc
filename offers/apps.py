from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Offers")

    def ready(self) -> None:
        # Declares this app's notification types, staff queues and launch steps.
        from offers import (
            launch,  # noqa: F401  (its steps of the launch checklist)
            notifications,  # noqa: F401
        )
