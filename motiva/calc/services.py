"""Calculation runs: fetch, compute, store, atomically and reproducibly; corrections with two people."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from motiva.calc import fetch as fetching
from motiva.calc.approvals import signatures_revoke
from motiva.calc.canonical import digest, plain
from motiva.calc.models import (
    ACTIVE_STATUSES,
    Adjustment,
    AdjustmentKind,
    CalculationRun,
    EmployeeResult,
    GroupCorrection,
    LineOutcome,
    RunSignature,
    RunStatus,
)
from motiva.core import audit
from motiva.core.errors import InvalidInput, problem
from motiva.engine import ENGINE_VERSION
from motiva.engine.batch import EmployeeOutcome, GroupContext, calculate_member, prepare_group
from motiva.engine.money import RoundingPolicy
from motiva.engine.problems import Severity
from motiva.engine.types import PayRules
from motiva.org.models import Employee, Unit
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
    job = _Job(run.pk, plan, context, rounding, rules, total)
    parallel = (
        settings.MOTIVA_CALC_WORKERS > 1
        and total >= settings.MOTIVA_CALC_PARALLEL_MIN
        and "fork" in multiprocessing.get_all_start_methods()
    )
    count = max(settings.MOTIVA_CALC_WORKERS * _SLICES_PER_WORKER, -(-total // _SLICE_MAX)) if parallel else 1
    slices = _slice_bounds(plan.employee_ids, count)
    summary = _Summary(run.pk)
    if parallel:
        # Worker processes read and compute slices while this process writes their rows into the one
        # transaction that stores the run (COPY on PostgreSQL; SQLite's WAL lets the workers read
        # meanwhile): neither side ever holds every employee at once.
        with _workers(job, settings.MOTIVA_CALC_WORKERS) as pool, transaction.atomic():
            ensure_open(period)
            for part in pool.imap(_compute_slice, slices):
                _store_part(summary, part)
            _finish(run, plan, summary, started, planned)
        return
    parts = [_compute_slice(bounds, job) for bounds in slices]
    with transaction.atomic():
        for part in parts:
            _store_part(summary, part)
        _finish(run, plan, summary, started, planned)


def _finish(
    run: CalculationRun, plan: fetching.RunPlan, summary: _Summary, started: float, planned: float
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


_SLICES_PER_WORKER = 4  # more slices than workers: progress moves, and a slow slice does not hold the others
_SLICE_MAX = 5000  # employees a worker holds at once


def _slice_bounds(employee_ids: list[int], count: int) -> list[tuple[int, int]]:
    """Employee id ranges: `count` slices of about equal size, in id order."""
    if not employee_ids:
        return []
    size = -(-len(employee_ids) // max(1, count))
    return [
        (employee_ids[start], employee_ids[min(len(employee_ids), start + size) - 1])
        for start in range(0, len(employee_ids), size)
    ]


@dataclass(frozen=True)
class _Job:
    run_id: int
    plan: fetching.RunPlan
    context: GroupContext
    rounding: RoundingPolicy
    rules: PayRules
    total: int


@dataclass
class _SlicePart:
    rows: list[tuple[Any, ...]] | bytes  # bytes: COPY text for PostgreSQL
    outcomes: dict[str, str]
    catalog: dict[str, list[str]]
    problems: list[Any]
    hash_total: int
    scale_ids: set[int]
    fetch: float
    compute: float


@dataclass
class _Summary:
    run_id: int
    catalog: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Any] = field(default_factory=list)
    hashes: list[int] = field(default_factory=list)
    scale_ids: set[int] = field(default_factory=set)
    fetch: float = 0.0
    compute: float = 0.0
    store: float = 0.0  # the storing process's time writing rows (with workers, while they compute)
    stored_refs: set[str] = field(default_factory=set)

    def add(self, part: _SlicePart) -> list[tuple[Any, ...]]:
        """Takes a slice's figures; returns the rows of its line outcomes not stored yet."""
        self.catalog.update(part.catalog)
        self.problems.extend(part.problems)
        self.hashes.append(part.hash_total)
        self.scale_ids |= part.scale_ids
        self.fetch += part.fetch
        self.compute += part.compute
        new = [
            (self.run_id, ref, content)
            for ref, content in part.outcomes.items()
            if ref not in self.stored_refs
        ]
        self.stored_refs.update(part.outcomes)
        return new


_CURRENT_JOB: _Job | None = None  # what forked workers inherit


