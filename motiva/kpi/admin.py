from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from motiva.core.admin_base import AuditedAdmin, PayGuard, ReadOnlyAdmin
from motiva.core.errors import InvalidInput
from motiva.engine.schemes import scheme_problems
from motiva.kpi import services
from motiva.kpi.models import Card, CardLine, CardTemplate, CardTemplateLine, Indicator, PayScheme, Scale


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        organization = data.get("organization")
        if organization is not None and not self.errors:
            values = {
                name: data.get(name, services.INDICATOR_DEFAULTS.get(name))
                for name in services.INDICATOR_FIELDS
            }
            problems = services.indicator_problems(
                organization, values, self.instance.code if self.instance.pk else None
            )
            if problems:
                raise InvalidInput(problems).as_validation_error()
        return data


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    form = IndicatorForm
    list_display = [
        "code",
        "name",
        "unit_of_measure",
        "direction",
        "kind",
        "periodicity",
        "monitoring_only",
        "is_active",
    ]
    list_filter = ["organization", "kind", "direction", "periodicity", "monitoring_only", "is_active"]
    search_fields = ["code", "name", "definition"]
    autocomplete_fields = ["supplier_position", "confirmer_position"]


class ScaleForm(forms.ModelForm):
    class Meta:
        model = Scale
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        organization = data.get("organization")
        if organization is not None and not self.errors:
            problems = services._scale_problems(
                organization, data.get("name", ""), data.get("kind", ""), data.get("params"), self.instance.pk
            )
            if problems:
                raise InvalidInput(problems).as_validation_error()
        return data


@admin.register(Scale)
class ScaleAdmin(AuditedAdmin):
    form = ScaleForm
    list_display = ["name", "kind", "organization"]
    list_filter = ["organization", "kind"]
    search_fields = ["name"]


class PaySchemeForm(forms.ModelForm):
    """Scheme parameters pass the engine's strict checks here as in the services and scenario files."""

    class Meta:
        model = PayScheme
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            # without the right to read pay the parameters are not in the form: the stored ones stay
            params = data.get("params") if "params" in self.fields else self.instance.params
            problems = scheme_problems(data.get("kind", ""), params if params is not None else {})
            if problems:
                raise InvalidInput(problems).as_validation_error()
        return data


@admin.register(PayScheme)
class PaySchemeAdmin(PayGuard, AuditedAdmin):
    """A scheme's parameters hold amounts (fixed pay, fines, funds): only for those who read pay."""

    form = PaySchemeForm
    pay_fields = ("params",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # a new scheme needs its parameters: the scheme editor makes it

    list_display = ["name", "kind", "organization"]
    list_filter = ["organization", "kind"]


LINE_COLUMNS = [
    "order",
    "component",
    "indicator",
    "label",
    "level",
    "weight",
    "scale",
    "threshold",
    "target",
    "maximum",
    "planned_amount",
    "threshold_percent",
    "target_percent",
    "maximum_percent",
    "gate_threshold",
    "gate_threshold_percent",
    "gate_cut_to",
    "gate_cut_percent",
]


class ReadOnlyLines(PayGuard, admin.TabularInline):
    pay_fields = ("planned_amount",)
    extra = 0
    can_delete = False
    fields = LINE_COLUMNS
    readonly_fields = LINE_COLUMNS

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class TemplateLineInline(ReadOnlyLines):
    model = CardTemplateLine


@admin.register(CardTemplate)
class CardTemplateAdmin(admin.ModelAdmin):
    """A template version is fixed once made; revise a card by creating a new version."""

    list_display = ["position", "version", "valid_from", "valid_to", "scheme"]
    list_filter = ["organization"]
    search_fields = ["position__title"]
    inlines = [TemplateLineInline]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class CardLineInline(ReadOnlyLines):
    model = CardLine


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    """A card's status, scheme and lines change through the card services (the card editor, its
    approval and the period's rules): read-only here."""

    list_display = ["employee", "period", "template", "scheme", "status"]
    list_filter = ["organization", "period", "status"]
    search_fields = ["employee__last_name", "employee__personnel_number"]
    inlines = [CardLineInline]
