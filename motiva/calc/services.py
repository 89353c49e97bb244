"""Calculation runs: fetch, compute, store, atomically and reproducibly; corrections with two people."""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from motiva.calc import fetch as fetching
from motiva.calc.canonical import digest, plain
from motiva.calc.models import (
    ACTIVE_STATUSES,
    Adjustment,
    AdjustmentKind,
    CalculationRun,
    EmployeeResult,
    GroupCorrection,
    RunStatus,
)
from motiva.core import audit
from motiva.core.errors import InvalidInput, problem
from motiva.engine import ENGINE_VERSION
from motiva.engine.batch import EmployeeOutcome, GroupContext, calculate_member, prepare_group
from motiva.engine.money import RoundingPolicy
from motiva.engine.problems import Severity
from motiva.org.models import Employee, Unit
from motiva.periods.guards import ensure_open
from motiva.periods.models import Period, PeriodStatus
from motiva.periods.services import period_transition

PROGRESS_STEPS = 10


def _scope_key(unit: Unit | None) -> str:
    return f"unit:{unit.pk}" if unit else "all"


@transaction.atomic
def calculation_run_start(*, actor: Any, period: Period, unit: Unit | None = None) -> CalculationRun:
    """Queue a run; refuses a closed period, another organization's unit, and a second run at once."""
    ensure_open(period)
    if unit is not None and unit.organization_id != period.organization_id:
        raise InvalidInput([problem("other_organization", "unit", "Подразделение из другой организации", "The unit belongs to another organization")])
    scope = _scope_key(unit)
    if CalculationRun.objects.filter(period=period, scope_key=scope, status__in=ACTIVE_STATUSES).exists():
        raise _already_running(period)
    previous = CalculationRun.objects.filter(period=period, scope_key=scope, status=RunStatus.DONE).order_by("-id").first()
    try:
        with transaction.atomic():
            run = CalculationRun.objects.create(
                organization_id=period.organization_id, period=period, unit=unit, scope_key=scope, previous=previous,
                created_by=actor if getattr(actor, "pk", None) else None, engine_version=ENGINE_VERSION,
            )
    except IntegrityError:
        raise _already_running(period) from None
    audit.record_create(actor=actor, obj=run, fields=["period", "unit", "scope_key"])
    return run


def _already_running(period: Period) -> InvalidInput:
    return InvalidInput([problem("run_in_progress", "period", "Расчёт периода «{p}» уже выполняется", "A run for “{p}” is already in progress", p=period.name)])


def calculation_run_execute(run_id: int) -> CalculationRun:
    """The task body: claim the run, fetch, compute (reporting progress), store everything in one
    transaction. A failure marks the run failed with the reason; nothing half-written remains."""
    claimed = CalculationRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(status=RunStatus.RUNNING, started_at=timezone.now())
    run = CalculationRun.objects.select_related("period", "period__organization", "unit").get(pk=run_id)
    if not claimed:
        return run  # another worker has it, or it is finished
    try:
        _execute(run)
    except Exception as error:
        CalculationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now())
        raise
    run.refresh_from_db()
    return run


