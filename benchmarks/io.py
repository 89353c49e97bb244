"""Benchmark of imports and of the payroll export.

    python benchmarks/io.py --rows 1000000            # the configured database (DATABASE_URL)
    python benchmarks/io.py --rows 1000000 --xlsx     # also the same rows from an XLSX file
    python benchmarks/io.py --rows 0 --payroll 100000 # only the payroll export of 100 000 employees

Builds a synthetic organization (rows / 10 employees, 10 indicators on every person's card, one open
month) with bulk inserts,
writes a CSV (and an XLSX) of fact values, one per employee and indicator, and measures preview and apply
of the import job separately, each in a fresh subprocess: rows per second and the subprocess's peak memory
(VmHWM from /proc/self/status). Apply is measured twice, each after its own preview as a user runs
them: the first import creates every value, the second (another file with every value changed) updates
them. Prints figures and asserts nothing; the last line is
one JSON object. The organization is deleted afterwards unless --keep is given. On PostgreSQL it also
prints the database floor: the same number of values inserted by one SQL statement and their key checks,
rolled back — the time no import of this table can beat on this machine.

The payroll part (--payroll N, default 100 000; 0 skips it) builds benchmarks/calc.py's organization of N
employees, calculates it, marks the period approved with the general director's signature (set-up written
directly, not through the workflow), maps every pay component to an accrual type, and times
motiva.payroll.services.export_bytes(run, "generic", "csv" and "xlsx") in a fresh subprocess each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files import File  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from motiva.core.access import Viewer  # noqa: E402
from motiva.core.models import Organization, Role  # noqa: E402
from motiva.imports import services  # noqa: E402
from motiva.imports.models import ImportJob  # noqa: E402
from motiva.kpi.models import Card, CardLine, Indicator  # noqa: E402
from motiva.org.models import Employee, Unit  # noqa: E402
from motiva.periods.models import IndicatorValue, Period  # noqa: E402

INDICATORS = 10
HEADER = "Код показателя;Уровень;Табельный номер;Значение\n"


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def build(rows: int) -> Period:
    people = max(1, rows // INDICATORS)
    with transaction.atomic():
        organization = Organization.objects.create(name=f"IO benchmark {rows} {time.time_ns()}")
        root = Unit.objects.create(organization=organization, code="ROOT", name="Root", path="")
        Unit.objects.filter(pk=root.pk).update(path=f"/{root.pk}/")
        hire = dt.date(2024, 1, 1)
        Employee.objects.bulk_create(
            [
                Employee(
                    organization=organization,
                    personnel_number=f"{i:07d}",
                    last_name=f"Сотрудник{i}",
                    first_name="Тест",
                    hire_date=hire,
                )
                for i in range(people)
            ],
            batch_size=10000,
        )
        Indicator.objects.bulk_create(
            [
                Indicator(organization=organization, code=f"K{j}", name=f"Показатель {j}")
                for j in range(INDICATORS)
            ]
        )
        period = Period.objects.create(
            organization=organization,
            kind="month",
            start=dt.date(2026, 3, 1),
            end=dt.date(2026, 3, 31),
            name="Март 2026",
        )
        # Every person's card holds the ten indicators (the importer refuses a value no card uses).
        employees = list(Employee.objects.filter(organization=organization).values_list("pk", flat=True))
        Card.objects.bulk_create(
            [Card(organization=organization, employee_id=pk, period=period) for pk in employees],
            batch_size=10000,
        )
        indicators = list(Indicator.objects.filter(organization=organization).values_list("pk", flat=True))
        cards = Card.objects.filter(period=period).values_list("pk", flat=True).iterator(chunk_size=10000)
        CardLine.objects.bulk_create(
            (
                CardLine(card_id=card, order=j, indicator_id=indicator, weight=10)
                for card in cards
                for j, indicator in enumerate(indicators)
            ),
            batch_size=10000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return period


def write_csv(path: Path, rows: int, shift: int) -> None:
    people = max(1, rows // INDICATORS)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(people):
            number = f"{i:07d}"
            out.writelines(f"K{j};сотрудник;{number};{(i + j + shift) % 1000},5\n" for j in range(INDICATORS))


def write_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Данные")
    sheet.append(HEADER.strip().split(";"))
    for i in range(max(1, rows // INDICATORS)):
        number = f"{i:07d}"
        for j in range(INDICATORS):
            sheet.append([f"K{j}", "сотрудник", number, f"{(i + j + 7) % 1000},25"])
    book.save(path)


def make_job(period: Period, path: Path, actor) -> ImportJob:
    viewer = Viewer(user=actor, employee=None, roles={period.organization_id: frozenset({Role.HR})})
    with path.open("rb") as handle:
        upload = File(handle, name=path.name)
        return services.job_create(
            actor=actor,
            viewer=viewer,
            organization=period.organization,
            kind="facts",
            upload=upload,
            period=period,
        )


def measure(action: str, job_id: int) -> dict:
    """Runs in a fresh subprocess: one preview or apply, its time and this process's peak memory."""
    job = ImportJob.objects.select_related("organization", "period", "created_by").get(pk=job_id)
    viewer = Viewer(user=job.created_by, employee=None, roles={job.organization_id: frozenset({Role.HR})})
    started = time.perf_counter()
    job = (services.apply if action == "apply" else services.preview)(job, viewer)
    seconds = time.perf_counter() - started
    rows = job.counts.get("rows", 0)
    return {
        "action": action,
        "status": job.status,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if seconds else 0,
        "peak_mb": round(peak_mb()),
        "problems": job.counts.get("problems", 0),
    }


