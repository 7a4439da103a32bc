from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        # Declares this app's notification types and staff queues.
        from django.db.models.signals import post_delete, post_save

        from core.models import Category, Sector
        from matching import notifications  # noqa: F401
        from matching.receivers import on_need_withdrawn, on_offer_withdrawn
        from matching.retrieval import clear_caches

        # The need page lists the need's proposals and matches.
        from matching.selectors import need_panel
        from matching.urgent import on_need_published
        from needs.panels import NeedPanel, register_need_panel
        from needs.signals import need_published, need_withdrawn
        from offers.signals import offer_withdrawn

        register_need_panel(
            NeedPanel(
                key="matching.matches", template="matching/_need_panel.html", context=need_panel
            )
        )
        # A withdrawn offer or need frees what its proposals hold at once.
        offer_withdrawn.connect(on_offer_withdrawn, dispatch_uid="matching-offer-withdrawn")
        need_withdrawn.connect(on_need_withdrawn, dispatch_uid="matching-need-withdrawn")

        # A critical need published between two runs is planned at once (matching.urgent).
        need_published.connect(on_need_published, dispatch_uid="matching-urgent-need")
        # Distances and category trees are cached per process: drop them when they change.
        for model in (Sector, Category):
            post_save.connect(clear_caches, sender=model, dispatch_uid=f"matching-{model}-save")
            post_delete.connect(clear_caches, sender=model, dispatch_uid=f"matching-{model}-del")
