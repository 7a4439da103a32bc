"""Django's admin, for coordinators only: the city's reference data and accounts.

Rules that hold for every page here:
- Only coordinators reach it (``CoordinatorAdmin``); nobody can be made a superuser from
  it, except by a superuser.
- Every change is audited (``AuditedAdmin``): who, which object, which fields, never the
  values of personal fields.
- Objects that have a lifecycle and services (needs, invitations) are read-only here:
  their changes go through the staff pages and services, which check the rules, tell the
  people concerned and audit. The audit log itself is read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts import roles
from accounts.admin_forms import UserChangeAdminForm, UserCreationAdminForm
from accounts.models import Membership, Organisation, User
from core.audit import audit
from core.models import AuditEntry, Category, Sector

# Values that are safe to write in the audit log when they change (no personal data).
AUDITED_VALUES = frozenset({"role", "is_active", "is_superuser", "kind", "active", "position"})


class CoordinatorAdmin(admin.ModelAdmin):
    """Admin pages open to coordinators, and to them only."""

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


class ReadAuditedAdmin(CoordinatorAdmin):
    """Admin pages that show personal data (an e-mail, a phone, a contact, a flagged
    note): every list and every object read writes one audit entry, like the staff pages
    (``<app>.<model>.listed_in_admin`` with the ids shown, ``viewed_in_admin``)."""

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl") if response else None
        if request.method == "GET" and changelist is not None:
            meta = self.model._meta
            ids = [obj.pk for obj in changelist.result_list]
            audit(actor=request.user, action=f"{meta.app_label}.{meta.model_name}.listed_in_admin",
                  detail={"ids": ids[:200], "count": len(ids)})  # fmt: skip
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = getattr(response, "context_data", {}).get("original") if response else None
        if request.method == "GET" and obj is not None:
            meta = self.model._meta
            audit(actor=request.user, action=f"{meta.app_label}.{meta.model_name}.viewed_in_admin",
                  target=obj)  # fmt: skip
        return response


class ReadOnlyAdmin(CoordinatorAdmin):
    """Coordinators read; the services and staff pages write."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _action(obj: models.Model, verb: str) -> str:
    meta = obj._meta
    return f"{meta.app_label}.{meta.model_name}.{verb}"


def _changes(form: ModelForm, before: dict[str, Any]) -> dict[str, Any]:
    changed = sorted(form.changed_data)
    detail: dict[str, Any] = {"fields": changed}
    values = {
        name: [before.get(name), form.cleaned_data.get(name)]
        for name in changed
        if name in AUDITED_VALUES
    }
    if values:
        detail["values"] = {name: [str(a), str(b)] for name, (a, b) in values.items()}
    return detail


class AuditedAdmin(CoordinatorAdmin):
    """Every save and delete in the admin writes one audit entry."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        self._before = {name: getattr(obj, name, None) for name in AUDITED_VALUES} if obj else {}
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        verb = "changed_in_admin" if change else "created_in_admin"
        before = getattr(self, "_before", {}) if change else {}
        audit(actor=request.user, action=_action(obj, verb), target=obj,
              detail=_changes(form, before))  # fmt: skip

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit(actor=request.user, action=_action(obj, "deleted_in_admin"), target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            audit(actor=request.user, action=_action(obj, "deleted_in_admin"), target=obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for row in formset.new_objects:
            audit(actor=request.user, action=_action(row, "created_in_admin"), target=row)
        for row, fields in formset.changed_objects:
            audit(actor=request.user, action=_action(row, "changed_in_admin"), target=row,
                  detail={"fields": sorted(fields)})  # fmt: skip
        for row in formset.deleted_objects:
            audit(actor=request.user, action=_action(row, "deleted_in_admin"), target=row)


@admin.register(Sector)
class SectorAdmin(AuditedAdmin):
    list_display = ["name", "code", "centroid_latitude", "centroid_longitude", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["name", "kind", "parent", "code", "asks_size", "asks_best_before", "active"]
    list_filter = ["kind", "active"]
    list_editable = ["active"]
    search_fields = ["name", "name_en", "code"]
    prepopulated_fields = {"code": ["name"]}


# Knox's own admin page lists every token with its owner's e-mail: tokens are managed by
# their owners only (the account page, the API).
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log can be read and searched, never edited or deleted."""

    list_display = ["created_at", "action", "actor_ref", "target_type", "target_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "target_id"]
    date_hierarchy = "created_at"


@admin.register(User)
class UserAdmin(ReadAuditedAdmin, AuditedAdmin, DjangoUserAdmin):
    """Accounts. Erasing one goes through the erasure page (``/equipe/comptes/effacer/``),
    which closes its offers, tells the other sides and keeps the history anonymised: a
    delete here would cascade through matches."""

    ordering = ["email"]
    list_display = ["email", "display_name", "role", "preferred_language", "is_active"]
    list_filter = ["role", "is_active", "preferred_language"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("display_name", "preferred_language", "phone")}),
        (_("Access"), {"fields": ("role", "is_active", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        # Superuser bypasses every rule of the platform: only a superuser may grant it.
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(ReadAuditedAdmin, AuditedAdmin):
    list_display = ["name", "kind", "registration_number", "verified_at"]
    list_filter = ["kind"]
    search_fields = ["name", "registration_number"]
    filter_horizontal = ["sectors"]
    # Verification and refusal go through the staff queue (audited, the applicants told).
    readonly_fields = [
        "verified_at",
        "verified_by",
        "applied_by",
        "refused_at",
        "refusal_reason",
        "created_at",
    ]
    inlines = [MembershipInline]