def measure_payroll(fmt: str, run_id: int) -> dict:
    """Runs in a fresh subprocess: the generic payroll file of one run, its time, size and peak memory."""
    from motiva.calc.models import CalculationRun, EmployeeResult
    from motiva.payroll.services import export_bytes

    run = CalculationRun.objects.select_related("period", "period__organization").get(pk=run_id)
    started = time.perf_counter()
    content = export_bytes(run, "generic", fmt)
    seconds = time.perf_counter() - started
    return {
        "action": f"payroll_{fmt}",
        "results": EmployeeResult.objects.filter(run=run).count(),
        "seconds": round(seconds, 2),
        "bytes": len(content),
        "peak_mb": round(peak_mb()),
    }


def payroll_run(employees: int, actor) -> tuple[Period, int]:
    """A calculated, approved run of `employees` people with every pay component mapped."""
    from benchmarks.calc import build as build_calculated
    from motiva.calc.models import RunSignature, SignatureKind
    from motiva.calc.runs import calculation_run_create
    from motiva.payroll.selectors import components_seen
    from motiva.payroll.services import mapping_save
    from motiva.periods.models import PeriodStatus

    period = build_calculated(employees, 1)
    run = calculation_run_create(actor=actor, period=period)
    Period.objects.filter(pk=period.pk).update(status=PeriodStatus.APPROVED)
    RunSignature.objects.create(run=run, kind=SignatureKind.EXECUTIVE, signer=actor)
    for number, name in enumerate(components_seen(period.organization), start=1):
        mapping_save(
            actor=actor,
            organization=period.organization,
            component=name,
            accrual_code=f"П{number}",
            accrual_name=name[:100],
        )
    return period, run.pk


