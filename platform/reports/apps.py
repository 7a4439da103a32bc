from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Figures: the staff dashboard, the public statistics, open data and the network page."""

    name = "reports"
    verbose_name = _("Reports and open data")
    default_auto_field = "django.db.models.BigAutoField"
