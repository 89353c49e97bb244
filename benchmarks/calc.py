"""Benchmark of a full calculation run.

    python benchmarks/calc.py --employees 10000            # the configured database (DATABASE_URL)
    python benchmarks/calc.py --employees 100000 --workers 2
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 python benchmarks/calc.py --employees 100000 --celery --workers 2

Builds a synthetic organization (N employees, 8 card lines each on all three levels) with bulk
inserts, runs `calculation_run_create` and prints engine lines per second, the end-to-end time split
into fetch / compute / store, and the peak memory of the process. It prints figures; it asserts
nothing. The organization it builds is deleted afterwards unless --keep is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402

from motiva.calc.models import (  # noqa: E402
    CalculationRun,
    EmployeeResult,
    RunStatus,
)
from motiva.calc.runs import calculation_run_create, calculation_run_start  # noqa: E402
from motiva.calc.tasks import execute_run  # noqa: E402
from motiva.core.models import AuditEvent, Organization  # noqa: E402
from motiva.kpi.models import Card, CardLine, Indicator, PayScheme, Scale  # noqa: E402
from motiva.org.models import Assignment, Employee, Grade, Position, Unit  # noqa: E402
from motiva.periods.models import IndicatorValue, Period  # noqa: E402
from tests.support.celery_workers import CeleryWorker, send_to  # noqa: E402

D = Decimal
PER_UNIT = 50
CHUNK = 20_000  # cards whose lines and values are built and written at a time


def build(n: int, seed: int) -> Period:
    rng = random.Random(seed)
    with transaction.atomic():
        organization = Organization.objects.create(name=f"Benchmark {n} {time.time_ns()}")
        grade = Grade.objects.create(
            organization=organization, code="B1", name="Bench", salary_min=0, salary_max=10**7
        )
        root = Unit.objects.create(organization=organization, code="ROOT", name="Root", path="")
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
        unit_count = max(1, n // PER_UNIT)
        units = Unit.objects.bulk_create(
            [
                Unit(
                    organization=organization,
                    parent=root,
                    code=f"U{i}",
                    name=f"Unit {i}",
                    block="production" if i % 2 else "administrative",
                    management_level=1,
                )
                for i in range(unit_count)
            ]
        )
        for unit in units:
            unit.path = f"{root.path}{unit.pk}/"
        Unit.objects.bulk_update(units, ["path"], batch_size=2000)
        positions = Position.objects.bulk_create(
            [Position(organization=organization, unit=u, title="Specialist", grade=grade) for u in units]
        )
        employees = Employee.objects.bulk_create(
            [
                Employee(
                    organization=organization,
                    personnel_number=str(i),
                    last_name=f"Employee{i}",
                    first_name="B",
                    hire_date=dt.date(2020, 1, 1),
                )
                for i in range(n)
            ],
            batch_size=5000,
        )
        Assignment.objects.bulk_create(
            [
                Assignment(
                    organization=organization,
                    employee=e,
                    position=positions[i // PER_UNIT % unit_count],
                    unit=units[i // PER_UNIT % unit_count],
                    salary=D(rng.randint(40, 200) * 1000),
                    start_date=dt.date(2020, 1, 1),
                )
                for i, e in enumerate(employees)
            ],
            batch_size=5000,
        )
        period = Period.objects.create(
            organization=organization,
            kind="month",
            start=dt.date(2026, 3, 1),
            end=dt.date(2026, 3, 31),
            name="Март 2026",
        )
        ratio = Scale.objects.create(
            organization=organization, name="ratio", kind="ratio", params={"cap": "150"}
        )
        corridor = Scale.objects.create(
            organization=organization, name="corridor", kind="corridor", params={}
        )
        rating = Scale.objects.create(organization=organization, name="rating", kind="rating", params={})
        scheme = PayScheme.objects.create(
            organization=organization,
            name="three",
            kind="three_level",
            params={
                "target_bonus_percent": {"default": {"default": "20"}},
                "level_shares": {"default": ["20", "60", "20"]},
                "level_periods": {"company": "month", "unit": "month", "personal": "month"},
            },
        )
        codes = [
            ("COMPANY", "company"),
            ("U1", "unit"),
            ("U2", "unit"),
            ("U3", "unit"),
            ("P1", "personal"),
            ("P2", "personal"),
            ("P3", "personal"),
            ("RATING", "personal"),
        ]
        indicators = {
            code: Indicator.objects.create(organization=organization, code=code, name=code)
            for code, _ in codes
        }
        cards = Card.objects.bulk_create(
            [Card(organization=organization, employee=e, period=period, scheme=scheme) for e in employees],
            batch_size=5000,
        )
        weights = ["20", "20", "20", "20", "5", "5", "5", "5"]

        def card_lines(card: Card) -> list[CardLine]:
            lines = []
            for order, ((code, level), weight) in enumerate(zip(codes, weights, strict=True)):
                scale = rating if code == "RATING" else corridor if level == "unit" else ratio
                plan = (
                    {"threshold": D(80), "target": D(100), "maximum": D(120)}
                    if scale is corridor
                    else {"target": D(100)}
                    if scale is ratio
                    else {}
                )
                lines.append(
                    CardLine(
                        card=card,
                        order=order,
                        indicator=indicators[code],
                        level=level,
                        weight=D(weight),
                        scale=scale,
                        **plan,
                    )
                )
            return lines

        # Lines and values are made and written CHUNK cards at a time: a million employees' eight
        # million line objects at once would need more memory than the machine has.
        for start in range(0, len(cards), CHUNK):
            CardLine.objects.bulk_create(
                [line for card in cards[start : start + CHUNK] for line in card_lines(card)], batch_size=10000
            )
        values = [
            IndicatorValue(
                organization=organization,
                indicator=indicators["COMPANY"],
                period=period,
                scope="company",
                scope_key="company",
                kind="fact",
                value=D(97),
            )
        ]
        for unit in units:
            for code in ("U1", "U2", "U3"):
                values.append(
                    IndicatorValue(
                        organization=organization,
                        indicator=indicators[code],
                        period=period,
                        scope="unit",
                        unit=unit,
                        scope_key=f"unit:{unit.pk}",
                        kind="fact",
                        value=D(rng.randint(70, 130)),
                    )
                )
        for start in range(0, len(employees), CHUNK):
            for e in employees[start : start + CHUNK]:
                for code in ("P1", "P2", "P3"):
                    values.append(
                        IndicatorValue(
                            organization=organization,
                            indicator=indicators[code],
                            period=period,
                            scope="employee",
                            employee=e,
                            scope_key=f"employee:{e.pk}",
                            kind="fact",
                            value=D(rng.randint(60, 140)),
                        )
                    )
                values.append(
                    IndicatorValue(
                        organization=organization,
                        indicator=indicators["RATING"],
                        period=period,
                        scope="employee",
                        employee=e,
                        scope_key=f"employee:{e.pk}",
                        kind="fact",
                        value=D(rng.choice([-1, 0, 1, 1, 1, 2])),
                    )
                )
            IndicatorValue.objects.bulk_create(values, batch_size=10000)
            values = []
    with connection.cursor() as cursor:
        # A database in use has its planner statistics; one just bulk-loaded has none until autovacuum
        # gets to it, and the planner would then guess one row a table.
        cursor.execute("ANALYZE")
    return period


def cleanup(period: Period) -> None:
    """Delete what the benchmark built, except its audit events (append-only: PostgreSQL refuses to
    delete them and the hash chain would break) and so the organization they name, renamed."""
    organization = period.organization
    with transaction.atomic():
        runs = CalculationRun.objects.filter(period=period)
        EmployeeResult.objects.filter(run__in=runs).delete()
        runs.delete()
        IndicatorValue.objects.filter(period=period).delete()
        CardLine.objects.filter(card__period=period).delete()
        Card.objects.filter(period=period).delete()
        Assignment.objects.filter(organization=organization).delete()
        Unit.objects.filter(organization=organization).update(head=None)
        Employee.objects.filter(organization=organization).delete()
        Indicator.objects.filter(organization=organization).delete()
        period.delete()
        Position.objects.filter(organization=organization).delete()
        Unit.objects.filter(organization=organization, parent__isnull=False).delete()
        Unit.objects.filter(organization=organization).delete()
        if AuditEvent.objects.filter(organization=organization).exists():
            Organization.objects.filter(pk=organization.pk).update(name=f"{organization.name} (deleted)")
        else:
            organization.delete()


class CeleryWorkers:
    """K Celery workers of the project (one pool process each) on a queue of their own, against the
    broker in CELERY_BROKER_URL and this process's database; this process sends them the run."""

    def __init__(self, count: int) -> None:
        from config.celery import app

        queue = f"motiva-bench-{os.getpid()}"
        self.folder = Path(tempfile.mkdtemp(prefix="motiva-bench-workers-"))
        self.workers = [CeleryWorker(queue, self.folder / f"worker-{i}.log") for i in range(count)]
        for worker in self.workers:
            worker.wait_ready()
        send_to(app, queue)

    def peak_mb(self) -> float:
        return max(worker.peak_mb() for worker in self.workers)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


