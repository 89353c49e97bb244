"""Payroll hand-off: the rows of an approved run's pay components mapped to 1C:ZUP accrual types, and files."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from motiva.calc.models import CalculationRun, EmployeeResult, RunSignature, RunStatus, SignatureKind
from motiva.calc.selectors import latest_run
from motiva.calc.storage import stored_component
from motiva.core.errors import InvalidInput, problem
from motiva.exports.tabular import Column, Table, render_csv, render_xlsx
from motiva.org.models import Assignment, Employee
from motiva.org.selectors import active_on
from motiva.payroll.models import AccrualMapping, CostCentreSource, PayKind
from motiva.payroll.selectors import mappings_of, name_key
from motiva.periods.models import PeriodStatus

LAYOUTS = ("generic", "zup", "indicators")
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


class NotApproved(Exception):
    """The run is not approved: nothing is handed over."""

    def __init__(self, ru: str, en: str) -> None:
        super().__init__(en)
        self.ru, self.en = ru, en


def ensure_approved(run: CalculationRun) -> None:
    """A run is handed over when it is the period's latest finished whole-organization run and the period
    is CLOSED (closing needs the approval and the HR and finance sign-offs of that run:
    calc.approvals.period_close), or APPROVED with the general director's signature on the run not revoked."""
    if run.status != RunStatus.DONE or run.unit_id is not None or latest_run(run.period) != run:
        raise NotApproved(
            "Передаётся только последний завершённый расчёт всей организации за период",
            "Only the period's latest finished whole-organization run is handed over",
        )
    if run.period.status not in (PeriodStatus.APPROVED, PeriodStatus.CLOSED):
        raise NotApproved(
            "Расчёт не утверждён: период должен быть утверждён или закрыт",
            "The run is not approved: the period must be approved or closed",
        )
    if (
        run.period.status == PeriodStatus.APPROVED
        and not RunSignature.objects.filter(
            run=run, kind=SignatureKind.EXECUTIVE, revoked_at__isnull=True
        ).exists()
    ):
        raise NotApproved(
            "Расчёт не утверждён генеральным директором", "The run is not approved by the general director"
        )


@dataclass
class Totals:
    rows: int = 0
    by_accrual: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    mapped: Decimal = Decimal(0)
    unmapped: dict[str, Decimal] = field(default_factory=dict)  # component name -> sum not handed over
    unmapped_kinds: dict[str, str] = field(default_factory=dict)  # unmapped name -> its kind ("" unknown)
    run_total: Decimal = Decimal(0)  # every pay component of every result (withheld fines excluded)

    @property
    def reconciles(self) -> bool:
        return self.mapped == self.run_total


def mapping_for(
    name: str, kind: str, by_name: dict[str, AccrualMapping], by_kind: dict[str, AccrualMapping]
) -> AccrualMapping | None:
    """A component's mapping: its name's if there is one (the exception), else its kind's."""
    mapping = by_name.get(name_key(name))
    if mapping is None and kind:
        mapping = by_kind.get(kind)
    return mapping


def _units(run: CalculationRun) -> dict[int, tuple[str, str]]:
    rows = (
        Assignment.objects.filter(active_on(run.period.end), organization_id=run.organization_id)
        .order_by("employee_id", "start_date", "id")
        .values_list("employee_id", "unit__code", "unit__name")
    )
    return {employee_id: (code, name) for employee_id, code, name in rows.iterator(chunk_size=5000)}


def payroll_rows(
    run: CalculationRun, *, totals: Totals | None = None, chunk_size: int = 5000
) -> Iterator[tuple]:
    """One row per pay component of the run's results that maps to an accrual type, in employee order:
    (personnel number, full name, unit, accrual code, accrual name, registration month, from, to, amount,
    cost centre, run id, result id, result %). A component maps by its name's mapping, else by its
    kind's (mapping_for). Unmapped components go into `totals.unmapped`."""
    ensure_approved(run)
    totals = totals if totals is not None else Totals()
    by_name, by_kind = mappings_of(run.organization_id)
    templates = run.trace_templates or {}
    units = _units(run)
    period = run.period
    month = period.end.replace(day=1)
    people = {
        pk: (number, " ".join(p for p in (last, first, middle) if p))
        for pk, number, last, first, middle in Employee.objects.filter(organization_id=run.organization_id)
        .values_list("pk", "personnel_number", "last_name", "first_name", "middle_name")
        .iterator(chunk_size=chunk_size)
    }
    results = (
        EmployeeResult.objects.filter(run=run)
        .order_by("employee_id")
        .values_list("pk", "employee_id", "result", "components")
    )
    for result_id, employee_id, percent, components in results.iterator(chunk_size=chunk_size):
        number, full_name = people.get(employee_id, ("", ""))
        unit_code, unit_name = units.get(employee_id, ("", ""))
        for stored in components or ():
            name, kind, amount, withheld = stored_component(stored, templates)
            if withheld:
                continue
            totals.run_total += amount
            mapping = mapping_for(name, kind, by_name, by_kind)
            if mapping is None:
                totals.unmapped[name] = totals.unmapped.get(name, Decimal(0)) + amount
                totals.unmapped_kinds[name] = kind
                continue
            if mapping.cost_centre_source == CostCentreSource.UNIT_CODE:
                centre = unit_code
            elif mapping.cost_centre_source == CostCentreSource.UNIT_NAME:
                centre = unit_name
            elif mapping.cost_centre_source == CostCentreSource.FIXED:
                centre = mapping.cost_centre_value
            else:
                centre = ""
            key = (mapping.accrual_code, mapping.accrual_name)
            totals.by_accrual[key] = totals.by_accrual.get(key, Decimal(0)) + amount
            totals.mapped += amount
            totals.rows += 1
            yield (
                number,
                full_name,
                unit_name,
                mapping.accrual_code,
                mapping.accrual_name,
                month,
                period.start,
                period.end,
                amount,
                centre,
                run.pk,
                result_id,
                percent,
            )


