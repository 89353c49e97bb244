"""Fault script: the database stops and crashes under a writer load, and the disk fills during uploads
and exports. What was lost, and how long recovery took.

    python benchmarks/faults.py                 # about a minute; root (tmpfs mount, runuser postgres)
    python benchmarks/faults.py --seconds 40 --writers 6

Bounded in time, loopback only. It starts a private PostgreSQL cluster on a port of its own
(tests/support/pgcluster.py; never the shared 5432) with `synchronous_commit = on` (the helper's
default is off, which would let a crash lose acknowledged commits by design), migrates it, loads a small
organization through the services and then:

1. Writer load with outages: W threads save facts through `value_set` (the service the fact grid
   calls; each save is one transaction with its audit record) and note every save that returned, while
   a probe reads /healthz through the whole Django stack (middleware included). Meanwhile the script
   stops the server cleanly ("fast"), later kills it ("immediate", a crash), and restarts it each time.
   Afterwards every acknowledged save must be in the database (the cell holds the last acknowledged
   value, or a later one whose acknowledgement the outage swallowed), every value row must have its
   audit record with the same value (no partial write), the audit hash chain must verify; it reports
   the downtime, how long after each restart the first save and the first healthy /healthz came, and
   whether any page answered 500.
2. Uploads on a full disk: MEDIA_ROOT is a 512 KB tmpfs. Attachments are uploaded through
   `value_annotate` until the disk is full (refusals are counted, they must be "disk_full"), then
   replaced on the full disk, and uploads run while the database is restarted. Afterwards every row's
   file exists with exactly the bytes that were uploaded, no file on disk lacks a row, no temporary
   `.part-` file is left, and a replaced file is gone.
3. Exports on a full disk: the run export's workbook writer with the temporary directory on the full
   tmpfs gives the same complete workbook as with free space, and leaves no temporary file.

It prints figures and ends with one JSON line; the exit status is 1 if anything was lost.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.pgcluster import PgCluster, available  # noqa: E402


def log(text: str) -> None:
    print(text, flush=True)


def mount_tmpfs(size: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="motiva-faults-media-"))
    done = subprocess.run(  # noqa: S603 - a fixed program, our own temporary directory
        ["/usr/bin/mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"cannot mount a tmpfs (needs root): {done.stderr.strip()}")
    return path


def unmount(path: Path) -> None:
    subprocess.run(  # noqa: S603 - a fixed program, our own temporary directory
        ["/usr/bin/umount", "-l", str(path)], capture_output=True, check=False
    )
    with contextlib.suppress(OSError):
        path.rmdir()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=30, help="length of the writer load (bounded)")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--employees", type=int, default=24)
    parser.add_argument("--down", type=float, default=3.0, help="seconds the database stays down")
    arguments = parser.parse_args()
    seconds = max(12, min(arguments.seconds, 300))
    writers_count = max(1, min(arguments.writers, 16))

    reason = available()
    if reason:
        log(f"skipped: {reason}")
        print(json.dumps({"skipped": reason}))
        return 0
    if os.geteuid() != 0:
        log("skipped: mounting the small disk (tmpfs) needs root")
        print(json.dumps({"skipped": "not root"}))
        return 0

    began = time.monotonic()
    cluster = PgCluster()
    media = mount_tmpfs("512k")
    spool = mount_tmpfs("256k")
    try:
        cluster.start()
        cluster.psql("ALTER SYSTEM SET synchronous_commit = on")
        cluster.psql("SELECT pg_reload_conf()")
        url = cluster.create_database("motiva_faults")
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": url,
                "DATABASE_CONNECT_TIMEOUT": "2",
                "MEDIA_ROOT": str(media),
                "DEBUG": "false",
                "SECRET_KEY": "faults-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
                "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "false",
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                "LANGUAGE_CODE": "en",
            }
        )
        os.environ.pop("MIGRATE_DATABASE_URL", None)
        os.environ.pop("CELERY_BROKER_URL", None)
        return run(cluster, media, spool, seconds, writers_count, arguments, began)
    finally:
        unmount(media)
        unmount(spool)
        cluster.destroy()


def run(cluster, media, spool, seconds, writers_count, arguments, began) -> int:
    import datetime as dt

    import django

    django.setup()
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # the 503s during outages are expected

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import DatabaseError, InterfaceError, OperationalError, connection
    from django.test import Client

    from motiva.core.errors import InvalidInput
    from motiva.core.files import TEMPORARY_PREFIX, AtomicFileSystemStorage, workbook_bytes
    from motiva.core.models import AuditEvent
    from motiva.kpi import services as kpi
    from motiva.org import services as org
    from motiva.periods import services as periods
    from motiva.periods.models import IndicatorValue

    t0 = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = time.monotonic() - t0
    actor = get_user_model().objects.create_superuser(username="faults", password="faults-Secret-123")  # noqa: S106 - throwaway
    company = org.organization_create(actor=actor, name="Faults LLC")
    grade = org.grade_create(
        actor=actor,
        organization=company,
        code="G1",
        name="Staff",
        salary_min=Decimal(50000),
        salary_max=Decimal(99000),
    )
    root = org.unit_create(actor=actor, organization=company, code="C", name="Company")
    position = org.position_create(actor=actor, unit=root, title="Driver", grade=grade)
    people = [
        org.employee_hire(
            actor=actor,
            organization=company,
            personnel_number=str(100 + n),
            last_name=f"Worker{n}",
            first_name="W",
            hire_date=dt.date(2020, 1, 1),
            position=position,
            salary=Decimal(60000),
        )
        for n in range(arguments.employees)
    ]
    indicators = [
        kpi.indicator_create(actor=actor, organization=company, code=f"K{n}", name=f"Indicator {n}")
        for n in range(4)
    ]
    period = periods.period_create(actor=actor, organization=company, kind="month", start=dt.date(2026, 3, 1))
    log(f"private cluster on 127.0.0.1:{cluster.port}, migrated in {migrate_seconds:.1f} s")
    log(f"organization: {len(people)} employees, {len(indicators)} indicators, period {period.name}")

    transient = (OperationalError, InterfaceError, DatabaseError)

    def reset_connection() -> None:
        try:
            connection.close()
        except Exception:
            connection.connection = None

    # ---------------------------------------------------------------- 1. writer load with outages
    stop_load = threading.Event()
    acknowledged: dict[tuple[int, int], list[tuple[int, float]]] = {}
    attempted_after_ack: dict[tuple[int, int], list[int]] = {}
    lock = threading.Lock()
    errors_by_kind: dict[str, int] = {}
    other_failures: list[str] = []
    successes: list[float] = []
    error_log: list[tuple[float, int, str]] = []  # (when, writer, first line of the error)
    save_seconds: list[float] = []

    def writer(number: int) -> None:
        cells = [
            (indicator, employee)
            for i, indicator in enumerate(indicators)
            for j, employee in enumerate(people)
            if (i * len(people) + j) % writers_count == number
        ]
        sequence = 0
        while not stop_load.is_set():
            indicator, employee = cells[sequence % len(cells)]
            sequence += 1
            key = (indicator.pk, employee.pk)
            value = sequence * writers_count + number  # unique per writer: which save landed is known
            with lock:
                attempted_after_ack.setdefault(key, []).append(value)
            save_began = time.monotonic()
            try:
                periods.value_set(
                    actor=actor,
                    indicator=indicator,
                    period=period,
                    kind="fact",
                    value=Decimal(value),
                    scope="employee",
                    employee=employee,
                )
            except transient as error:
                with lock:
                    errors_by_kind[type(error).__name__] = errors_by_kind.get(type(error).__name__, 0) + 1
                    error_log.append((time.monotonic(), number, str(error).strip().splitlines()[0][:120]))
                reset_connection()
                time.sleep(0.05)
                continue
            except Exception as error:
                with lock:
                    other_failures.append(f"{type(error).__name__}: {error}")
                reset_connection()
                time.sleep(0.05)
                continue
            now = time.monotonic()
            with lock:
                acknowledged.setdefault(key, []).append((value, now))
                save_seconds.append(now - save_began)
                attempted_after_ack[key] = []
                successes.append(now)
        reset_connection()

    probe_statuses: dict[int, int] = {}
    probe_times: list[tuple[float, int]] = []

    def probe() -> None:
        client = Client()
        while not stop_load.is_set():
            started = time.monotonic()
            try:
                status = client.get("/healthz").status_code
            except Exception:
                status = 500
            with lock:
                probe_statuses[status] = probe_statuses.get(status, 0) + 1
                probe_times.append((started, status))
            time.sleep(0.1)
        reset_connection()

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(writers_count)]
    threads.append(threading.Thread(target=probe, daemon=True))
    load_began = time.monotonic()
    for thread in threads:
        thread.start()
    outages = []
    plan = [("fast", seconds * 0.2), ("immediate", seconds * 0.55)]
    for mode, at in plan:
        time.sleep(max(0.0, load_began + at - time.monotonic()))
        stopped_at = time.monotonic()
        cluster.stop(mode)
        time.sleep(arguments.down)
        start_called = time.monotonic()
        cluster.start()
        ready_at = time.monotonic()
        outages.append({"mode": mode, "stopped": stopped_at, "start_called": start_called, "ready": ready_at})
        log(
            f"database stopped ({mode}) for {start_called - stopped_at:.1f} s, ready {ready_at - start_called:.2f} s after start"
        )
    time.sleep(max(0.0, load_began + seconds - time.monotonic()))
    stop_load.set()
    for thread in threads:
        thread.join(timeout=30)
    reset_connection()

    for index, outage in enumerate(outages):
        until = outages[index + 1]["stopped"] if index + 1 < len(outages) else float("inf")
        after = [t for t in successes if t > outage["ready"]]
        outage["first_save_after_ready_s"] = round(after[0] - outage["ready"], 3) if after else None
        healthy = [t for t, s in probe_times if t > outage["stopped"] and s == 200]
        outage["first_healthy_after_ready_s"] = (
            round(max(0.0, healthy[0] - outage["ready"]), 3) if healthy else None
        )
        last_before = [t for t in successes if t < outage["stopped"]]
        outage["writes_stalled_s"] = round(after[0] - last_before[-1], 3) if after and last_before else None
        outage["downtime_s"] = round(outage["ready"] - outage["stopped"], 3)
        late = [(t, w, m) for t, w, m in error_log if outage["ready"] < t < until]
        outage["errors_after_ready"] = len(late)
        outage["last_error_after_ready"] = (
            f"+{late[-1][0] - outage['ready']:.2f} s writer {late[-1][1]}: {late[-1][2]}" if late else None
        )

    stored = {
        (row.indicator_id, row.employee_id): row
        for row in IndicatorValue.objects.filter(period=period, kind="fact")
    }
    lost = []
    for key, saves in acknowledged.items():
        row = stored.get(key)
        allowed = {saves[-1][0], *attempted_after_ack.get(key, [])}
        if row is None or int(row.value) not in allowed:
            lost.append(
                {"cell": key, "acknowledged": saves[-1][0], "stored": None if row is None else str(row.value)}
            )
    # No partial write: each row's latest audit record carries the value the row holds.
    partial = []
    for key, row in stored.items():
        latest = (
            AuditEvent.objects.filter(
                entity_type="periods.IndicatorValue", entity_id=str(row.pk), field="value"
            )
            .order_by("-id")
            .first()
        )
        if latest is None or Decimal(latest.new_value) != row.value:
            partial.append(
                {"cell": key, "row": str(row.value), "audit": latest.new_value if latest else None}
            )
    chain = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    total_acknowledged = sum(len(v) for v in acknowledged.values())
    log(
        f"writer load: {writers_count} writers, {seconds} s, {total_acknowledged} saves acknowledged, "
        f"{sum(errors_by_kind.values())} refused by the outage {errors_by_kind}"
    )
    log(f"  acknowledged saves missing: {len(lost)}; rows without their audit record: {len(partial)}")
    log(
        f"  audit chain: {'verified' if chain.returncode == 0 else 'BROKEN'} ({(chain.stdout or chain.stderr).strip()[:200]})"
    )
    log(f"  /healthz answers: {dict(sorted(probe_statuses.items()))}")
    ordered = sorted(save_seconds)
    if ordered:
        log(
            f"  save latency: p50 {ordered[len(ordered) // 2] * 1000:.0f} ms, "
            f"p95 {ordered[int(len(ordered) * 0.95)] * 1000:.0f} ms (2 shared cores, other agents running)"
        )
    for outage in outages:
        if outage["last_error_after_ready"]:
            log(
                f"  {outage['mode']}: {outage['errors_after_ready']} errors after ready, last {outage['last_error_after_ready']}"
            )
    for outage in outages:
        log(
            f"  {outage['mode']:>9}: down {outage['downtime_s']} s; first save {outage['first_save_after_ready_s']} s "
            f"and first healthy /healthz {outage['first_healthy_after_ready_s']} s after the server was ready; "
            f"writes stalled {outage['writes_stalled_s']} s"
        )

    server_log = (
        cluster.log_path.read_text(errors="replace").splitlines() if cluster.log_path.exists() else []
    )
    deadlocks = [n for n, line in enumerate(server_log) if "deadlock detected" in line]
    if deadlocks:
        first = deadlocks[0]
        log(f"  the server logged {len(deadlocks)} deadlocks; the first:")
        for line in server_log[first : first + 8]:
            log("    | " + line[:300])

    # ---------------------------------------------------------------- 2. uploads on a full disk
    values = list(IndicatorValue.objects.filter(period=period, kind="fact").order_by("pk"))
    uploaded: dict[int, str] = {}  # value pk -> sha256 of the bytes whose upload was acknowledged
    refusals: dict[str, int] = {}
    accepted = 0

    def upload(value, number: int, size: int) -> bool:
        nonlocal accepted
        payload = hashlib.sha256(str(number).encode()).digest() * (size // 32)
        try:
            periods.value_annotate(
                actor=actor,
                value=IndicatorValue.objects.get(pk=value.pk),
                attachment=SimpleUploadedFile(f"act-{number}.pdf", payload),
            )
        except InvalidInput as error:
            code = error.problems[0].code
            refusals[code] = refusals.get(code, 0) + 1
            return False
        except transient as error:
            refusals[type(error).__name__] = refusals.get(type(error).__name__, 0) + 1
            reset_connection()
            return False
        accepted += 1
        uploaded[value.pk] = hashlib.sha256(payload).hexdigest()
        return True

    number = 0
    for value in values:  # until the 512 KB disk is full
        number += 1
        upload(value, number, 40 * 1024)
        if refusals.get("disk_full", 0) >= 3:
            break
    full_after = accepted
    for value in values[:10]:  # replacements on a full disk: refused, the old file stays
        number += 1
        upload(value, number, 40 * 1024)
    for value in values[:6]:  # small replacements fit into what is left, and free the old files
        number += 1
        upload(value, number, 1024)
    replaced_pairs = accepted - full_after
    # The database crashes between storing a file and the row that refers to it (the server is killed
    # right after the file is complete): the upload is refused and the file must go with it.
    outage_uploads = {"crashed_after_store_refused": 0, "after_restart_accepted": 0}
    original_save = AtomicFileSystemStorage._save
    crash_next = threading.Event()

    def save_then_crash(self, name, content):
        stored_name = original_save(self, name, content)
        if crash_next.is_set():
            crash_next.clear()
            cluster.stop("immediate")
        return stored_name

    AtomicFileSystemStorage._save = save_then_crash
    try:
        for value in values[10:13]:
            number += 1
            crash_next.set()
            if not upload(value, number, 1024):
                outage_uploads["crashed_after_store_refused"] += 1
            cluster.start()
            reset_connection()
    finally:
        AtomicFileSystemStorage._save = original_save
    for value in values[10:13]:
        number += 1
        if upload(value, number, 1024):
            outage_uploads["after_restart_accepted"] += 1

    rows = {v.pk: v.attachment.name for v in IndicatorValue.objects.filter(period=period) if v.attachment}
    on_disk = {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}
    missing_files = [name for name in rows.values() if name not in on_disk]
    wrong_bytes = [
        pk
        for pk, name in rows.items()
        if name in on_disk and hashlib.sha256((media / name).read_bytes()).hexdigest() != uploaded.get(pk)
    ]
    orphans = sorted(on_disk - set(rows.values()))
    temporaries = [name for name in on_disk if Path(name).name.startswith(TEMPORARY_PREFIX)]
    log(
        f"uploads on a 512 KB disk: {accepted} accepted ({full_after} until full, {replaced_pairs} replacements "
        f"after), refused {refusals}; during a database crash {outage_uploads}"
    )
    log(
        f"  rows with an attachment {len(rows)}, files on disk {len(on_disk)}: missing {len(missing_files)}, "
        f"not the uploaded bytes {len(wrong_bytes)}, orphans {len(orphans)}, temporary parts {len(temporaries)}"
    )

    # ---------------------------------------------------------------- 3. exports on a full disk
    from openpyxl import Workbook

    def book():
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["Personnel number", "Employee", "Value"])
        for row in IndicatorValue.objects.filter(period=period).select_related("employee").order_by("pk"):
            sheet.append([row.employee.personnel_number, str(row.employee), row.value])
        return workbook

    tempfile.tempdir = str(spool)
    baseline = workbook_bytes(book(), "baseline.xlsx")
    filler = spool / "filler.bin"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(handle, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(handle)
    exports_equal = 0
    for _ in range(5):
        if _same_sheet(workbook_bytes(book(), "full.xlsx"), baseline):
            exports_equal += 1
    export_leftovers = [p.name for p in spool.iterdir() if p.name != "filler.bin"]
    # What openpyxl's own writer does there (for the record): its temporary sheet is cut short.
    from io import BytesIO

    stock = BytesIO()
    stock_outcome = "complete"
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None  # lxml's writer complains again while being closed
    try:
        book().save(stock)
        if not _same_sheet(stock.getvalue(), baseline):
            stock_outcome = "truncated without an error"
    except Exception as error:  # lxml raises SerialisationError(IO_ENOSPC), not an OSError
        stock_outcome = f"{type(error).__name__}: {error}"
    finally:
        import gc

        gc.collect()  # lxml's generator is closed here, while its complaint is muted
        sys.unraisablehook = hook
    tempfile.tempdir = None
    log(
        f"exports with the temporary directory on a full disk: {exports_equal}/5 complete, "
        f"temporary files left {len(export_leftovers)}; openpyxl's stock writer there: {stock_outcome}"
    )

    ok = (
        not lost
        and not partial
        and chain.returncode == 0
        and 500 not in probe_statuses
        and not other_failures
        and not missing_files
        and not wrong_bytes
        and not orphans
        and not temporaries
        and exports_equal == 5
        and not export_leftovers
        and set(refusals) <= {"disk_full", "OperationalError", "InterfaceError", "DatabaseError"}
    )
    if other_failures:
        log(f"  unexpected failures: {other_failures[:5]}")
    summary = {
        "ok": ok,
        "seconds_total": round(time.monotonic() - began, 1),
        "writers": writers_count,
        "load_seconds": seconds,
        "saves_acknowledged": total_acknowledged,
        "save_p95_ms": round(ordered[int(len(ordered) * 0.95)] * 1000) if ordered else None,
        "saves_refused_during_outages": sum(errors_by_kind.values()),
        "acknowledged_lost": len(lost),
        "deadlocks_logged": len(deadlocks),
        "partial_rows": len(partial),
        "audit_chain_ok": chain.returncode == 0,
        "healthz": {str(k): v for k, v in sorted(probe_statuses.items())},
        "outages": [
            {k: v for k, v in o.items() if k not in ("stopped", "start_called", "ready")} for o in outages
        ],
        "uploads_accepted": accepted,
        "uploads_refused": refusals,
        "uploads_during_crash": outage_uploads,
        "files_missing": len(missing_files),
        "files_wrong_bytes": len(wrong_bytes),
        "orphan_files": len(orphans),
        "temporary_parts": len(temporaries),
        "exports_complete_on_full_disk": f"{exports_equal}/5",
        "export_temporaries_left": len(export_leftovers),
        "openpyxl_stock_writer_on_full_disk": stock_outcome,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if ok else 1


def _same_sheet(a: bytes, b: bytes) -> bool:
    """The same cells (a workbook's bytes differ by its timestamps)."""
    from io import BytesIO

    from openpyxl import load_workbook

    try:
        rows_a = list(load_workbook(BytesIO(a)).active.iter_rows(values_only=True))
    except Exception:
        return False
    rows_b = list(load_workbook(BytesIO(b)).active.iter_rows(values_only=True))
    return rows_a == rows_b


if __name__ == "__main__":
    sys.exit(main())
