"""Approving a period's results: the direct managers sign for their reports, then the general
director approves, then HR and finance sign off and the period can close.

Nobody signs a run that contains their own pay (a manager's signature covers only their reports).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction

from motiva.calc.models import CalculationRun, EmployeeResult, RunSignature, RunStatus, SignatureKind
from motiva.core import audit
from motiva.core.errors import InvalidInput, problem
from motiva.org.models import Assignment, Employee, Unit
from motiva.org.selectors import active_on
from motiva.periods.models import Period, PeriodStatus
from motiva.periods.services import period_transition


def latest_run(period: Period) -> CalculationRun | None:
    """The run whose results the period's approval is about: the latest finished whole-organization run."""
    return CalculationRun.objects.filter(period=period, unit__isnull=True, status=RunStatus.DONE).order_by("-id").first()


def direct_managers(run: CalculationRun) -> dict[int, set[int]]:
    """Manager's employee id → the ids of their direct reports in the run. The direct manager is the one
    named on the assignment at the end of the period; otherwise the head of the employee's unit, or of
    the nearest unit above it with a head (never the employee themselves)."""
    period = run.period
    units = {pk: (head_id, path) for pk, head_id, path in Unit.objects.filter(organization_id=run.organization_id).values_list("pk", "head_id", "path")}
    reports: dict[int, set[int]] = defaultdict(set)
    rows = Assignment.objects.filter(active_on(period.end), employee_id__in=EmployeeResult.objects.filter(run=run).values("employee_id"))
    for employee_id, manager_id, unit_id in rows.values_list("employee_id", "manager_id", "unit_id"):
        manager = manager_id if manager_id and manager_id != employee_id else None
        if manager is None and unit_id in units:
            ancestors = [int(part) for part in units[unit_id][1].strip("/").split("/") if part]
            for ancestor in reversed(ancestors):
                head = units.get(ancestor, (None, ""))[0]
                if head and head != employee_id:
                    manager = head
                    break
        if manager:
            reports[manager].add(employee_id)
    return dict(reports)


def signatures(run: CalculationRun) -> dict[str, list[RunSignature]]:
    found: dict[str, list[RunSignature]] = defaultdict(list)
    for signature in RunSignature.objects.filter(run=run).select_related("signer", "signer_employee"):
        found[signature.kind].append(signature)
    return dict(found)


def missing_manager_signatures(run: CalculationRun, *, except_employee: int | None = None) -> list[Employee]:
    signed = set(RunSignature.objects.filter(run=run, kind=SignatureKind.MANAGER).values_list("signer_employee_id", flat=True))
    missing = [pk for pk in direct_managers(run) if pk not in signed and pk != except_employee]
    return list(Employee.objects.filter(pk__in=missing).order_by("last_name", "first_name"))


def _employee_of(actor: Any) -> Employee | None:
    return Employee.objects.filter(user=actor).first() if getattr(actor, "pk", None) else None


def _refuse(code: str, ru: str, en: str, **params: Any) -> InvalidInput:
    return InvalidInput([problem(code, "signature", ru, en, **params)])


@transaction.atomic
def run_sign(*, actor: Any, run: CalculationRun, kind: str, comment: str = "") -> RunSignature:
    """Sign the run in the role `kind`; the general director's signature approves the period."""
    period = Period.objects.select_for_update().get(pk=run.period_id)
    if run.status != RunStatus.DONE or latest_run(period) != run:
        raise _refuse("not_latest", "Подписывается только последний завершённый расчёт периода", "Only the period's latest finished run is signed")
    if kind not in SignatureKind.values:
        raise _refuse("choice", "Неизвестный вид подписи", "Unknown kind of signature")
    employee = _employee_of(actor)
    expected = PeriodStatus.APPROVED if kind in (SignatureKind.HR, SignatureKind.FINANCE) else PeriodStatus.CALCULATED
    if period.status != expected:
        raise _refuse("status", "Сейчас эту подпись поставить нельзя: период в статусе «{s}»", "This signature cannot be given now: the period is “{s}”",
                      s=period.get_status_display())
    if RunSignature.objects.filter(run=run, kind=kind, signer=actor).exists():
        raise _refuse("already_signed", "Вы уже подписали этот расчёт", "You have already signed this run")
    if kind in (SignatureKind.HR, SignatureKind.FINANCE) and RunSignature.objects.filter(
            run=run, signer=actor, kind__in=[SignatureKind.HR, SignatureKind.FINANCE]).exists():
        raise _refuse("two_people", "Подписи HR и финансов ставят два разных человека", "The HR and finance sign-offs come from two different people")
    if kind == SignatureKind.MANAGER:
        if employee is None or employee.pk not in direct_managers(run):
            raise _refuse("not_manager", "В расчёте нет ваших прямых подчинённых", "The run has none of your direct reports")
    elif employee is not None and EmployeeResult.objects.filter(run=run, employee=employee).exists():
        raise _refuse("own_pay", "В расчёте есть ваша собственная премия: эту подпись ставит другой человек",
                      "The run contains your own pay: someone else gives this signature")
    if kind == SignatureKind.EXECUTIVE:
        missing = missing_manager_signatures(run, except_employee=employee.pk if employee else None)
        if missing:
            raise _refuse("managers_first", "Сначала результаты подписывают руководители: {names}", "The managers sign first: {names}",
                          names=", ".join(str(m) for m in missing))
    signature = RunSignature.objects.create(run=run, kind=kind, signer=actor, signer_employee=employee, comment=comment.strip())
    audit.record_create(actor=actor, obj=signature, fields=["run", "kind", "comment"])
    if kind == SignatureKind.EXECUTIVE:
        period_transition(actor=actor, period=period, to_status=PeriodStatus.APPROVED, reason=f"run #{run.pk}")
    return signature


@transaction.atomic
def period_close(*, actor: Any, period: Period) -> Period:
    """Close an approved period once HR and finance have signed off its latest run."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    run = latest_run(period)
    if period.status != PeriodStatus.APPROVED or run is None:
        raise _refuse("status", "Закрыть можно только утверждённый период", "Only an approved period can be closed")
    kinds = set(RunSignature.objects.filter(run=run).values_list("kind", flat=True))
    labels = ((SignatureKind.EXECUTIVE, "генерального директора", "the general director"), (SignatureKind.HR, "HR", "HR"),
              (SignatureKind.FINANCE, "финансов", "finance"))
    missing = [(ru, en) for kind, ru, en in labels if kind not in kinds]
    if missing:
        raise _refuse("sign_off_first", "Перед закрытием нужны подписи: " + ", ".join(ru for ru, _en in missing),
                      "Closing needs the signatures of: " + ", ".join(en for _ru, en in missing))
    return period_transition(actor=actor, period=period, to_status=PeriodStatus.CLOSED, reason=f"run #{run.pk}")
