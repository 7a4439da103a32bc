from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        # Declares this app's notification types and digest sections.
        from django.db.models.signals import post_delete, post_save

        from core.models import Category, Sector
        from matching import notifications  # noqa: F401
        from matching.retrieval import clear_caches
        from matching.urgent import on_need_published
        from needs.signals import need_published

        # A critical need published between two runs is planned at once (matching.urgent).
        need_published.connect(on_need_published, dispatch_uid="matching-urgent-need")
        # Distances and category trees are cached per process: drop them when they change.
        for model in (Sector, Category):
            post_save.connect(clear_caches, sender=model, dispatch_uid=f"matching-{model}-save")
            post_delete.connect(clear_caches, sender=model, dispatch_uid=f"matching-{model}-del")
