"""Calculation runs: start one (checks, the queue entry), execute it (plan, slices, store) and finish it
(hash, timings, the period's next status) — atomically and reproducibly.

The slices are computed by `motiva.calc.pool` and stored by `motiva.calc.storage`; a run started in
the background goes through `motiva.calc.tasks`."""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from motiva.calc import fetch as fetching
from motiva.calc.approvals import signatures_revoke
from motiva.calc.canonical import digest, plain
from motiva.calc.models import ACTIVE_STATUSES, CalculationRun, RunSignature, RunStatus
from motiva.calc.pool import SLICE_MAX, SLICES_PER_WORKER, SliceJob, compute_slice, slice_bounds, worker_pool
from motiva.calc.storage import RunSummary, store_part
from motiva.core import audit
from motiva.core.errors import InvalidInput, problem
from motiva.engine import ENGINE_VERSION
from motiva.engine.batch import prepare_group
from motiva.org.models import Unit
from motiva.periods.guards import ensure_open
from motiva.periods.models import Period, PeriodStatus
from motiva.periods.services import period_transition


def _scope_key(unit: Unit | None) -> str:
    return f"unit:{unit.pk}" if unit else "all"


@transaction.atomic
def calculation_run_start(
    *, actor: Any, period: Period, unit: Unit | None = None, reason: str = ""
) -> CalculationRun:
    """Queue a run; refuses a closed period, another organization's unit, and a second run at once.
    A whole-organization run of a period whose results already carry signatures revokes them when it
    finishes: it needs the reason, which stays with the revoked signatures and in the audit log."""
    ensure_open(period)
    if unit is not None and unit.organization_id != period.organization_id:
        raise InvalidInput(
            [
                problem(
                    "other_organization",
                    "unit",
                    "Подразделение из другой организации",
                    "The unit belongs to another organization",
                )
            ]
        )
    reason = reason.strip()
    if len(reason) > 2000:
        raise InvalidInput(
            [
                problem(
                    "too_long",
                    "reason",
                    "Причина длиннее 2000 знаков",
                    "The reason is longer than 2000 characters",
                )
            ]
        )
    if (
        unit is None
        and not reason
        and RunSignature.objects.filter(run__period=period, revoked_at__isnull=True).exists()
    ):
        raise InvalidInput(
            [
                problem(
                    "reason_required",
                    "reason",
                    "Результаты периода «{p}» уже подписаны: новый расчёт отзовёт подписи. Укажите причину пересчёта.",
                    "The results of “{p}” are already signed: a new run revokes the signatures. Give the reason for the recalculation.",
                    p=period.name,
                )
            ]
        )
    scope = _scope_key(unit)
    if CalculationRun.objects.filter(period=period, scope_key=scope, status__in=ACTIVE_STATUSES).exists():
        raise _already_running(period)
    previous = (
        CalculationRun.objects.filter(period=period, scope_key=scope, status=RunStatus.DONE)
        .order_by("-id")
        .first()
    )
    try:
        with transaction.atomic():
            run = CalculationRun.objects.create(
                organization_id=period.organization_id,
                period=period,
                unit=unit,
                scope_key=scope,
                previous=previous,
                created_by=actor if getattr(actor, "pk", None) else None,
                engine_version=ENGINE_VERSION,
                reason=reason,
            )
    except IntegrityError:
        raise _already_running(period) from None
    audit.record_create(actor=actor, obj=run, fields=["period", "unit", "scope_key", "reason"], reason=reason)
    return run


def _already_running(period: Period) -> InvalidInput:
    return InvalidInput(
        [
            problem(
                "run_in_progress",
                "period",
                "Расчёт периода «{p}» уже выполняется",
                "A run for “{p}” is already in progress",
                p=period.name,
            )
        ]
    )


