from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from motiva.core.access import PAY_ENTITIES, PAY_FIELDS
from motiva.core.admin_base import MASK, AuditedAdmin, ReadOnlyAdmin, pay_organization_ids
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
    """The pay rules go through their service (the cap is switched off only with a reason). An
    organization is never deleted here (its deletion page would list everyone's pay)."""

    form = OrganizationForm
    list_display = ["name", "currency", "rounding_mode", "score_places", "money_places"]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

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
class RoleAssignmentAdmin(ReadOnlyAdmin):
    """Roles are granted and revoked with a second person's approval (the approvals page,
    motiva.dualcontrol): read-only here."""

    list_display = ["user", "organization", "role"]
    list_filter = ["organization", "role"]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class MotivaUserAdmin(UserAdmin):
    """Accounts, but not privileges: the superuser flag, groups and permissions are not edited here (a
    superuser is an administrator of every organization, a privileged role that needs dual control).
    The operator makes superusers on the server (manage.py createsuperuser, bootstrap_admin)."""

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        fixed = ["is_superuser", "groups", "user_permissions"] if obj is not None else []
        return [*super().get_readonly_fields(request, obj), *fixed]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # the audit log keeps its actors; disable an account instead

    def user_change_password(self, request, id, form_url=""):  # type: ignore[no-untyped-def]
        # Setting someone else's password is taking over their account (and their second factor's
        # enrolment): nobody does it alone. One's own password only; others set theirs through the
        # invitation link, and a lost one is reset by the operator (docs/security.md).
        if str(id) != str(request.user.pk):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log can be read, never written or erased. Values of pay fields and the description of
    pay entities are masked in SQL for those who may not read that organization's pay, so neither the
    columns, the detail page, the search nor the sorting can reveal them."""

    list_display = ["at", "actor", "action", "entity_type", "shown_entity", "field", "shown_old", "shown_new"]
    list_filter = ["action", "entity_type", "organization"]
    search_fields = ["shown_repr", "field", "shown_old_value", "shown_new_value", "actor__username"]
    date_hierarchy = "at"
    _SWAP = {"entity_repr": "shown_entity", "old_value": "shown_old", "new_value": "shown_new"}

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        ids = sorted(pay_organization_ids(request.user)) or [0]
        value_hidden = Q(field__in=sorted(PAY_FIELDS))
        entity_hidden = Q(entity_type__in=sorted(PAY_ENTITIES))

        def shown(name: str, hidden: Q, default: Any) -> Case:
            return Case(
                When(~hidden, then=F(name)),
                When(organization_id__in=ids, then=F(name)),
                default=default,
                output_field=TextField(),
            )

        return (
            super()
            .get_queryset(request)
            .annotate(
                shown_repr=shown("entity_repr", entity_hidden, F("entity_type")),
                shown_old_value=shown("old_value", value_hidden, Value(MASK)),
                shown_new_value=shown("new_value", value_hidden, Value(MASK)),
            )
        )

    def lookup_allowed(self, lookup, value, request=None):  # type: ignore[no-untyped-def]
        # ?old_value__startswith=4… would count the hidden values: the query string filters only on
        # what the list shows unmasked
        if lookup.split("__")[0] in {
            *self._SWAP,
            "shown_repr",
            "shown_old_value",
            "shown_new_value",
            "reason",
        }:
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [self._SWAP.get(name, name) for name in super().get_fields(request, obj)]

    def get_object(self, request, object_id, from_field=None):  # type: ignore[no-untyped-def]
        event = super().get_object(request, object_id, from_field)
        if event is not None:  # the page's title is the event's text: the masked one (never saved)
            event.entity_repr = event.shown_repr
            event.old_value, event.new_value = event.shown_old_value, event.shown_new_value
        return event

    @admin.display(description=_("entity"))
    def shown_entity(self, obj: AuditEvent) -> str:
        return getattr(obj, "shown_repr", MASK)

    @admin.display(description=_("old value"))
    def shown_old(self, obj: AuditEvent) -> str:
        return getattr(obj, "shown_old_value", MASK)

    @admin.display(description=_("new value"))
    def shown_new(self, obj: AuditEvent) -> str:
        return getattr(obj, "shown_new_value", MASK)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