def _compute_slice(bounds: tuple[int, int], job: _Job | None = None) -> _SlicePart:
    """Read one slice of cards, compute it and turn every result into a row; report progress."""
    job = job or _CURRENT_JOB
    assert job is not None
    # The cyclic garbage collector is paused for the slice: a slice makes hundreds of thousands of
    # small objects, freed by reference counting, and every collection would walk all those alive
    # (it cost a third of the compute time). Whatever cycles a slice leaves are collected at its end.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_and_compute(bounds, job)
    finally:
        if collecting:
            gc.enable()
            gc.collect(0)


def _read_and_compute(bounds: tuple[int, int], job: _Job) -> _SlicePart:
    started = time.perf_counter()
    part = fetching.fetch_slice(job.plan, bounds[0], bounds[1])
    fetched = time.perf_counter()
    encoder = _RowEncoder(job.run_id)
    rows = []
    for employee in part.employees:
        outcome = calculate_member(employee, job.context, job.rounding, rules=job.rules)
        rows.append(encoder.row(outcome, part.cards[outcome.key]))
    if connection.vendor == "postgresql":
        rows = _copy_text(rows)  # type: ignore[assignment]
    computed = time.perf_counter()
    if job.total and (job is not _CURRENT_JOB or connection.vendor == "postgresql"):
        # A worker reports progress on its own connection; on SQLite the storing transaction holds the
        # only write lock, so there the run shows its progress when it is stored.
        CalculationRun.objects.filter(pk=job.run_id).update(
            progress=F("progress") + 85 * len(part.employees) // job.total
        )
    return _SlicePart(
        rows,
        encoder.outcomes,
        encoder.catalog,
        part.problems,
        part.hash_total,
        part.scale_ids,
        fetched - started,
        computed - fetched,
    )


@contextmanager
def _workers(job: _Job, count: int) -> Iterator[Any]:
    """Forked worker processes that inherit the job. Connections are closed first so that each worker
    opens its own; this process reconnects on its next query."""
    global _CURRENT_JOB
    connections.close_all()
    _CURRENT_JOB = job
    try:
        with multiprocessing.get_context("fork").Pool(count, initializer=_worker_start) as pool:
            yield pool
    finally:
        _CURRENT_JOB = None


