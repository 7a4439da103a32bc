from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "needs"
    verbose_name = _("Needs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from needs import notifications  # noqa: F401
