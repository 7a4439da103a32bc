from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.admin_forms import UserChangeAdminForm, UserCreationAdminForm
from accounts.models import Membership, Organisation, User
from core.admin import CoordinatorAdmin


@admin.register(User)
class UserAdmin(CoordinatorAdmin, DjangoUserAdmin):
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


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(CoordinatorAdmin):
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
