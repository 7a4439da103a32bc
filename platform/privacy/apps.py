from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The data lifecycle: retention and anonymisation, a person's export and erasure,
    the audit log staff read (docs/privacy.md)."""

    name = "privacy"
    verbose_name = _("Data protection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.retention import register_retention_source
        from privacy import notifications  # noqa: F401  (the inactivity warning)
        from privacy.retention import rules

        register_retention_source(rules)
