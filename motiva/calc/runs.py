"""Calculation runs: start one (checks, the queue entry), execute it (plan, slices, store) and finish it
(hash, timings, the period's next status) — atomically and reproducibly.

The slices are computed by `motiva.calc.pool` and stored by `motiva.calc.storage`; a run started in
the background goes through `motiva.calc.tasks`."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Max
from django.utils import timezone

from motiva.calc import fetch as fetching
from motiva.calc.approvals import signatures_revoke
from motiva.calc.canonical import digest, plain
from motiva.calc.models import (
    ACTIVE_STATUSES,
    CalculationRun,
    EmployeeResult,
    LineOutcome,
    RunSignature,
    RunSlice,
    RunStatus,
)
from motiva.calc.pool import SLICE_MAX, SLICES_PER_WORKER, SliceJob, compute_slice, slice_bounds, worker_pool
from motiva.calc.storage import RunSummary, store_part, store_slice, summary_of_slices
from motiva.core import audit
from motiva.core.errors import InvalidInput, problem
from motiva.engine import ENGINE_VERSION
from motiva.engine.batch import prepare_group
from motiva.org.models import Unit
from motiva.periods.guards import ensure_open
from motiva.periods.models import Period, PeriodStatus
from motiva.periods.services import period_transition

# A run on Celery workers has at least this many slices, so that several workers share even a small run.
CELERY_SLICES_MIN = 8


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
    _fail_stale(period, scope)
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


def _fail_stale(period: Period, scope: str) -> None:
    """An active run of the scope with no sign of life for MOTIVA_CALC_STALE_SECONDS (its planning task
    or every worker lost) is failed, so that it never holds the period as "running" for ever."""
    limit = timezone.now() - dt.timedelta(seconds=settings.MOTIVA_CALC_STALE_SECONDS)
    for run in CalculationRun.objects.filter(period=period, scope_key=scope, status__in=ACTIVE_STATUSES):
        moments = RunSlice.objects.filter(run=run).aggregate(
            started=Max("started_at"), stored=Max("stored_at")
        )
        last = max(t for t in (run.created_at, run.started_at, moments["started"], moments["stored"]) if t)
        if last < limit:
            calculation_run_fail(run.pk, f"no progress since {last:%Y-%m-%d %H:%M:%S} UTC")


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


def calculation_run_execute(run_id: int, *, distributed: bool = False) -> CalculationRun:
    """The task body: claim the run, fetch, compute (reporting progress), store everything in one
    transaction. A failure marks the run failed with the reason; nothing half-written remains.

    With `distributed` (a broker is configured) the run is planned and cut into slices (`RunSlice`),
    and returns still running: the caller queues a `compute_slice` task for each (`motiva.calc.tasks`),
    and the last slice stored finishes the run (`calculation_slice_execute`)."""
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
        _execute(run, distributed)
    except Exception as error:
        calculation_run_fail(run.pk, str(error))
        raise
    run.refresh_from_db()
    return run


def calculation_run_fail(run_id: int, reason: str) -> None:
    """An active run failed: said, and whatever its slices stored is removed (a run is whole or
    nothing). A run that is finished already (done, or failed before) is left as it is: on PostgreSQL
    the update waits for a slice storing under the run's lock and then sees the run's new status."""
    with transaction.atomic():
        failed = CalculationRun.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES).update(
            status=RunStatus.FAILED, error=reason[:2000], finished_at=timezone.now()
        )
        if failed:
            EmployeeResult.objects.filter(run_id=run_id).delete()
            LineOutcome.objects.filter(run_id=run_id).delete()


def _slice_job(run: CalculationRun, *, on_worker: bool = False) -> tuple[fetching.RunPlan, SliceJob, str]:
    """What every slice of the run shares: the plan, and the group decisions (rankings and fund splits
    need every member of their scheme at once: those members are read here; everyone else is read
    slice by slice where they are computed); and a digest of both, which every slice computed
    elsewhere must find again. `on_worker`: for one slice on a Celery worker, which neither needs the
    run's employee ids (its range is in its row; at a million employees reading them for each of 200
    slices doubled the run) nor reports progress before it is stored."""
    organization = run.period.organization
    rounding, rules = organization.rounding, organization.pay_rules
    plan = fetching.fetch_plan(run.period, run.unit, employee_ids=not on_worker)
    group_ids = plan.group_scheme_ids
    group = fetching.fetch_slice(plan, scheme_ids=group_ids) if group_ids else None
    members = group.employees if group else []
    context = prepare_group(
        members, rounding, unit_facts=plan.unit_facts, corrections=plan.corrections, rules=rules
    )
    total = len(plan.employee_ids)
    job = SliceJob(run.pk, plan, context, rounding, rules, total, report_progress=not on_worker)
    shared = digest(
        {
            "plan": str(plan.hash_total),
            "members": str(group.hash_total) if group else "",
            "places": context.places,
            "shares": {key: str(value) for key, value in context.shares.items()},
        }
    )
    return plan, job, shared


def _execute(run: CalculationRun, distributed: bool) -> None:
    period = run.period
    started = time.perf_counter()
    plan, job, shared = _slice_job(run)
    total = job.total
    CalculationRun.objects.filter(pk=run.pk).update(employees_total=total, progress=5)
    planned = time.perf_counter()
    if distributed and total:
        count = max(CELERY_SLICES_MIN, -(-total // SLICE_MAX))
        RunSlice.objects.bulk_create(
            RunSlice(run=run, index=index, first_id=first, last_id=last)
            for index, (first, last) in enumerate(slice_bounds(plan.employee_ids, count))
        )
        CalculationRun.objects.filter(pk=run.pk).update(
            timings={"plan": round(planned - started, 3), "plan_digest": shared}
        )
        return
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
            _finish(run, plan, summary, total_s=time.perf_counter() - started, plan_s=planned - started)
        return
    parts = [compute_slice(bounds, job) for bounds in slices]
    with transaction.atomic():
        for part in parts:
            store_part(summary, part)
        _finish(run, plan, summary, total_s=time.perf_counter() - started, plan_s=planned - started)


def calculation_slice_execute(run_id: int, index: int) -> None:
    """A Celery worker's slice of a run: read, compute and store it, in one transaction with the count
    of the run's slices; the last one stored finishes the run. A slice delivered again after it was
    stored (late acknowledgement) stores nothing; one that keeps failing (a worker killed each time)
    fails the run after MOTIVA_CALC_SLICE_ATTEMPTS attempts. A database that cannot be reached raises
    `OperationalError` without failing the run, so that the task is tried again (`motiva.calc.tasks`)."""
    piece = RunSlice.objects.filter(run_id=run_id, index=index).first()
    if piece is None or piece.stored_at is not None:
        return
    run = CalculationRun.objects.select_related("period", "period__organization", "unit").get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return
    RunSlice.objects.filter(pk=piece.pk).update(attempts=F("attempts") + 1, started_at=timezone.now())
    attempts = RunSlice.objects.filter(pk=piece.pk).values_list("attempts", flat=True).get()
    if attempts > settings.MOTIVA_CALC_SLICE_ATTEMPTS:
        calculation_run_fail(run_id, f"slice {index} was started {attempts} times without being stored")
        return
    try:
        plan, job, shared = _slice_job(run, on_worker=True)
        if shared != run.timings.get("plan_digest"):
            # The period's shared inputs or a group scheme's members changed since the run was planned:
            # slices computed before and after would not add up (rankings, fund shares, the hash).
            raise InvalidInput(
                [
                    problem(
                        "inputs_changed",
                        "period",
                        "Данные периода изменились во время расчёта — запустите расчёт снова",
                        "The period's inputs changed during the run: start the run again",
                    )
                ]
            )
        part = compute_slice((piece.first_id, piece.last_id), job)
        with transaction.atomic():
            # The run's row first: the slices of a run store one at a time, so the count below sees
            # every slice stored before it, and exactly one finishes the run.
            if (
                not CalculationRun.objects.select_for_update()
                .filter(pk=run_id, status=RunStatus.RUNNING)
                .exists()
            ):
                return
            ensure_open(run.period)  # a period closed meanwhile takes no more rows
            locked = RunSlice.objects.select_for_update().get(pk=piece.pk)
            if locked.stored_at is not None:
                return  # stored by an earlier delivery meanwhile
            summary = store_slice(run_id, part)
            RunSlice.objects.filter(pk=piece.pk).update(stored_at=timezone.now(), summary=summary)
            slices = list(
                RunSlice.objects.filter(run_id=run_id).order_by("index").values_list("stored_at", "summary")
            )
            stored = [s for at, s in slices if at is not None]
            CalculationRun.objects.filter(pk=run_id).update(progress=5 + 90 * len(stored) // len(slices))
            if len(stored) == len(slices):
                _finish(
                    run,
                    plan,
                    summary_of_slices(run_id, stored),
                    total_s=(timezone.now() - run.started_at).total_seconds() if run.started_at else 0.0,
                    plan_s=run.timings.get("plan", 0.0),
                )
    except (OperationalError, InterfaceError):
        raise  # the database went away: the task tries again, the run stays as it is
    except Exception as error:
        calculation_run_fail(run_id, f"slice {index}: {error}")
        raise


def _finish(
    run: CalculationRun, plan: fetching.RunPlan, summary: RunSummary, *, total_s: float, plan_s: float
) -> None:
    """Inside the storing transaction: the run is done, with its hash, timings and problems. A run that
    is no longer running (failed as stale meanwhile) is not brought back: the transaction is undone."""
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
    finished = CalculationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE,
        progress=100,
        finished_at=timezone.now(),
        input_hash=input_hash,
        rounding=plain(rounding),
        trace_templates=summary.catalog,
        timings={
            "total": round(total_s, 3),
            "plan": round(plan_s, 3),
            "fetch": round(summary.fetch, 3),
            "compute": round(summary.compute, 3),
            "store": round(summary.store, 3),
            "slices": len(summary.hashes),
        },
        error="; ".join([*(p.render("ru") for p in plan.problems), *summary.problems])[:2000],
    )
    if not finished:
        raise RuntimeError(
            f"run #{run.pk} is no longer running (failed meanwhile): its results are not stored"
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
