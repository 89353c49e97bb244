from django.contrib import admin

from motiva.calc.models import Adjustment, CalculationRun, EmployeeResult, GroupCorrection
from motiva.core.admin_base import PayGuard, ReadOnlyAdmin


class ReadOnly(PayGuard, ReadOnlyAdmin):
    """Runs, results, adjustments and corrections are pay: never edited here (runs are snapshots replaced
    by a new run; adjustments and corrections go through their services with two people), and shown only
    to those who read the pay of their organization."""

    pay_model = True
    pay_fields = (
        "result",
        "level_results",
        "pay",
        "proration",
        "problems",
        "amount",
        "percent",
        "coefficient",
    )


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
    organization_path = "run__organization"
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
