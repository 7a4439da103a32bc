from django.contrib import admin

from core.admin import ReadAuditedAdmin, ReadOnlyAdmin
from needs.models import Need, NeedTransition


class NeedTransitionInline(admin.TabularInline):
    model = NeedTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "at", "by", "note"]


@admin.register(Need)
class NeedAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
    """Read-only: needs change through their services (the staff and association pages)."""

    list_display = ["id", "kind", "category", "organisation", "origin", "status", "urgency"]
    list_filter = ["kind", "status", "urgency", "origin"]
    # The association's internal reference is for the association only.
    exclude = ["internal_reference"]
    readonly_fields = ["status", "note_flags", "household_size", "created_by", "opened_at"]
    inlines = [NeedTransitionInline]