def _worker_start() -> None:
    """A worker's connection: on PostgreSQL without parallel query plans, because the run's workers
    already keep every core busy (a parallel plan would only add processes competing for them)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")


RESULT_COLUMNS = [
    "run_id",
    "employee_id",
    "card_id",
    "result",
    "level_results",
    "pay",
    "proration",
    "lines",
    "components",
    "trace",
    "problems",
    "has_errors",
]
LINE_COLUMNS = ["run_id", "ref", "content"]


def _copy_text(rows: list[tuple[Any, ...]]) -> bytes:
    """Result rows (RESULT_COLUMNS, the last one a boolean) in PostgreSQL's COPY text format, made where
    they are computed (a worker), so that the process storing them only passes the bytes on. No value
    is NULL; JSON holds no raw tab or newline (it escapes them), so only backslashes need doubling."""
    lines = []
    for row in rows:
        lines.append("\t".join(map(str, row[:-1])) + ("\tt\n" if row[-1] else "\tf\n"))
    return "".join(lines).replace("\\", "\\\\").encode()


def _store_part(summary: _Summary, part: _SlicePart) -> None:
    """A computed slice into the storing transaction: its line outcomes not stored yet, then its results."""
    started = time.perf_counter()
    _store(LineOutcome, LINE_COLUMNS, summary.add(part))
    _store(EmployeeResult, RESULT_COLUMNS, part.rows)
    summary.store += time.perf_counter() - started


def _store(model: Any, columns: list[str], rows: list[tuple[Any, ...]] | bytes) -> None:
    """PostgreSQL takes the rows by COPY (no SQL text to build and quote for megabytes of traces),
    given as tuples or already in COPY's text format; other databases by one prepared INSERT executed
    for every row."""
    if not rows:
        return
    table = model._meta.db_table
    names = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                if isinstance(rows, bytes):
                    copy.write(rows)
                else:
                    for row in rows:
                        copy.write_row(row)
            return
        assert not isinstance(rows, bytes)
        placeholders = ", ".join(["%s"] * len(columns))
        for start in range(0, len(rows), 5000):
            # table and column names are constants of this module, never user input
            cursor.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({placeholders})',  # noqa: S608
                rows[start : start + 5000],
            )


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


class _RowEncoder:
    """Turns outcomes into rows of RESULT_COLUMNS (JSON already encoded) for one slice. The wording of
    every step used goes once into `catalog`. A line's result (its figures and trace) is stored once a
    run as a LineOutcome, under a hash of its content: the company's and a unit's lines, and lines with
    equal facts, repeat on many cards (the engine then shares their steps), so each is encoded once a
    slice, and an employee's row holds only the line keys and their references."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.catalog: dict[str, list[Any]] = {}
        self.outcomes: dict[str, str] = {}  # ref → content (JSON), the line results of this slice
        self._refs: dict[tuple[Any, ...], str] = {}
        # a pay component's name (most are the scheme's constants) and kind → its catalog id
        self._names: dict[tuple[int, str], str] = {}
        self._kept: list[Any] = []  # the names above, kept alive so that their ids are not reused

    def _name(self, name: Any, kind: str) -> str:
        """A pay component's name, rendered in both languages, and its kind (engine.types.ComponentKind)
        go into the catalog once as [ru, en, kind]; rows refer to it. Runs stored before the kind have
        [ru, en] (the payroll hand-off maps those by name only)."""
        entry = [name.render("ru"), name.render("en")]
        if kind:
            entry.append(kind)
        name_id = self._names[(id(name), kind)] = (
            "n" + hashlib.blake2s("\x1f".join(entry).encode(), digest_size=6).hexdigest()
        )
        self.catalog[name_id] = entry
        self._kept.append(name)
        return name_id

    def _line(self, line: Any) -> str:
        key = (line.steps, line.title, line.level, line.indicator_code) if line.steps else None
        ref = self._refs.get(key) if key is not None else None
        if ref is None:
            content = orjson.dumps(
                {
                    "title": line.title,
                    "level": line.level,
                    "weight": str(line.weight),
                    "indicator": line.indicator_code,
                    "fact": None if line.fact is None else str(line.fact),
                    "score": None if line.score is None else str(line.score),
                    "multiplier": None if line.multiplier is None else str(line.multiplier),
                    "weighted": str(line.weighted),
                    "steps": [s.compact(self.catalog) for s in line.steps],
                }
            )
            ref = hashlib.blake2b(content, digest_size=8).hexdigest()
            self.outcomes[ref] = content.decode()
            if key is not None:
                self._refs[key] = ref
        line_key = line.key
        if line_key.isdigit():  # a card line's id: nothing to escape
            return f'{{"key":"{line_key}","ref":"{ref}"}}'
        return f'{{"key":{orjson.dumps(line_key).decode()},"ref":"{ref}"}}'

    def _components(self, pay: Any) -> list[list[Any]]:
        """A result's pay components as [name id, amount, steps]; fines withheld from the salary carry a
        fourth element, 1: they are shown beside the bonus, never as part of it."""
        catalog, names = self.catalog, self._names
        stored = [
            [
                names.get((id(c.name), c.kind)) or self._name(c.name, c.kind),
                str(c.amount),
                [s.compact(catalog) for s in c.steps],
            ]
            for c in pay.components
        ]
        for c in pay.withheld:
            stored.append(
                [
                    names.get((id(c.name), c.kind)) or self._name(c.name, c.kind),
                    str(c.amount),
                    [s.compact(catalog) for s in c.steps],
                    1,
                ]
            )
        return stored

    def row(self, outcome: EmployeeOutcome, card_id: int) -> tuple[Any, ...]:
        card = outcome.card
        pay = outcome.pay
        catalog = self.catalog
        return (
            self.run_id,
            int(outcome.key),
            card_id,
            card.total,
            _json({level: str(value) for level, value in card.level_results.items()}),
            pay.total if pay else Decimal(0),
            pay.proration.quantize(_PRORATION_PLACES) if pay else Decimal(1),
            "[" + ",".join([self._line(line) for line in card.lines]) + "]",
            _json([] if pay is None else self._components(pay)),
            _json(
                {
                    "card": [s.compact(catalog) for s in card.steps],
                    "pay": [] if pay is None else [s.compact(catalog) for s in pay.steps],
                }
                if pay is None or pay.remuneration is None
                # a scheme with a fixed part: the fixed pay and the remuneration (fixed + variable) as figures too
                else {
                    "card": [s.compact(catalog) for s in card.steps],
                    "pay": [s.compact(catalog) for s in pay.steps],
                    "remuneration": {"fixed": str(pay.fixed), "total": str(pay.remuneration)},
                }
            ),
            _json(
                [
                    {
                        "code": p.code,
                        "field": p.field,
                        "ru": p.render("ru"),
                        "en": p.render("en"),
                        "severity": p.severity.value,
                    }
                    for p in outcome.problems
                ]
            ),
            any(p.severity is Severity.ERROR for p in outcome.problems),
        )


