from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from core import (
            reference,
            signals,  # noqa: F401  (worker heartbeat, audit of role changes)
        )
        from core.models import Category, Sector

        # Districts and categories are cached per process (core.reference).
        for model in (Sector, Category):
            post_save.connect(reference.clear, sender=model, dispatch_uid=f"core-{model}-save")
            post_delete.connect(reference.clear, sender=model, dispatch_uid=f"core-{model}-del")