def _run_on_celery(actor: Any, period: Period) -> CalculationRun:
    run = calculation_run_start(actor=actor, period=period, reason="benchmark")
    execute_run.delay(run.pk)
    while True:
        run.refresh_from_db()
        if run.status in (RunStatus.DONE, RunStatus.FAILED):
            return run
        time.sleep(0.05)


def _machine_busy() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux), to see the database server's share."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(f) for f in fields]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _reference_loop() -> float:
    """Seconds of CPU for a fixed pure-Python loop (the best of three): a shared machine's speed varies
    from hour to hour, and this tells how fast it was when the figures below were taken."""
    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(3_000_000):
            total += i * i
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep", action="store_true", help="Keep the synthetic organization (its period id is printed)"
    )
    parser.add_argument(
        "--build-only", action="store_true", help="Build and keep the organization, do not calculate"
    )
    parser.add_argument(
        "--period",
        type=int,
        help="Calculate an organization kept before, in this fresh process (memory is then the run's own)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="Worker processes: of the local pool (default: MOTIVA_CALC_WORKERS, else 1), or with --celery "
        "the Celery workers started (default 2)",
    )
    parser.add_argument(
        "--celery",
        action="store_true",
        help="Start --workers Celery workers against CELERY_BROKER_URL, run on them, stop them after",
    )
    args = parser.parse_args()
    if args.workers is not None and args.workers < 1:
        parser.error("--workers: 1 or more")
    if args.celery and not settings.CELERY_BROKER_URL:
        parser.error("--celery needs a broker: CELERY_BROKER_URL=redis://127.0.0.1:6379/0 (or amqp://…)")
    if args.celery:
        workers_used = args.workers or 2
    else:
        if args.workers is not None:
            settings.MOTIVA_CALC_WORKERS = args.workers
        workers_used = settings.MOTIVA_CALC_WORKERS
    if args.period:
        period = Period.objects.get(pk=args.period)
        args.employees = Card.objects.filter(period=period).count()
        args.keep = True
    print(
        f"database: {connection.vendor} ({connection.settings_dict['NAME']}); employees: {args.employees}; lines: {args.employees * 8}"
    )
    if not args.period:
        started = time.perf_counter()
        period = build(args.employees, args.seed)
        print(f"build: {time.perf_counter() - started:.1f} s; period id {period.pk}")
        if args.build_only:
            return
    actor = get_user_model().objects.filter(is_superuser=True).first()
    print(f"machine speed: a reference loop took {_reference_loop():.3f} s of CPU (lower is faster)")
    celery = CeleryWorkers(workers_used) if args.celery else None
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    busy_before = _machine_busy()
    started = time.perf_counter()
    try:
        run = _run_on_celery(actor, period) if celery else calculation_run_create(actor=actor, period=period)
        total = time.perf_counter() - started
        celery_mb = celery.peak_mb() if celery else 0.0
    finally:
        if celery:
            celery.stop()
    machine = _machine_busy() - busy_before if busy_before is not None else None
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    timings = run.timings
    lines = args.employees * 8
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, celery_mb)
    print(f"run #{run.pk}: {run.status}, {run.employees_total} employees")
    if run.status != RunStatus.DONE:
        raise SystemExit(f"the run did not finish: {run.error}")
    print(
        f"end-to-end: {total:.2f} s; the plan (shared reads and group decisions) {timings['plan']:.2f} s; "
        f"{timings['slices']} slices, summed over the processes that ran them: fetch {timings['fetch']:.2f} s, compute {timings['compute']:.2f} s; "
        f"store {timings.get('store', 0):.2f} s (in the parent; with workers, while they compute)"
    )
    print(
        f"engine: {lines / timings['compute']:,.0f} lines per process-second of compute; end-to-end: {lines / total:,.0f} lines/s"
    )
    print(f"peak memory (max RSS): {peak_mb:,.0f} MB; largest worker process: {children_mb:,.0f} MB")
    print(
        f"worker processes: {workers_used}" + (f" Celery workers (logs in {celery.folder})" if celery else "")
    )
    total_pay = EmployeeResult.objects.filter(run=run).aggregate(total=Sum("pay"))["total"] or Decimal(0)
    print(f"input hash: {run.input_hash}; total pay: {total_pay}")
    own_cpu = own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime
    workers_cpu = workers.ru_utime + workers.ru_stime
    print(
        f"CPU seconds: this process {own_cpu:.1f} (the plan, storing), worker processes {workers_cpu:.1f}"
        + (
            f", the whole machine {machine:.1f} (the rest is mostly the database server)"
            if machine is not None
            else ""
        )
    )
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "employees": run.employees_total,
                "workers": workers_used,
                "celery": bool(celery),
                "seconds": round(total, 2),
                "status": str(run.status),
                "end_to_end_s": round(total, 2),
                "plan_s": round(timings["plan"], 2),
                "fetch_s": round(timings["fetch"], 2),
                "compute_s": round(timings["compute"], 2),
                "store_s": round(timings.get("store", 0), 2),
                "slices": timings["slices"],
                "lines_per_s": round(lines / total),
                "peak_mb": round(peak_mb),
                "largest_worker_mb": round(children_mb),
                "peak_rss_mb": round(max(peak_mb, children_mb)),
                "input_hash": run.input_hash,
                "total_pay": str(total_pay),
                "cpu_s_this_process": round(own_cpu, 1),
                "cpu_s_workers": round(workers_cpu, 1),
            }
        )
    )
    if not args.keep:
        cleanup(period)


if __name__ == "__main__":
    main()