_PRORATION_PLACES = Decimal("0.000001")


def calculation_run_create(
    *, actor: Any, period: Period, unit: Unit | None = None, reason: str = ""
) -> CalculationRun:
    """Start and execute a run in this process (the command line, tests and benchmarks use it)."""
    run = calculation_run_start(actor=actor, period=period, unit=unit, reason=reason)
    return calculation_run_execute(run.pk)


def calculation_run_enqueue(
    *, actor: Any, period: Period, unit: Unit | None = None, reason: str = ""
) -> CalculationRun:
    """Start a run in the background (a Celery worker, or in-process when no broker is configured)."""
    from motiva.calc.tasks import execute_run

    run = calculation_run_start(actor=actor, period=period, unit=unit, reason=reason)
    transaction.on_commit(lambda: execute_run.delay(run.pk))
    return run


def run_difference(run: CalculationRun) -> list[dict[str, Any]]:
    """Employee by employee: what changed against the previous run of the same period and scope."""
    if run.previous_id is None:
        return []
    before = {
        r["employee_id"]: r
        for r in EmployeeResult.objects.filter(run_id=run.previous_id).values("employee_id", "result", "pay")
    }
    after = {
        r["employee_id"]: r
        for r in EmployeeResult.objects.filter(run=run).values("employee_id", "result", "pay")
    }
    names = dict(Employee.objects.filter(pk__in=before.keys() | after.keys()).values_list("pk", "last_name"))
    changes = []
    for employee_id in sorted(before.keys() | after.keys(), key=lambda pk: names.get(pk, "")):
        old, new = before.get(employee_id), after.get(employee_id)
        if old and new and old["result"] == new["result"] and old["pay"] == new["pay"]:
            continue
        changes.append(
            {
                "employee_id": employee_id,
                "name": names.get(employee_id, ""),
                "result_before": old["result"] if old else None,
                "result_after": new["result"] if new else None,
                "pay_before": old["pay"] if old else None,
                "pay_after": new["pay"] if new else None,
                "pay_delta": (new["pay"] if new else Decimal(0)) - (old["pay"] if old else Decimal(0)),
            }
        )
    return changes