GENERIC_COLUMNS = [
    Column("personnel_number", _("Personnel number")),
    Column("full_name", _("Full name")),
    Column("unit", _("Unit")),
    Column("accrual_code", _("Accrual type code")),
    Column("accrual_name", _("Accrual type")),
    Column("month", _("Registration month"), "date"),
    Column("start", _("Period from"), "date"),
    Column("end", _("Period to"), "date"),
    Column("amount", _("Amount"), "money"),
    Column("cost_centre", _("Cost centre")),
    Column("run", _("Run"), "number"),
    Column("result", _("Employee result"), "number"),
    Column("percent", _("Result, %"), "percent"),
]

# 1C:ZUP «Премия» layout: Russian headers as ZUP's «Загрузить из файла» matches them (see docs/payroll.md).
ZUP_COLUMNS = [
    "Табельный номер",
    "Сотрудник",
    "Месяц начисления",
    "Период действия с",
    "Период действия по",
    "Результат",
]


def _zup_date(value: Any) -> str:
    return value.strftime("%d.%m.%Y")


def _zup_amount(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f").replace(".", ",")


def zup_files(run: CalculationRun) -> dict[str, bytes]:
    """One CSV per accrual type (file name -> bytes), in ZUP's «Премия» layout."""
    per_type: dict[tuple[str, str], list[str]] = {}
    for row in payroll_rows(run):
        number, name, _unit, code, accrual, month, start, end, amount = row[:9]
        per_type.setdefault((code, accrual), []).append(
            ";".join(
                _field(v)
                for v in (
                    number,
                    name,
                    _zup_date(month),
                    _zup_date(start),
                    _zup_date(end),
                    _zup_amount(amount),
                )
            )
        )
    files = {}
    for (code, _accrual), lines in sorted(per_type.items()):
        text = ";".join(ZUP_COLUMNS) + "\r\n" + "".join(line + "\r\n" for line in lines)
        files[f"premiya-{_slug(code)}.csv"] = ("\ufeff" + text).encode("utf-8")
    return files


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text) or "type"


def _field(value: Any) -> str:
    from motiva.exports.tabular import csv_text

    text = csv_text(value)
    if any(ch in text for ch in ';"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


INDICATOR_COLUMNS = [
    Column("personnel_number", "Табельный номер"),
    Column("full_name", "Сотрудник"),
    Column("indicator_code", "Код показателя"),
    Column("indicator_name", "Показатель"),
    Column("value", "Значение", "number"),
    Column("month", "Месяц", "date"),
]


def indicator_rows(run: CalculationRun) -> Iterator[tuple]:
    """The run's KPI result (percent) per employee, as the indicator «KPI» for «Данные для расчета зарплаты»."""
    ensure_approved(run)
    month = run.period.end.replace(day=1)
    results = (
        EmployeeResult.objects.filter(run=run)
        .order_by("employee__personnel_number", "employee_id")
        .values_list(
            "employee__personnel_number",
            "employee__last_name",
            "employee__first_name",
            "employee__middle_name",
            "result",
        )
    )
    for number, last, first, middle, result in results.iterator(chunk_size=5000):
        yield (
            number,
            " ".join(p for p in (last, first, middle) if p),
            "KPI",
            "Результат KPI, %",
            result,
            month,
        )


def export_bytes(run: CalculationRun, layout: str, fmt: str) -> bytes:
    """The file of `layout` ("generic", "zup", "indicators") in `fmt` ("csv", "xlsx"; "zup" is always a
    ZIP of CSV files, one per accrual type). Refuses a non-approved run with NotApproved."""
    if layout == "generic":
        table = Table(GENERIC_COLUMNS, payroll_rows(run))
    elif layout == "indicators":
        table = Table(INDICATOR_COLUMNS, indicator_rows(run))
    elif layout == "zup":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in zup_files(run).items():
                info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content)
        return buffer.getvalue()
    else:
        raise InvalidInput([problem("choice", "layout", "Неизвестный макет", "Unknown layout")])
    if fmt == "csv":
        return render_csv(table)
    if fmt == "xlsx":
        return render_xlsx(table, "Payroll")
    raise InvalidInput([problem("choice", "format", "Неизвестный формат", "Unknown format")])