def _execute(run: CalculationRun) -> None:
    period = run.period
    organization = period.organization
    rounding = organization.rounding
    started = time.perf_counter()
    inputs = fetching.fetch_run_inputs(period, run.unit)
    fetched = time.perf_counter()
    total = len(inputs.employees)
    CalculationRun.objects.filter(pk=run.pk).update(employees_total=total, progress=5)
    cap = organization.disciplinary_cap_percent if organization.disciplinary_cap_enabled else None
    context = prepare_group(inputs.employees, rounding, unit_facts=inputs.unit_facts, corrections=inputs.corrections)
    # Each result is turned into a row as soon as it is computed: a run of 100 000 people never holds
    # every outcome with its trace at once. Large runs are split between worker processes.
    catalog: dict[str, list[str]] = {}
    rows: list[tuple[Any, ...]] = []
    job = _Job(run.pk, inputs, context, rounding, cap)
    workers = settings.MOTIVA_CALC_WORKERS if total >= settings.MOTIVA_CALC_PARALLEL_MIN else 1
    slices = [(start, min(total, start + _SLICE)) for start in range(0, total, _SLICE)]
    done = 0
    for slice_rows, slice_catalog in _compute_slices(job, slices, workers):
        rows.extend(slice_rows)
        catalog.update(slice_catalog)
        done += len(slice_rows)
        CalculationRun.objects.filter(pk=run.pk).update(progress=min(90, 5 + 85 * done // max(1, total)))
    computed = time.perf_counter()
    # The rows read, the engine version and the policy determine the result entirely.
    input_hash = digest({"engine": ENGINE_VERSION, "rounding": rounding, "rows": inputs.digest, "disciplinary_cap": cap})
    with transaction.atomic():
        ensure_open(period)
        _store(rows)
        stored = time.perf_counter()
        CalculationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, progress=100, finished_at=timezone.now(), input_hash=input_hash, rounding=plain(rounding),
            trace_templates=catalog,
            timings={"fetch": round(fetched - started, 3), "compute": round(computed - fetched, 3), "store": round(stored - computed, 3)},
            error="; ".join(p.render("ru") for p in inputs.problems)[:2000],
        )
        if period.status == PeriodStatus.REVIEW and run.unit_id is None:
            # A whole-organization run of a period under review moves it on to "calculated".
            period_transition(actor=run.created_by, period=period, to_status=PeriodStatus.CALCULATED, reason=f"run #{run.pk}")


_SLICE = 500


@dataclass(frozen=True)
class _Job:
    run_id: int
    inputs: fetching.RunInputs
    context: GroupContext
    rounding: RoundingPolicy
    cap: Decimal | None


_CURRENT_JOB: _Job | None = None  # what forked workers inherit


def _compute_slice(bounds: tuple[int, int]) -> tuple[list[tuple[Any, ...]], dict[str, list[str]]]:
    job = _CURRENT_JOB
    assert job is not None
    catalog: dict[str, list[str]] = {}
    rows = []
    for employee in job.inputs.employees[bounds[0] : bounds[1]]:
        outcome = calculate_member(employee, job.context, job.rounding, disciplinary_cap=job.cap)
        rows.append(_result_row(job.run_id, outcome, job.inputs.cards[outcome.key], catalog))
    return rows, catalog


def _compute_slices(job: _Job, slices: list[tuple[int, int]], workers: int) -> Iterator[tuple[list[tuple[Any, ...]], dict[str, list[str]]]]:
    """Slices in order, in this process or in forked workers (which only compute: no database)."""
    global _CURRENT_JOB
    _CURRENT_JOB = job
    try:
        if workers <= 1 or len(slices) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            for bounds in slices:
                yield _compute_slice(bounds)
            return
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_compute_slice, slices)
    finally:
        _CURRENT_JOB = None


RESULT_COLUMNS = ["run_id", "employee_id", "card_id", "result", "level_results", "pay", "proration", "lines", "components", "trace",
                  "problems", "has_errors"]