@transaction.atomic
def adjustment_create(
    *,
    actor: Any,
    period: Period,
    employee: Employee,
    amount: Decimal | None,
    reason: str,
    kind: str = AdjustmentKind.MANUAL,
    percent: Decimal | None = None,
    applied_on: dt.date | None = None,
    order_number: str = "",
) -> Adjustment:
    """A manual adjustment (an amount, + or −) or a disciplinary reduction: the date the sanction was
    applied (inside the period: it reduces only that period's bonus), the order's number, and either an
    amount or a percent of the bonus. It counts once someone else approves it."""
    ensure_open(period)
    problems = []
    if not reason or not reason.strip():
        problems.append(
            problem(
                "required",
                "reason",
                "Укажите обоснование корректировки",
                "Give the reason for the adjustment",
            )
        )
    if kind not in AdjustmentKind.values:
        problems.append(problem("choice", "kind", "Неизвестный вид корректировки", "Unknown adjustment kind"))
    if percent is not None:
        if kind != AdjustmentKind.DISCIPLINARY:
            problems.append(
                problem(
                    "percent_manual",
                    "percent",
                    "Процент премии указывается только для снижения за взыскание",
                    "A percent of the bonus is only for a disciplinary reduction",
                )
            )
        elif amount is not None:
            problems.append(
                problem(
                    "amount_or_percent",
                    "percent",
                    "Укажите сумму или процент премии, не то и другое",
                    "Give an amount or a percent of the bonus, not both",
                )
            )
        elif (
            not percent.is_finite()
            or not Decimal(0) < percent <= Decimal(100)
            or percent != percent.quantize(Decimal("0.01"))
        ):
            problems.append(
                problem(
                    "percent",
                    "percent",
                    "Процент премии — от 0,01 до 100",
                    "The percent of the bonus is 0.01 to 100",
                )
            )
    elif amount is None:
        problems.append(problem("required", "amount", "Укажите сумму", "Give the amount"))
    if amount is not None:
        if (
            not amount.is_finite()
            or amount == 0
            or abs(amount) >= Decimal("1e12")
            or amount != amount.quantize(Decimal("0.01"))
        ):
            problems.append(
                problem(
                    "amount",
                    "amount",
                    "Сумма — ненулевое число с точностью до копейки, меньше триллиона",
                    "The amount is a non-zero number to the kopeck, below a trillion",
                )
            )
        elif kind == AdjustmentKind.DISCIPLINARY and amount > 0:
            problems.append(
                problem(
                    "sign",
                    "amount",
                    "Снижение за взыскание — отрицательная сумма",
                    "A disciplinary reduction is a negative amount",
                )
            )
    if kind == AdjustmentKind.DISCIPLINARY:
        if applied_on is None:
            problems.append(
                problem(
                    "required",
                    "applied_on",
                    "Укажите дату применения взыскания",
                    "Give the date the sanction was applied",
                )
            )
        elif not period.start <= applied_on <= period.end:
            problems.append(
                problem(
                    "outside_period",
                    "applied_on",
                    "Взыскание снижает премию только за период, в котором применено: дата вне периода «{p}»",
                    "A sanction reduces only the bonus of the period it was applied in: the date is outside “{p}”",
                    p=period.name,
                )
            )
        elif employee.organization_id == period.organization_id:
            problems.extend(_sanction_month_elsewhere(period, employee, applied_on))
    elif applied_on is not None or order_number.strip():
        problems.append(
            problem(
                "sanction_fields",
                "applied_on",
                "Дата и номер приказа указываются только для взыскания",
                "The date and the order number are only for a disciplinary sanction",
            )
        )
    if employee.organization_id != period.organization_id:
        problems.append(
            problem(
                "other_organization",
                "employee",
                "Сотрудник из другой организации",
                "The employee belongs to another organization",
            )
        )
    if problems:
        raise InvalidInput(problems)
    adjustment = Adjustment.objects.create(
        organization_id=period.organization_id,
        period=period,
        employee=employee,
        amount=amount,
        percent=percent,
        reason=reason.strip(),
        kind=kind,
        applied_on=applied_on,
        order_number=order_number.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record_create(
        actor=actor,
        obj=adjustment,
        fields=["employee", "kind", "amount", "percent", "applied_on", "order_number", "reason"],
        reason=reason,
    )
    return adjustment


# "In March 2026": the month in the prepositional case, as a Russian sentence starts with it.
_MONTHS_IN_RU = (
    "январе",
    "феврале",
    "марте",
    "апреле",
    "мае",
    "июне",
    "июле",
    "августе",
    "сентябре",
    "октябре",
    "ноябре",
    "декабре",
)
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _sanction_month_elsewhere(period: Period, employee: Employee, applied_on: dt.date) -> list[Any]:
    """All disciplinary reductions of one employee dated in one calendar month belong to one period
    (Labour Code art. 135 part 3): the engine caps the reductions of a month within one run, so a March
    sanction in the March period and another in the first quarter would each be capped on their own and
    together exceed the month's limit. Refused when another period of the organization already holds a
    sanction of the employee dated in that month (every entered one counts: an adjustment has no
    rejected or cancelled state). Only where the organization keeps the cap on."""
    organization = period.organization
    if not organization.disciplinary_cap_enabled:
        return []
    # The employee's row is locked so that two entries of the same month in two periods, made at once,
    # are decided one after the other.
    list(Employee.objects.select_for_update().filter(pk=employee.pk).values_list("pk"))
    other = (
        Adjustment.objects.filter(
            organization_id=period.organization_id,
            employee=employee,
            kind=AdjustmentKind.DISCIPLINARY,
            applied_on__year=applied_on.year,
            applied_on__month=applied_on.month,
        )
        .exclude(period=period)
        .select_related("period")
        .order_by("applied_on", "pk")
        .first()
    )
    if other is None:
        return []
    return [
        problem(
            "sanction_month_elsewhere",
            "applied_on",
            "В {month_ru} {year} у сотрудника уже есть взыскание в периоде «{p}»: все снижения за взыскания "
            "одного месяца учитываются в одном периоде (ст. 135 ТК РФ, предел {cap} % за месяц)",
            "In {month_en} {year} the employee already has a sanction in period “{p}”: all reductions for "
            "sanctions of one month count in one period (Labour Code art. 135, a limit of {cap} % a month)",
            month_ru=_MONTHS_IN_RU[applied_on.month - 1],
            month_en=_MONTHS_EN[applied_on.month - 1],
            year=applied_on.year,
            p=other.period.name,
            cap=Decimal(organization.disciplinary_cap_percent).normalize(),
        )
    ]


@transaction.atomic
def adjustment_approve(*, actor: Any, adjustment: Adjustment) -> Adjustment:
    """The second signature: someone other than the author; only approved adjustments count."""
    ensure_open(adjustment.period)
    if adjustment.approved_by_id is not None:
        raise InvalidInput(
            [
                problem(
                    "already_approved",
                    "approved_by",
                    "Корректировка уже утверждена",
                    "The adjustment is already approved",
                )
            ]
        )
    if adjustment.created_by_id == getattr(actor, "pk", None):
        raise InvalidInput(
            [
                problem(
                    "second_approver",
                    "approved_by",
                    "Корректировку утверждает другой человек, не автор",
                    "An adjustment is approved by someone other than its author",
                )
            ]
        )
    if adjustment.employee.user_id is not None and adjustment.employee.user_id == getattr(actor, "pk", None):
        raise InvalidInput(
            [
                problem(
                    "own_pay",
                    "approved_by",
                    "Нельзя утверждать корректировку своей оплаты",
                    "You cannot approve an adjustment of your own pay",
                )
            ]
        )
    audit.apply_changes(
        actor=actor, obj=adjustment, changes={"approved_by": actor, "approved_at": timezone.now()}
    )
    return adjustment


@transaction.atomic
def group_correction_set(
    *, actor: Any, period: Period, unit: Unit, coefficient: Decimal, reason: str
) -> GroupCorrection:
    ensure_open(period)
    problems = []
    if not Decimal(0) <= coefficient <= Decimal(2):
        problems.append(
            problem(
                "range",
                "coefficient",
                "Коэффициент корректировки от 0 до 2",
                "The correction coefficient is 0 to 2",
            )
        )
    if not reason.strip():
        problems.append(problem("required", "reason", "Укажите обоснование", "Give the reason"))
    if unit.organization_id != period.organization_id:
        problems.append(
            problem(
                "other_organization",
                "unit",
                "Подразделение из другой организации",
                "The unit belongs to another organization",
            )
        )
    if problems:
        raise InvalidInput(problems)
    correction, created = GroupCorrection.objects.update_or_create(
        period=period,
        unit=unit,
        defaults={
            "organization_id": period.organization_id,
            "coefficient": coefficient,
            "reason": reason,
            "created_by": actor,
            "approved_by": None,
        },
    )
    audit.record(
        actor=actor,
        obj=correction,
        action="create" if created else "update",
        after={"coefficient": str(coefficient)},
        reason=reason,
    )
    return correction


@transaction.atomic
def group_correction_approve(*, actor: Any, correction: GroupCorrection) -> GroupCorrection:
    """The second person's approval (nobody alone moves money); nobody approves their own unit's."""
    from motiva.org.models import Assignment
    from motiva.org.selectors import active_on

    ensure_open(correction.period)
    correction = (
        GroupCorrection.objects.select_for_update().select_related("period", "unit").get(pk=correction.pk)
    )
    if correction.approved_by_id is not None:
        raise InvalidInput(
            [
                problem(
                    "already_approved",
                    "approved_by",
                    "Корректировка уже утверждена",
                    "The correction is already approved",
                )
            ]
        )
    if (
        getattr(actor, "pk", None)
        and Assignment.objects.filter(
            active_on(correction.period.end),
            employee__user_id=actor.pk,
            unit_id=correction.unit_id,
        ).exists()
    ):
        raise InvalidInput(
            [
                problem(
                    "own_pay",
                    "approved_by",
                    "Нельзя утверждать корректировку подразделения, в котором работаете вы сами",
                    "You cannot approve the correction of the unit you work in yourself",
                )
            ]
        )
    if correction.created_by_id == getattr(actor, "pk", None):
        raise InvalidInput(
            [
                problem(
                    "second_approver",
                    "approved_by",
                    "Корректировку утверждает другой человек, не автор",
                    "A correction is approved by someone other than its author",
                )
            ]
        )
    audit.apply_changes(actor=actor, obj=correction, changes={"approved_by": actor})
    return correction
