from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The notification types this app sends itself; domain apps declare theirs in
        # their own ``notifications.py``, imported from their AppConfig.ready().
        from notifications import builtin  # noqa: F401
