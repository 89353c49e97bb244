from django.contrib import admin

from motiva.calc.models import Adjustment, CalculationRun, EmployeeResult, GroupCorrection


class ReadOnly(admin.ModelAdmin):
    """Runs and their results are snapshots: never edited, only replaced by a new run."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CalculationRun)
class CalculationRunAdmin(ReadOnly):
    list_display = [
        "period",
        "unit",
        "status",
        "progress",
        "employees_total",
        "created_by",
        "created_at",
        "input_hash",
    ]
    list_filter = ["organization", "status"]


@admin.register(EmployeeResult)
class EmployeeResultAdmin(ReadOnly):
    list_display = ["employee", "run", "result", "pay", "has_errors"]
    list_filter = ["run__organization", "has_errors"]
    search_fields = ["employee__last_name", "employee__personnel_number"]


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnly):
    list_display = ["employee", "period", "kind", "amount", "reason", "created_by", "approved_by"]
    list_filter = ["organization", "kind"]


@admin.register(GroupCorrection)
class GroupCorrectionAdmin(ReadOnly):
    list_display = ["unit", "period", "coefficient", "reason", "created_by", "approved_by"]