def child(action: str, job_id: int) -> dict:
    output = subprocess.run(  # noqa: S603 (this script, its own arguments)
        [sys.executable, __file__, "--measure", action, "--job", str(job_id)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def database_floor(period: Period) -> dict:
    """What PostgreSQL alone needs to take the file's values: one INSERT … SELECT of every card cell into a
    new period, then the deferred key checks a commit would run (SET CONSTRAINTS ALL IMMEDIATE); rolled
    back. No import can be faster than this on the same table and machine."""
    table = IndicatorValue._meta.db_table
    with transaction.atomic():
        other = Period.objects.create(
            organization=period.organization,
            kind="month",
            start=dt.date(2027, 3, 1),
            end=dt.date(2027, 3, 31),
            name="Floor",
        )
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(
                f"INSERT INTO {table} (organization_id, indicator_id, period_id, scope, unit_id, "  # noqa: S608
                "employee_id, scope_key, kind, value, level_code, source, author_id, entered_at, comment, "
                "attachment) SELECT c.organization_id, l.indicator_id, %s, 'employee', NULL, c.employee_id, "
                "'employee:' || c.employee_id, 'fact', 1.5, '', 'import', NULL, now(), '', '' "
                f"FROM {CardLine._meta.db_table} l JOIN {Card._meta.db_table} c ON c.id = l.card_id "
                "WHERE c.period_id = %s",
                [other.pk, period.pk],
            )
            rows = cursor.rowcount
            inserted = time.perf_counter()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            checked = time.perf_counter()
        transaction.set_rollback(True)
    seconds = checked - started
    return {
        "rows": rows,
        "insert_s": round(inserted - started, 2),
        "key_checks_s": round(checked - inserted, 2),
        "rows_per_s": round(rows / seconds) if seconds else 0,
    }


def cleanup(period: Period) -> None:
    organization = period.organization
    with transaction.atomic():
        IndicatorValue.objects.filter(period=period).delete()
        CardLine.objects.filter(card__period=period).delete()
        Card.objects.filter(period=period).delete()
        for job in ImportJob.objects.filter(organization=organization):
            job.file.delete(save=False)
            if job.change_list:
                job.change_list.delete(save=False)
        ImportJob.objects.filter(organization=organization).delete()
        period.delete()
        Indicator.objects.filter(organization=organization).delete()
        Employee.objects.filter(organization=organization).delete()
        Unit.objects.filter(organization=organization).delete()
        from motiva.core.models import AuditEvent

        if AuditEvent.objects.filter(organization=organization).exists():
            Organization.objects.filter(pk=organization.pk).update(name=f"{organization.name} (deleted)")
        else:
            organization.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx", action="store_true", help="also import the rows from an XLSX file")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--payroll", type=int, default=100_000, help="employees of the payroll export (0: skip)"
    )
    parser.add_argument(
        "--measure", choices=["preview", "apply", "payroll_csv", "payroll_xlsx"], help=argparse.SUPPRESS
    )
    parser.add_argument("--job", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure in ("payroll_csv", "payroll_xlsx"):
        print(json.dumps(measure_payroll(args.measure.removeprefix("payroll_"), args.job)))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.job)))
        return
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}); rows: {args.rows}")
    actor = get_user_model().objects.filter(
        is_superuser=True
    ).first() or get_user_model().objects.create_user(username=f"io-bench-{time.time_ns()}")
    figures: dict = {"database": connection.vendor, "rows": args.rows}
    if args.rows:
        imports(args, actor, figures)
    figures["payroll_export"] = None
    if args.payroll:
        started = time.perf_counter()
        period, run_id = payroll_run(args.payroll, actor)
        print(
            f"payroll set-up ({args.payroll} employees calculated and approved): {time.perf_counter() - started:.0f} s"
        )
        try:
            csv_figures = child("payroll_csv", run_id)
            print("payroll export, generic CSV:", csv_figures)
            xlsx_figures = child("payroll_xlsx", run_id)
            print("payroll export, generic XLSX:", xlsx_figures)
            figures["payroll_export"] = {"employees": args.payroll, "csv": csv_figures, "xlsx": xlsx_figures}
        finally:
            if not args.keep:
                from benchmarks.calc import cleanup as cleanup_calculated
                from motiva.calc.models import RunSignature
                from motiva.payroll.models import AccrualMapping

                RunSignature.objects.filter(run__period=period).delete()
                AccrualMapping.objects.filter(organization=period.organization).delete()
                cleanup_calculated(period)
    print(json.dumps(figures, ensure_ascii=False))


def imports(args: argparse.Namespace, actor, figures: dict) -> None:
    started = time.perf_counter()
    period = build(args.rows)
    print(f"build: {time.perf_counter() - started:.1f} s")
    workdir = Path(tempfile.mkdtemp(prefix="motiva-io-"))
    try:
        first, second = workdir / "facts-1.csv", workdir / "facts-2.csv"
        write_csv(first, args.rows, 0)
        write_csv(second, args.rows, 3)
        job = make_job(period, first, actor)
        figures["csv_preview"] = child("preview", job.pk)
        print("CSV preview (all new):", figures["csv_preview"])
        figures["csv_apply_create"] = child("apply", job.pk)
        print("CSV apply (all new):", figures["csv_apply_create"])
        job = make_job(period, second, actor)
        figures["csv_preview_update"] = child("preview", job.pk)
        print("CSV preview (every value changed):", figures["csv_preview_update"])
        figures["csv_apply_update"] = child("apply", job.pk)
        print("CSV apply (every value changed):", figures["csv_apply_update"])
        if connection.vendor == "postgresql":
            figures["database_floor"] = database_floor(period)
            print("database floor (no Python, rolled back):", figures["database_floor"])
        if args.xlsx:
            book = workdir / "facts.xlsx"
            began = time.perf_counter()
            write_xlsx(book, args.rows)
            print(f"XLSX written in {time.perf_counter() - began:.0f} s")
            job = make_job(period, book, actor)
            figures["xlsx_preview"] = child("preview", job.pk)
            print("XLSX preview:", figures["xlsx_preview"])
            figures["xlsx_apply"] = child("apply", job.pk)
            print("XLSX apply:", figures["xlsx_apply"])
    finally:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
        if not args.keep:
            cleanup(period)


if __name__ == "__main__":
    main()