def calculation_run_execute(run_id: int) -> CalculationRun:
    """The task body: claim the run, fetch, compute (reporting progress), store everything in one
    transaction. A failure marks the run failed with the reason; nothing half-written remains."""
    period_id = CalculationRun.objects.filter(pk=run_id).values_list("period_id", flat=True).first()
    with transaction.atomic():
        # The period's row is locked before the run is claimed: every write into the period still open
        # (each holds a share lock on it, `ensure_open`) commits first, so any change recorded before
        # `started_at` is read by the run and any later one makes it out of date (calc.approvals).
        list(Period.objects.select_for_update().filter(pk=period_id).values_list("pk", flat=True))
        claimed = CalculationRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
            status=RunStatus.RUNNING, started_at=timezone.now()
        )
    run = CalculationRun.objects.select_related("period", "period__organization", "unit").get(pk=run_id)
    if not claimed:
        return run  # another worker has it, or it is finished
    try:
        _execute(run)
    except Exception as error:
        CalculationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def _execute(run: CalculationRun) -> None:
    period = run.period
    organization = period.organization
    rounding = organization.rounding
    started = time.perf_counter()
    plan = fetching.fetch_plan(period, run.unit)
    total = len(plan.employee_ids)
    CalculationRun.objects.filter(pk=run.pk).update(employees_total=total, progress=5)
    rules = organization.pay_rules
    # Rankings and fund splits need every member of their scheme at once: those members are read here.
    # Everyone else is read slice by slice where they are computed.
    group_ids = plan.group_scheme_ids
    members = fetching.fetch_slice(plan, scheme_ids=group_ids).employees if group_ids else []
    context = prepare_group(
        members, rounding, unit_facts=plan.unit_facts, corrections=plan.corrections, rules=rules
    )
    planned = time.perf_counter()
    job = SliceJob(run.pk, plan, context, rounding, rules, total)
    parallel = (
        settings.MOTIVA_CALC_WORKERS > 1
        and total >= settings.MOTIVA_CALC_PARALLEL_MIN
        and "fork" in multiprocessing.get_all_start_methods()
    )
    count = max(settings.MOTIVA_CALC_WORKERS * SLICES_PER_WORKER, -(-total // SLICE_MAX)) if parallel else 1
    slices = slice_bounds(plan.employee_ids, count)
    summary = RunSummary(run.pk)
    if parallel:
        # Worker processes read and compute slices while this process writes their rows into the one
        # transaction that stores the run (COPY on PostgreSQL; SQLite's WAL lets the workers read
        # meanwhile): neither side ever holds every employee at once.
        with worker_pool(job, settings.MOTIVA_CALC_WORKERS) as pool, transaction.atomic():
            ensure_open(period)
            for part in pool.imap(compute_slice, slices):
                store_part(summary, part)
            _finish(run, plan, summary, started, planned)
        return
    parts = [compute_slice(bounds, job) for bounds in slices]
    with transaction.atomic():
        for part in parts:
            store_part(summary, part)
        _finish(run, plan, summary, started, planned)


def _finish(
    run: CalculationRun, plan: fetching.RunPlan, summary: RunSummary, started: float, planned: float
) -> None:
    """Inside the storing transaction: the run is done, with its hash, timings and problems."""
    period = run.period
    ensure_open(period)
    rounding = period.organization.rounding
    rules = period.organization.pay_rules
    # The rows read, the engine version and the policy determine the result entirely.
    input_hash = digest(
        {
            "engine": ENGINE_VERSION,
            "rounding": rounding,
            "rows": fetching.combine_hashes(
                plan.hash_total, *summary.hashes, plan.scales_hash(summary.scale_ids)
            ),
            "pay_rules": rules,
        }
    )
    finished = time.perf_counter()
    CalculationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE,
        progress=100,
        finished_at=timezone.now(),
        input_hash=input_hash,
        rounding=plain(rounding),
        trace_templates=summary.catalog,
        timings={
            "total": round(finished - started, 3),
            "plan": round(planned - started, 3),
            "fetch": round(summary.fetch, 3),
            "compute": round(summary.compute, 3),
            "store": round(summary.store, 3),
            "slices": len(summary.hashes),
        },
        error="; ".join(p.render("ru") for p in [*plan.problems, *summary.problems])[:2000],
    )
    if run.unit_id is None:
        # The new results supersede the earlier runs: their signatures are revoked, with the reason.
        signatures_revoke(actor=run.created_by, run=run)
    if period.status == PeriodStatus.REVIEW and run.unit_id is None:
        # A whole-organization run of a period under review moves it on to "calculated".
        period_transition(
            actor=run.created_by, period=period, to_status=PeriodStatus.CALCULATED, reason=f"run #{run.pk}"
        )
    elif period.status == PeriodStatus.APPROVED and run.unit_id is None:
        # New results of an approved period need a new approval: back to review, then calculated.
        period_transition(
            actor=run.created_by, period=period, to_status=PeriodStatus.REVIEW, reason=f"new run #{run.pk}"
        )
        period_transition(
            actor=run.created_by, period=period, to_status=PeriodStatus.CALCULATED, reason=f"run #{run.pk}"
        )


def calculation_run_create(
    *, actor: Any, period: Period, unit: Unit | None = None, reason: str = ""
) -> CalculationRun:
    """Start and execute a run in this process (the command line, tests and benchmarks use it)."""
    run = calculation_run_start(actor=actor, period=period, unit=unit, reason=reason)
    return calculation_run_execute(run.pk)
