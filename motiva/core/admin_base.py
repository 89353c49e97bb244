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
