from django.contrib import admin

from motiva.core.admin_base import AuditedAdmin
from motiva.core.models import AuditEvent, Organization, RoleAssignment


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ["name", "currency", "rounding_mode", "score_places", "money_places"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["organization", "role"]
    autocomplete_fields = ["user"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log can be read, never written or erased."""

    list_display = ["at", "actor", "action", "entity_type", "entity_repr", "field", "old_value", "new_value"]
    list_filter = ["action", "entity_type", "organization"]
    search_fields = ["entity_repr", "field", "old_value", "new_value", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
