"""The worker pool: a run's employees in id slices, each read, computed and encoded where it is
computed. With MOTIVA_CALC_WORKERS > 1, forked worker processes compute the slices while the
storing process writes them (see `motiva.calc.runs`)."""

from __future__ import annotations

import gc
import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections
from django.db.models import F

from motiva.calc import fetch as fetching
from motiva.calc.models import CalculationRun
from motiva.calc.storage import RowEncoder, SlicePart, copy_text
from motiva.engine.batch import GroupContext, calculate_member
from motiva.engine.memo import Memo
from motiva.engine.money import RoundingPolicy
from motiva.engine.types import PayRules

SLICES_PER_WORKER = 4  # more slices than workers: progress moves, and a slow slice does not hold the others
SLICE_MAX = 5000  # employees a worker holds at once


def slice_bounds(employee_ids: list[int], count: int) -> list[tuple[int, int]]:
    """Employee id ranges: `count` slices of about equal size, in id order."""
    if not employee_ids:
        return []
    size = -(-len(employee_ids) // max(1, count))
    return [
        (employee_ids[start], employee_ids[min(len(employee_ids), start + size) - 1])
        for start in range(0, len(employee_ids), size)
    ]


@dataclass(frozen=True)
class SliceJob:
    run_id: int
    plan: fetching.RunPlan
    context: GroupContext
    rounding: RoundingPolicy
    rules: PayRules
    total: int
    report_progress: bool = True  # a Celery slice reports its progress when it is stored, not here


_CURRENT_JOB: SliceJob | None = None  # what forked workers inherit


def compute_slice(bounds: tuple[int, int], job: SliceJob | None = None) -> SlicePart:
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


def _read_and_compute(bounds: tuple[int, int], job: SliceJob) -> SlicePart:
    started = time.perf_counter()
    part = fetching.fetch_slice(job.plan, bounds[0], bounds[1])
    fetched = time.perf_counter()
    encoder = RowEncoder(job.run_id)
    memo = Memo()  # what repeats across the slice's cards is computed once; freed with the slice
    rows = []
    for employee in part.employees:
        outcome = calculate_member(employee, job.context, job.rounding, rules=job.rules, memo=memo)
        rows.append(encoder.row(outcome, part.cards[outcome.key]))
    if connection.vendor == "postgresql":
        rows = copy_text(rows)  # type: ignore[assignment]
    computed = time.perf_counter()
    if job.report_progress and job.total and (job is not _CURRENT_JOB or connection.vendor == "postgresql"):
        # A worker reports progress on its own connection; on SQLite the storing transaction holds the
        # only write lock, so there the run shows its progress when it is stored.
        CalculationRun.objects.filter(pk=job.run_id).update(
            progress=F("progress") + 85 * len(part.employees) // job.total
        )
    return SlicePart(
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
def worker_pool(job: SliceJob, count: int) -> Iterator[Any]:
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
