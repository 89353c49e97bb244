"""Admin pages share the services' rules: validators in forms, audit on save, no edits in closed periods."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from motiva.core import audit


def editable_fields(model: Any) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.editable and not f.primary_key]


class AuditedAdmin(admin.ModelAdmin):
    """Records an audit event for every save and delete made in the admin."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = editable_fields(type(obj))
        with transaction.atomic():
            if change:
                before = audit.snapshot(type(obj).objects.get(pk=obj.pk), fields)
                super().save_model(request, obj, form, change)
                audit.record(
                    actor=request.user,
                    obj=obj,
                    action="update",
                    before=before,
                    after=audit.snapshot(obj, fields),
                )
            else:
                super().save_model(request, obj, form, change)
                audit.record_create(actor=request.user, obj=obj, fields=fields)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record_delete(actor=request.user, obj=obj, fields=editable_fields(type(obj)))
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit.record_delete(actor=request.user, obj=obj, fields=editable_fields(type(obj)))
            super().delete_queryset(request, queryset)


class PeriodLockedAdmin(AuditedAdmin):
    """Objects of a closed period are read-only here, as everywhere."""

    period_path = "period"

    def _locked(self, obj: Any) -> bool:
        if obj is None:
            return False
        period = obj
        for part in self.period_path.split("__"):
            period = getattr(period, part)
        return bool(period.is_locked)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not self._locked(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not self._locked(obj)


# Pay in the admin ------------------------------------------------------------------------------------
# A superuser is the administrator of every organization, and the administrator sees no one's pay
# (motiva.core.access): pay shows in the admin only in the organizations where the user also holds a
# role that reads pay (HR, finance, executive, board). Nobody searches, filters or sorts on money in the
# admin (the web pages do that within the access policy), so no list can be used as an oracle of a
# hidden amount.

# Field names that hold salary or pay (or the amounts behind it) anywhere in the models.
MONEY_FIELDS = frozenset(
    {
        "salary",
        "salary_min",
        "salary_max",
        "amount",
        "percent",
        "pay",
        "planned_amount",
        "coefficient",
        "result",
        "level_results",
        "proration",
        "problems",
        "params",
        "lines",
        "old_value",
        "new_value",
    }
)
MASK = "•••"


def pay_organization_ids(user: Any) -> frozenset[int]:
    """The organizations whose pay this user may read (their own pay rights, never the superuser flag)."""
    from motiva.core.access import PAY_READ, viewer_for

    viewer = viewer_for(user)
    return frozenset(org for org, roles in viewer.roles.items() if roles & PAY_READ)


def _organization_id(obj: Any, path: str) -> int | None:
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value if isinstance(value, int) else getattr(value, "pk", None)


def masked_column(model: Any, name: str, readable: frozenset[int], path: str) -> Any:
    """A list column showing `name` only in the organizations the reader reads pay of; never sortable."""

    def column(obj: Any) -> Any:
        return getattr(obj, name) if _organization_id(obj, path) in readable else MASK

    try:
        column.short_description = model._meta.get_field(name).verbose_name  # type: ignore[attr-defined]
    except Exception:
        column.short_description = name  # type: ignore[attr-defined]
    column.__name__ = f"masked_{name}"
    return column


def money_lookup(lookup: str) -> bool:
    return any(part in MONEY_FIELDS for part in lookup.split("__"))


class PayGuard:
    """For a ModelAdmin or an inline whose model has money fields (`pay_fields`): those fields are left
    out of the forms and masked in the lists unless the reader reads pay of the object's organization;
    no search, filter or ordering touches them. With `pay_model`, every row is pay: the model is hidden
    from those who read no pay, and its list holds only the organizations whose pay the reader reads."""

    pay_fields: tuple[str, ...] = ()
    pay_model = False
    organization_path = "organization"  # from an object (or an inline's parent) to its organization

    def reads_pay(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return False
        return _organization_id(obj, self.organization_path) in pay_organization_ids(request.user)

    def _strip(self, names: Any, request: HttpRequest, obj: Any) -> list[Any]:
        if self.reads_pay(request, obj):
            return list(names)
        return [n for n in names if not (isinstance(n, str) and n in self.pay_fields)]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._strip(super().get_fields(request, obj), request, obj)  # type: ignore[misc]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._strip(super().get_readonly_fields(request, obj), request, obj)  # type: ignore[misc]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        excluded = list(super().get_exclude(request, obj) or [])  # type: ignore[misc]
        if not self.reads_pay(request, obj):
            excluded += [n for n in self.pay_fields if n not in excluded]
        return excluded

    def get_list_display(self, request: HttpRequest) -> Any:
        readable = pay_organization_ids(request.user)
        path = self.organization_path
        return [
            masked_column(self.model, n, readable, path) if isinstance(n, str) and n in self.pay_fields else n  # type: ignore[attr-defined]
            for n in super().get_list_display(request)  # type: ignore[misc]
        ]

    def get_search_fields(self, request: HttpRequest) -> Any:
        return [n for n in super().get_search_fields(request) if not money_lookup(n.lstrip("^=@"))]  # type: ignore[misc]

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [
            n
            for n in super().get_list_filter(request)  # type: ignore[misc]
            if not (isinstance(n, str) and money_lookup(n))
        ]

    def get_ordering(self, request: HttpRequest) -> Any:
        return [n for n in super().get_ordering(request) or [] if not money_lookup(n.lstrip("-"))]  # type: ignore[misc]

    def lookup_allowed(self, lookup: str, value: Any, request: Any = None) -> bool:
        if money_lookup(lookup):
            return False
        return super().lookup_allowed(lookup, value, request)  # type: ignore[misc]

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if self.pay_model:
            queryset = queryset.filter(
                **{f"{self.organization_path}__in": pay_organization_ids(request.user)}
            )
        return queryset

    def has_module_permission(self, request: HttpRequest) -> bool:
        if self.pay_model and not pay_organization_ids(request.user):
            return False
        return super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.pay_model and (
            not pay_organization_ids(request.user) or (obj is not None and not self.reads_pay(request, obj))
        ):
            return False
        return super().has_view_permission(request, obj)  # type: ignore[misc]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Objects that change only through their services (history, snapshots, roles, signatures)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