def _store(rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL takes the rows by COPY (no SQL text to build and quote for megabytes of traces);
    other databases by one prepared INSERT executed for every row."""
    table = EmployeeResult._meta.db_table
    columns = ", ".join(f'"{column}"' for column in RESULT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(RESULT_COLUMNS))
        for start in range(0, len(rows), 5000):
            # table and column names are constants of this module, never user input
            cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({placeholders})', rows[start : start + 5000])  # noqa: S608


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _result_row(run_id: int, outcome: EmployeeOutcome, card_id: int, catalog: dict[str, list[str]]) -> tuple[Any, ...]:
    """One employee's result as the column values of RESULT_COLUMNS, JSON already encoded."""
    card = outcome.card
    pay = outcome.pay
    return (
        run_id, int(outcome.key), card_id, card.total,
        _json({level: str(value) for level, value in card.level_results.items()}),
        pay.total if pay else Decimal(0),
        pay.proration.quantize(Decimal("0.000001")) if pay else Decimal(1),
        _json([{
            "key": line.key, "title": line.title, "level": line.level, "weight": str(line.weight), "indicator": line.indicator_code,
            "fact": None if line.fact is None else str(line.fact), "score": None if line.score is None else str(line.score),
            "multiplier": None if line.multiplier is None else str(line.multiplier), "weighted": str(line.weighted),
            "steps": [s.compact(catalog) for s in line.steps],
        } for line in card.lines]),
        _json([] if pay is None else [
            {"ru": c.name.render("ru"), "en": c.name.render("en"), "amount": str(c.amount), "steps": [s.compact(catalog) for s in c.steps]}
            for c in pay.components
        ]),
        _json({"card": [s.compact(catalog) for s in card.steps], "pay": [] if pay is None else [s.compact(catalog) for s in pay.steps]}),
        _json([{"code": p.code, "field": p.field, "ru": p.render("ru"), "en": p.render("en"), "severity": p.severity.value}
               for p in outcome.problems]),
        any(p.severity is Severity.ERROR for p in outcome.problems),
    )


def calculation_run_create(*, actor: Any, period: Period, unit: Unit | None = None) -> CalculationRun:
    """Start and execute a run in this process (the command line, tests and benchmarks use it)."""
    run = calculation_run_start(actor=actor, period=period, unit=unit)
    return calculation_run_execute(run.pk)


def calculation_run_enqueue(*, actor: Any, period: Period, unit: Unit | None = None) -> CalculationRun:
    """Start a run in the background (a Celery worker, or in-process when no broker is configured)."""
    from motiva.calc.tasks import execute_run

    run = calculation_run_start(actor=actor, period=period, unit=unit)
    transaction.on_commit(lambda: execute_run.delay(run.pk))
    return run


def run_difference(run: CalculationRun) -> list[dict[str, Any]]:
    """Employee by employee: what changed against the previous run of the same period and scope."""
    if run.previous_id is None:
        return []
    before = {r["employee_id"]: r for r in EmployeeResult.objects.filter(run_id=run.previous_id).values("employee_id", "result", "pay")}
    after = {r["employee_id"]: r for r in EmployeeResult.objects.filter(run=run).values("employee_id", "result", "pay")}
    names = dict(Employee.objects.filter(pk__in=before.keys() | after.keys()).values_list("pk", "last_name"))
    changes = []
    for employee_id in sorted(before.keys() | after.keys(), key=lambda pk: names.get(pk, "")):
        old, new = before.get(employee_id), after.get(employee_id)
        if old and new and old["result"] == new["result"] and old["pay"] == new["pay"]:
            continue
        changes.append({
            "employee_id": employee_id, "name": names.get(employee_id, ""),
            "result_before": old["result"] if old else None, "result_after": new["result"] if new else None,
            "pay_before": old["pay"] if old else None, "pay_after": new["pay"] if new else None,
            "pay_delta": (new["pay"] if new else Decimal(0)) - (old["pay"] if old else Decimal(0)),
        })
    return changes


@transaction.atomic
def adjustment_create(*, actor: Any, period: Period, employee: Employee, amount: Decimal, reason: str, kind: str = AdjustmentKind.MANUAL) -> Adjustment:
    ensure_open(period)
    problems = []
    if not reason or not reason.strip():
        problems.append(problem("required", "reason", "Укажите обоснование корректировки", "Give the reason for the adjustment"))
    if kind not in AdjustmentKind.values:
        problems.append(problem("choice", "kind", "Неизвестный вид корректировки", "Unknown adjustment kind"))
    if kind == AdjustmentKind.DISCIPLINARY and amount > 0:
        problems.append(problem("sign", "amount", "Снижение за взыскание — отрицательная сумма", "A disciplinary reduction is a negative amount"))
    if employee.organization_id != period.organization_id:
        problems.append(problem("other_organization", "employee", "Сотрудник из другой организации", "The employee belongs to another organization"))
    if problems:
        raise InvalidInput(problems)
    adjustment = Adjustment.objects.create(
        organization_id=period.organization_id, period=period, employee=employee, amount=amount, reason=reason.strip(), kind=kind,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record_create(actor=actor, obj=adjustment, fields=["employee", "kind", "amount", "reason"], reason=reason)
    return adjustment


@transaction.atomic
def adjustment_approve(*, actor: Any, adjustment: Adjustment) -> Adjustment:
    """The second signature: someone other than the author; only approved adjustments count."""
    ensure_open(adjustment.period)
    if adjustment.created_by_id == getattr(actor, "pk", None):
        raise InvalidInput([problem("second_approver", "approved_by", "Корректировку утверждает другой человек, не автор",
                                    "An adjustment is approved by someone other than its author")])
    if adjustment.employee.user_id is not None and adjustment.employee.user_id == getattr(actor, "pk", None):
        raise InvalidInput([problem("own_pay", "approved_by", "Нельзя утверждать корректировку своей оплаты", "You cannot approve an adjustment of your own pay")])
    audit.apply_changes(actor=actor, obj=adjustment, changes={"approved_by": actor, "approved_at": timezone.now()})
    return adjustment


@transaction.atomic
def group_correction_set(*, actor: Any, period: Period, unit: Unit, coefficient: Decimal, reason: str) -> GroupCorrection:
    ensure_open(period)
    problems = []
    if not Decimal(0) <= coefficient <= Decimal(2):
        problems.append(problem("range", "coefficient", "Коэффициент корректировки от 0 до 2", "The correction coefficient is 0 to 2"))
    if not reason.strip():
        problems.append(problem("required", "reason", "Укажите обоснование", "Give the reason"))
    if problems:
        raise InvalidInput(problems)
    correction, created = GroupCorrection.objects.update_or_create(
        period=period, unit=unit,
        defaults={"organization_id": period.organization_id, "coefficient": coefficient, "reason": reason, "created_by": actor, "approved_by": None},
    )
    audit.record(actor=actor, obj=correction, action="create" if created else "update", after={"coefficient": str(coefficient)}, reason=reason)
    return correction


@transaction.atomic
def group_correction_approve(*, actor: Any, correction: GroupCorrection) -> GroupCorrection:
    ensure_open(correction.period)
    if correction.created_by_id == getattr(actor, "pk", None):
        raise InvalidInput([problem("second_approver", "approved_by", "Корректировку утверждает другой человек, не автор",
                                    "A correction is approved by someone other than its author")])
    audit.apply_changes(actor=actor, obj=correction, changes={"approved_by": actor})
    return correction