def mapping_save(
    *,
    actor: Any,
    organization: Any,
    accrual_code: str,
    accrual_name: str,
    component: str = "",
    kind: str = "",
    cost_centre_source: str = CostCentreSource.UNIT_CODE,
    cost_centre_value: str = "",
) -> AccrualMapping:
    """Create or change the mapping of a kind of pay component (`kind`, every component of it) or of one
    pay component by its name (`component`, which wins over its kind's); exactly one of the two.
    Validated and audited."""
    from django.db import transaction

    from motiva.core import audit

    problems = []
    component, accrual_code, accrual_name = component.strip(), accrual_code.strip(), accrual_name.strip()
    kind = kind.strip()
    if kind and component:
        problems.append(
            problem(
                "choice",
                "kind",
                "Укажите либо вид составляющей, либо её название — не то и другое",
                "Choose either the kind of pay component or its name, not both",
            )
        )
    elif kind and kind not in PayKind.values:
        problems.append(
            problem("choice", "kind", "Неизвестный вид составляющей выплаты", "Unknown kind of pay component")
        )
    elif not kind and not component:
        problems.append(
            problem(
                "required",
                "component",
                "Укажите составляющую выплаты или её вид",
                "Name the pay component or choose its kind",
            )
        )
    if not accrual_code:
        problems.append(
            problem(
                "required",
                "accrual_code",
                "Укажите код вида начисления ЗУП",
                "Give the ZUP accrual type code",
            )
        )
    if not accrual_name:
        problems.append(
            problem(
                "required", "accrual_name", "Укажите вид начисления ЗУП", "Give the ZUP accrual type name"
            )
        )
    if cost_centre_source not in CostCentreSource.values:
        problems.append(
            problem(
                "choice",
                "cost_centre_source",
                "Неизвестный источник места затрат",
                "Unknown cost centre source",
            )
        )
    if cost_centre_source == CostCentreSource.FIXED and not cost_centre_value.strip():
        problems.append(
            problem("required", "cost_centre_value", "Укажите место затрат", "Give the cost centre")
        )
    if problems:
        raise InvalidInput(problems)
    key = {"kind": kind, "component": ""} if kind else {"kind": "", "component": component}
    with transaction.atomic():
        mapping = AccrualMapping.objects.filter(organization=organization, **key).first()
        values = {
            "accrual_code": accrual_code,
            "accrual_name": accrual_name,
            "cost_centre_source": cost_centre_source,
            "cost_centre_value": cost_centre_value.strip(),
        }
        if mapping is None:
            mapping = AccrualMapping.objects.create(organization=organization, **key, **values)
            audit.record_create(actor=actor, obj=mapping, fields=["kind" if kind else "component", *values])
        else:
            audit.apply_changes(actor=actor, obj=mapping, changes=values)
    return mapping


def mapping_delete(*, actor: Any, organization: Any, component: str = "", kind: str = "") -> None:
    """Remove the mapping of a kind or of a name (a name's components then follow their kind's mapping,
    if any); audited. Refuses, naming the field, a mapping that does not exist or a request naming both."""
    from django.db import transaction

    from motiva.core import audit

    component, kind = component.strip(), kind.strip()
    if kind and component:
        # Ambiguous: removing the kind's mapping in place of the name's would change what is handed over.
        raise InvalidInput(
            [
                problem(
                    "choice",
                    "kind",
                    "Укажите либо вид составляющей, либо её название — не то и другое",
                    "Choose either the kind of pay component or its name, not both",
                )
            ]
        )
    key = {"kind": kind, "component": ""} if kind else {"kind": "", "component": component}
    with transaction.atomic():
        mapping = (
            AccrualMapping.objects.select_for_update().filter(organization=organization, **key).first()
            if kind or component
            else None
        )
        if mapping is None:
            raise InvalidInput(
                [
                    problem(
                        "not_found",
                        "kind" if kind else "component",
                        "Такого сопоставления нет",
                        "There is no such mapping",
                    )
                ]
            )
        audit.record_delete(
            actor=actor,
            obj=mapping,
            fields=[
                "kind",
                "component",
                "accrual_code",
                "accrual_name",
                "cost_centre_source",
                "cost_centre_value",
            ],
        )
        mapping.delete()
