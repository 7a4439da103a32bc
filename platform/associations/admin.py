from django.contrib import admin

from associations.models import Invitation
from core.admin import CoordinatorAdmin


@admin.register(Invitation)
class InvitationAdmin(CoordinatorAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["token", "invited_by", "created_at", "accepted_at", "accepted_by"]
