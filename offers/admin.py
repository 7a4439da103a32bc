"""Read-only admin pages of the host charter: versions are published from the staff page
(``/equipe/offres/charte/``, audited) and acceptances are records, never edited."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import CoordinatorAdmin, ReadAuditedAdmin
from offers.models import HostCharter, HostCharterAcceptance


class _ReadOnly(CoordinatorAdmin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HostCharter)
class HostCharterAdmin(_ReadOnly):
    list_display = ["version", "published_at", "published_by"]


@admin.register(HostCharterAcceptance)
class HostCharterAcceptanceAdmin(ReadAuditedAdmin, _ReadOnly):
    list_display = ["charter", "accepted_at", "offer", "language", "recorded_by"]
    list_filter = ["charter"]
    list_select_related = ["charter", "offer", "recorded_by"]
