from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from motiva.core.admin_base import AuditedAdmin
from motiva.core.models import AuditEvent, Organization, RoleAssignment
from motiva.org.services import PAY_RULE_FIELDS, organization_pay_rules_set, pay_rules_problems


class OrganizationForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("reason of the change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to switch off the cap on disciplinary reductions; kept in the audit log."),
    )

    class Meta:
        model = Organization
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk:
            changes = {name: data[name] for name in PAY_RULE_FIELDS if name in data}
            for found in pay_rules_problems(self.instance, changes, data.get("change_reason", "")):
                field = "change_reason" if found.field == "reason" else found.field
                self.add_error(field if field in self.fields else None, found.render(get_language() or "ru"))
        return data


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    """The pay rules go through their service (the cap is switched off only with a reason)."""

    form = OrganizationForm
    list_display = ["name", "currency", "rounding_mode", "score_places", "money_places"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        stored = Organization.objects.get(pk=obj.pk)
        rules = {name: getattr(obj, name) for name in PAY_RULE_FIELDS}
        for name in PAY_RULE_FIELDS:  # the rest is saved as any admin change, the rules by their service
            setattr(obj, name, getattr(stored, name))
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            organization_pay_rules_set(
                actor=request.user,
                organization=obj,
                reason=form.cleaned_data.get("change_reason", ""),
                **rules,
            )


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
