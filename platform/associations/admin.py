from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from associations.models import Invitation, PublicListing
from core.admin import CoordinatorAdmin, ReadAuditedAdmin, ReadOnlyAdmin
from core.audit import audit


@admin.register(Invitation)
class InvitationAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
    """Read-only: invitations are sent and withdrawn by the organisation's admins."""

    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["token", "invited_by", "created_at", "accepted_at", "accepted_by"]


@admin.register(PublicListing)
class PublicListingAdmin(CoordinatorAdmin):
    """What organisations show on "Find help". Their admins choose it (audited); here
    coordinators read it, and may only take an organisation off the page."""

    list_display = ["organisation", "listed", "phone", "email", "updated_at"]
    list_filter = ["listed"]
    search_fields = ["organisation__name"]
    readonly_fields = [
        "organisation", "help_kinds", "sectors", "summary", "phone", "email", "address",
        "opening_hours", "languages", "website", "updated_at", "updated_by",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PublicListing, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit(
            actor=request.user,
            action="associations.listing.moderated",
            target=obj.organisation,
            detail={"listed": obj.listed},
        )
