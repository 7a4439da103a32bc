from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts import roles
from core.models import AuditEntry, Category, Sector


class CoordinatorAdmin(admin.ModelAdmin):
    """Admin pages for the city's settings data, open to coordinators (DESIGN.md §1)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_coordinator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_coordinator(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return roles.is_coordinator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_coordinator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_coordinator(request.user)


@admin.register(Sector)
class SectorAdmin(CoordinatorAdmin):
    list_display = ["name", "code", "centroid_latitude", "centroid_longitude", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(AuditEntry)
class AuditEntryAdmin(CoordinatorAdmin):
    """Read-only: the audit log can be read and searched, never edited or deleted."""

    list_display = ["created_at", "action", "actor_ref", "target_type", "target_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "target_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(CoordinatorAdmin):
    list_display = ["name", "kind", "parent", "code", "asks_size", "asks_best_before", "active"]
    list_filter = ["kind", "active"]
    list_editable = ["active"]
    search_fields = ["name", "name_en", "code"]
    prepopulated_fields = {"code": ["name"]}
