from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages

from motiva.core.admin_base import PeriodLockedAdmin
from motiva.core.errors import InvalidInput, raise_if_errors
from motiva.periods import services
from motiva.periods.guards import ensure_open
from motiva.periods.models import IndicatorValue, Period


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    """Periods are created by the period service (dates follow from the kind) and move through their
    lifecycle only on the period page, by the period service with its rules (the run, the signatures, two
    people for closing): the admin shows them and changes nothing, and offers no action."""

    list_display = ["name", "kind", "start", "end", "status", "organization"]
    list_filter = ["organization", "kind", "status"]
    actions = None

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class IndicatorValueForm(forms.ModelForm):
    class Meta:
        model = IndicatorValue
        fields = ["value", "level_code", "comment", "attachment"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        row = self.instance
        try:
            ensure_open(row.period)
            raise_if_errors(
                services.value_problems(
                    row.indicator,
                    row.kind,
                    data.get("value"),
                    data.get("level_code", ""),
                    row.scope,
                    row.unit,
                    row.employee,
                )
            )
        except InvalidInput as refusal:
            raise refusal.as_validation_error() from None
        return data


@admin.register(IndicatorValue)
class IndicatorValueAdmin(PeriodLockedAdmin):
    form = IndicatorValueForm
    list_display = [
        "indicator",
        "period",
        "scope",
        "unit",
        "employee",
        "kind",
        "value",
        "source",
        "author",
        "entered_at",
        "confirmed_by",
    ]
    list_filter = ["organization", "period", "kind", "scope", "source"]
    search_fields = ["indicator__code", "indicator__name"]
    readonly_fields = [
        "organization",
        "indicator",
        "period",
        "scope",
        "unit",
        "employee",
        "kind",
        "source",
        "author",
        "entered_at",
        "confirmed_by",
        "confirmed_at",
    ]
    fields = [*readonly_fields, "value", "level_code", "comment", "attachment"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # The form has validated; the service writes the change and its audit events.
        services.value_set(
            actor=request.user,
            indicator=obj.indicator,
            period=obj.period,
            kind=obj.kind,
            value=obj.value,
            scope=obj.scope,
            unit=obj.unit,
            employee=obj.employee,
            level_code=obj.level_code,
            source=obj.source,
            comment=obj.comment,
        )
        if "attachment" in form.changed_data:
            # value_set does not touch the file; the attachment goes through the same service as on
            # the value page (complete file before the row, the old file deleted after the commit).
            upload = form.cleaned_data.get("attachment")
            try:
                services.value_annotate(
                    actor=request.user,
                    value=IndicatorValue.objects.get(pk=obj.pk),
                    attachment=upload or None,
                    remove_attachment=upload is False,  # the "clear" box
                )
            except InvalidInput as refusal:
                for message in refusal.messages():
                    self.message_user(request, message, level=messages.ERROR)
