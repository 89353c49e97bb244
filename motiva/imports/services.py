"""Upload, mapping, preview and apply of an import job (see docs/imports.md).

Preview: begin() + check() of every row; keeps counts, the first PREVIEW_LIMIT changes and up to
PROBLEM_LIMIT problems, never every row. Apply: the file is re-read and re-checked inside one transaction;
planned rows are written in batches of BATCH_SIZE; any problem rolls everything back.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from motiva.core import audit
from motiva.core.errors import InvalidInput, problem
from motiva.core.models import AuditAction, AuditEvent
from motiva.engine.problems import Problem
from motiva.imports import reading
from motiva.imports.base import (
    OUTCOMES,
    REGISTRY,
    Importer,
    Planned,
    RowRef,
    match_header,
    normalize_header,
)
from motiva.imports.models import ColumnMapping, ImportJob, JobStatus

log = logging.getLogger(__name__)

SKIP = "skip"
BATCH_SIZE = 5000
STAGE_BATCH = 20000
PREVIEW_LIMIT = 200
PROBLEM_LIMIT = 1000
PROGRESS_EVERY = 20000


class _Stop(Exception):
    pass


def importer_class(kind: str) -> type[Importer]:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise InvalidInput(
            [problem("choice", "kind", "Неизвестный вид импорта", "Unknown kind of import")]
        ) from None


def _problem_row(p: Problem, sheet: str = "", row: int | None = None, column: str = "") -> dict:
    return {
        "sheet": sheet,
        "row": row,
        "column": column,
        "field": p.field,
        "code": p.code,
        "ru": p.render("ru"),
        "en": p.render("en"),
    }


def _refused(error: reading.FileRefused) -> list[dict]:
    return [_problem_row(p) for p in error.problems]


# --- upload ------------------------------------------------------------------------------------------


@transaction.atomic
def job_create(*, actor, viewer, organization, kind: str, upload, period=None) -> ImportJob:
    """Store the file privately, inspect it (hostile-file checks) and read its header row."""
    cls = importer_class(kind)
    if not cls.allowed(viewer, organization):
        raise InvalidInput(
            [problem("forbidden", "kind", "Этот импорт вам недоступен", "You may not use this import")]
        )
    if cls.needs_period and period is None:
        raise InvalidInput([problem("required", "period", "Выберите период", "Choose the period")])
    if period is not None and period.organization_id != organization.pk:
        raise InvalidInput(
            [
                problem(
                    "other_organization",
                    "period",
                    "Период из другой организации",
                    "Another organization's period",
                )
            ]
        )
    name = Path(getattr(upload, "name", "") or "file").name[:255]
    job = ImportJob(
        organization=organization,
        kind=kind,
        period=period if cls.needs_period else None,
        original_name=name,
        created_by=actor,
    )
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    suffix = Path(name).suffix.lower()[:6]
    job.file.save(f"{digest.hexdigest()[:16]}{suffix}", File(upload), save=False)
    job.sha256, job.size = digest.hexdigest(), size
    try:
        source = _source(job)
        headers = _headers(source)
    except reading.FileRefused as error:
        job.file.delete(save=False)
        raise InvalidInput(error.problems) from error
    job.mapping = auto_mapping(cls, organization, headers)
    job.save()
    return job


def _source(job: ImportJob) -> reading.SourceFile:
    return reading.inspect(Path(job.file.path), job.original_name)


def _headers(source: reading.SourceFile) -> list[str]:
    for row in reading.read_rows(source):
        return list(row.cells)
    return []


def job_headers(job: ImportJob) -> list[str]:
    try:
        return _headers(_source(job))
    except (reading.FileRefused, OSError, ValueError):
        return []


# --- mapping -----------------------------------------------------------------------------------------


def auto_mapping(cls: type[Importer], organization, headers: list[str]) -> dict[str, str]:
    """header (normalized) -> field key, SKIP or "" (unknown): the remembered choice first, then names."""
    remembered = (
        ColumnMapping.objects.filter(organization=organization, kind=cls.kind)
        .values_list("mapping", flat=True)
        .first()
        or {}
    )
    keys = {item.key for item in cls.fields}
    mapping: dict[str, str] = {}
    for header in headers:
        norm = normalize_header(header)
        if not norm or norm in mapping:
            continue
        chosen = remembered.get(norm)
        if chosen not in keys and chosen != SKIP:
            chosen = match_header(cls, header) or ""
        mapping[norm] = chosen
    return mapping


def mapping_problems(cls: type[Importer], headers: list[str], mapping: dict[str, str]) -> list[dict]:
    """Unknown columns (until skipped), a field named twice, a required field without a column."""
    problems: list[dict] = []
    used: dict[str, str] = {}
    seen: set[str] = set()
    for index, header in enumerate(headers):
        norm = normalize_header(header)
        letter = reading.column_letter(index)
        if not norm:
            continue
        if norm in seen:
            problems.append(
                _problem_row(
                    problem(
                        "duplicate_header",
                        "header",
                        "Заголовок «{h}» повторяется",
                        "Header “{h}” repeats",
                        h=header,
                    ),
                    row=1,
                    column=letter,
                )
            )
            continue
        seen.add(norm)
        key = mapping.get(norm, "")
        if key == SKIP:
            continue
        if not key:
            problems.append(
                _problem_row(
                    problem(
                        "unknown_column",
                        "header",
                        "Неизвестный столбец «{h}»: укажите поле или «пропустить»",
                        "Unknown column “{h}”: choose a field or “skip”",
                        h=header,
                    ),
                    row=1,
                    column=letter,
                )
            )
        elif key in used:
            problems.append(
                _problem_row(
                    problem(
                        "field_twice",
                        "header",
                        "Поле «{f}» выбрано для двух столбцов ({a} и {b})",
                        "Field “{f}” is chosen for two columns ({a} and {b})",
                        f=(cls.field(key).ru if cls.field(key) else key),
                        a=used[key],
                        b=letter,
                    ),
                    row=1,
                    column=letter,
                )
            )
        else:
            used[key] = letter
    for item in cls.fields:
        if item.required and item.key not in used:
            problems.append(
                _problem_row(
                    problem(
                        "missing_column",
                        item.key,
                        "Нет обязательного столбца «{ru}»",
                        "The required column “{en}” is missing",
                        ru=item.ru,
                        en=item.en,
                    ),
                    row=1,
                )
            )
    return problems


def ensure_not_applied(job: ImportJob) -> None:
    """An applied job is a record of what was written (its counts, change list and audit event): it is not
    checked or applied again; the same file is uploaded anew, and its preview says it was applied."""
    if job.status in (JobStatus.APPLIED, JobStatus.NOTHING_TO_DO):
        raise InvalidInput(
            [
                problem(
                    "applied",
                    "job",
                    "Этот файл уже применён: чтобы загрузить его снова, загрузите файл ещё раз",
                    "This file has been applied: to import it again, upload it again",
                )
            ]
        )


@transaction.atomic
def mapping_set(*, actor, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """The user's choice for each column; remembered for the organization and kind."""
    ensure_not_applied(job)
    cls = importer_class(job.kind)
    keys = {item.key for item in cls.fields} | {SKIP, ""}
    headers = {normalize_header(h) for h in job_headers(job)} - {""}
    bad = [h for h, k in mapping.items() if h not in headers or k not in keys]
    if bad:
        raise InvalidInput(
            [
                problem(
                    "choice",
                    "mapping",
                    "Неизвестный столбец или поле: {h}",
                    "Unknown column or field: {h}",
                    h=", ".join(bad),
                )
            ]
        )
    job.mapping = {**job.mapping, **mapping}
    job.status = JobStatus.UPLOADED
    job.counts, job.preview, job.problems = {}, [], []
    job.staged_state = ""
    job.save(
        update_fields=["mapping", "status", "counts", "preview", "problems", "staged_state", "updated_at"]
    )
    if cls.stages:
        cls.unstage(job)
    remembered, _ = ColumnMapping.objects.select_for_update().get_or_create(
        organization=job.organization, kind=job.kind, defaults={"mapping": {}}
    )
    remembered.mapping = {**remembered.mapping, **{h: k for h, k in mapping.items() if k}}
    remembered.updated_by = actor if getattr(actor, "pk", None) else None
    remembered.save()
    return job


# --- the pass over the rows -------------------------------------------------------------------------


class _Pass:
    """One read of the file: maps cells to field keys and checks every row."""

    def __init__(self, job: ImportJob, importer: Importer, cls: type[Importer]) -> None:
        self.job, self.importer, self.cls = job, importer, cls
        self.counts = {"create": 0, "change": 0, "same": 0, "rows": 0, "problems": 0}
        self.sample: list[dict] = []
        self.problems: list[dict] = []
        self.letters: dict[str, str] = {}

    def rows(self, source: reading.SourceFile, on_progress=None) -> Iterator[Planned]:
        iterator = reading.read_rows(source)
        header = next(iterator, None)
        if header is None:
            return
        columns: list[tuple[int, str]] = []
        for index, text in enumerate(header.cells):
            key = self.job.mapping.get(normalize_header(text), "")
            if key and key != SKIP:
                columns.append((index, key))
                self.letters[key] = reading.column_letter(index)
        field_keys = [item.key for item in self.cls.fields]
        check = self.importer.check
        counts = self.counts
        width = len(header.cells)
        for row in iterator:
            counts["rows"] += 1
            cells = row.cells
            values = dict.fromkeys(field_keys, "")
            for index, key in columns:
                if index < len(cells):
                    values[key] = cells[index]
            if len(cells) > width and any(cells[width:]):
                self._problem(
                    problem(
                        "no_header",
                        "",
                        "Значение в столбце без заголовка",
                        "A value in a column without a header",
                    ),
                    row,
                    reading.column_letter(width),
                )
                continue
            result = check(values, RowRef(row.sheet, row.number))
            if isinstance(result, list):
                for p in result:
                    self._problem(p, row, self.letters.get(p.field, ""))
                continue
            result.row = row.number
            counts[result.outcome] += 1
            if result.outcome != "same" and len(self.sample) < PREVIEW_LIMIT:
                self.sample.append(
                    {
                        "row": row.number,
                        "sheet": row.sheet,
                        "outcome": result.outcome,
                        "label": result.label,
                        "changes": [list(c) for c in result.changes],
                    }
                )
            if on_progress is not None and counts["rows"] % PROGRESS_EVERY == 0:
                on_progress(counts["rows"])
            yield result

    def conclude(self) -> None:
        """The importer's problems of the whole file, after its last row (Importer.conclude)."""
        for p in self.importer.conclude():
            self.counts["problems"] += 1
            if len(self.problems) < PROBLEM_LIMIT:
                self.problems.append(_problem_row(p, column=self.letters.get(p.field, "")))

    def _problem(self, p: Problem, row: reading.SheetRow, letter: str) -> None:
        self.counts["problems"] += 1
        if len(self.problems) < PROBLEM_LIMIT:
            self.problems.append(_problem_row(p, row.sheet, row.number, letter))


@contextmanager
def _long_lived_state_frozen() -> Iterator[None]:
    """Wrap a pass over the rows once begin() has read its state (dicts of up to a million entries).
    Python's cycle collector would otherwise walk all of that state again at every full collection while
    the pass allocates millions of short-lived rows (none of them in a cycle); gc.freeze() sets the
    objects alive now aside until the pass ends (process-wide, harmless: they are only not scanned).
    Measured on the 1 000 000 fact rows of benchmarks/io.py, PostgreSQL: preview 24.5 s without it,
    17.7 s with it (16.7 s with the collector switched off altogether)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _progress(job_id: int, total: int | None = None):
    def save(done: int) -> None:
        # Another connection would not see it inside the apply transaction on PostgreSQL; the update is
        # cheap either way and the page shows it once committed (preview runs outside a transaction).
        ImportJob.objects.filter(pk=job_id).update(done=done, updated_at=timezone.now())

    return save


def _importer(job: ImportJob, viewer) -> tuple[type[Importer], Importer]:
    cls = importer_class(job.kind)
    return cls, cls(organization=job.organization, actor=job.created_by, viewer=viewer, period=job.period)


def _fail(job: ImportJob, problems: list[dict], counts: dict | None = None) -> ImportJob:
    job.status = JobStatus.FAILED if job.status == JobStatus.APPLYING else JobStatus.PREVIEWED
    job.problems = problems[:PROBLEM_LIMIT]
    if counts is not None:
        job.counts = counts
    job.save(update_fields=["status", "problems", "counts", "updated_at"])
    return job


def preview(job: ImportJob, viewer) -> ImportJob:
    """Check every row; store counts, the first changes and the problems, and (kinds that stage) the
    checked rows for apply. Writes nothing else."""
    cls, importer = _importer(job, viewer)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.PREVIEWING, done=0, staged_state="")
    job.status, job.staged_state = JobStatus.PREVIEWING, ""
    staging = cls.stages
    try:
        if staging:
            importer.unstage(job)
        source = _source(job)
        headers = _headers(source)
        mapping_errors = mapping_problems(cls, headers, job.mapping)
        if mapping_errors:
            job.status = JobStatus.PREVIEWED
            return _fail(job, mapping_errors, {})
        importer.begin()
        state = importer.state_digest() if staging else ""
        scan = _Pass(job, importer, cls)
        batch: list[Planned] = []
        with _long_lived_state_frozen():
            for planned in scan.rows(source, _progress(job.pk)):
                if not staging or scan.counts["problems"]:
                    continue  # a file with a problem is not applied: nothing more to stage
                batch.append(planned)
                if len(batch) >= STAGE_BATCH:
                    importer.stage(job, batch)
                    batch = []
        scan.conclude()
        if staging and not scan.counts["problems"]:
            if batch:
                importer.stage(job, batch)
            job.staged_state = state
        elif staging:
            importer.unstage(job)
    except reading.FileRefused as error:
        job.status = JobStatus.PREVIEWED
        return _fail(job, _refused(error), {})
    except InvalidInput as error:
        job.status = JobStatus.PREVIEWED
        return _fail(job, [_problem_row(p) for p in error.problems], {})
    job.status = JobStatus.PREVIEWED
    job.counts = scan.counts
    job.preview = scan.sample
    job.problems = scan.problems
    job.done = job.total = scan.counts["rows"]
    job.save(
        update_fields=[
            "status",
            "counts",
            "preview",
            "problems",
            "done",
            "total",
            "staged_state",
            "updated_at",
        ]
    )
    return job


def apply(job: ImportJob, viewer) -> ImportJob:
    """Re-read, re-check and write everything in one transaction; on any problem nothing is written."""
    cls, importer = _importer(job, viewer)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.APPLYING, done=0)
    job.status = JobStatus.APPLYING
    scan = _Pass(job, importer, cls)
    # The change list can hold a million lines: spooled to a temporary file past a few megabytes.
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 (closed below)
    changes = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")
    try:
        if cls.stages and job.staged_state:
            importer.prepare_apply(job)
        with transaction.atomic():
            # The job row is locked for the whole apply: a cleanup of stale staged rows skips it, and a
            # second apply of the same job waits and then finds it applied.
            locked = ImportJob.objects.select_for_update().filter(pk=job.pk).values("staged_state").first()
            job.staged_state = locked["staged_state"] if locked else ""
            source = _source(job)
            if source.sha256 != job.sha256:
                raise InvalidInput(
                    [
                        problem(
                            "file_changed",
                            "file",
                            "Файл изменился после загрузки",
                            "The file changed after upload",
                        )
                    ]
                )
            mapping_errors = mapping_problems(cls, _headers(source), job.mapping)
            if mapping_errors:
                return _fail(job, mapping_errors)
            writer = csv.writer(changes)
            writer.writerow(["outcome", "subject", "field", "old", "new"])
            if _staged_still_holds(job, importer, cls):
                counts = {**job.counts, **importer.apply_staged(job, lambda *cells: writer.writerow(cells))}
                _applied(job, importer, counts, changes, spool)
                return job
            importer.begin()
            batch: list[Planned] = []
            with _long_lived_state_frozen():
                for planned in scan.rows(source, _progress(job.pk)):
                    if scan.problems:
                        continue  # keep checking to report every problem; nothing will be written
                    if planned.outcome == "same":
                        continue
                    for label, old, new in planned.changes:
                        writer.writerow([planned.outcome, planned.label, label, old, new])
                    batch.append(planned)
                    if len(batch) >= BATCH_SIZE:
                        importer.apply_batch(batch)
                        batch = []
            scan.conclude()
            if scan.counts["problems"]:
                raise _Stop
            if batch:
                importer.apply_batch(batch)
            _applied(job, importer, scan.counts, changes, spool)
    except _Stop:
        return _fail(job, scan.problems, scan.counts)
    except reading.FileRefused as error:
        return _fail(job, _refused(error))
    except InvalidInput as error:
        counts = scan.counts if scan.counts["rows"] else None  # staged: the preview's counts stay
        return _fail(job, scan.problems + [_problem_row(p) for p in error.problems], counts)
    finally:
        changes.close()
        if cls.stages and job.status in (JobStatus.APPLIED, JobStatus.NOTHING_TO_DO):
            importer.unstage(job)  # after the commit: the scratch rows are not part of the change
    return job


def _staged_still_holds(job: ImportJob, importer: Importer, cls: type[Importer]) -> bool:
    """Whether apply may write the rows its preview staged: the preview found no problem, what its checks
    read besides the file is unchanged (the digest), and every staged row is still there (PostgreSQL
    empties an unlogged table after a crash). Otherwise apply reads and checks the file again."""
    if not (cls.stages and job.staged_state) or job.counts.get("problems", 1):
        return False
    importer.begin_staged()
    expected = sum(int(job.counts.get(outcome, 0)) for outcome in OUTCOMES)
    return importer.state_digest() == job.staged_state and importer.staged_count(job) == expected


def _applied(job: ImportJob, importer: Importer, counts: dict, changes, spool) -> None:
    """The end of a successful apply: counts, the change list file, one audit event, the job saved."""
    extra = importer.finish() or {}
    counts = {**counts, **{k: int(v) for k, v in extra.items()}}
    written = counts["create"] + counts["change"]
    job.counts = counts
    job.problems = []
    job.done = job.total = counts["rows"]
    job.applied_at = timezone.now()
    job.staged_state = ""
    if written:
        job.status = JobStatus.APPLIED
        changes.flush()
        spool.seek(0)
        job.change_list.save(f"{job.sha256[:16]}-{job.pk}.csv", File(spool), save=False)
        _audit(job, counts)
    else:
        job.status = JobStatus.NOTHING_TO_DO
    job.save()


def _audit(job: ImportJob, counts: dict) -> None:
    """One event per applied import: kind, file name, its SHA-256 and the counts (the per-cell list of
    changes is the job's change_list file)."""
    summary = {
        "kind": job.kind,
        "file": job.original_name,
        "sha256": job.sha256,
        "period": job.period_id,
        "rows": counts["rows"],
        "created": counts["create"],
        "changed": counts["change"],
        "same": counts["same"],
    }
    audit.append(
        [
            AuditEvent(
                actor=job.created_by,
                action=AuditAction.CREATE,
                organization_id=job.organization_id,
                entity_type=ImportJob._meta.label,
                entity_id=str(job.pk),
                entity_repr=str(job)[:300],
                field="import",
                new_value=json.dumps(summary, ensure_ascii=False, sort_keys=True),
            )
        ]
    )


def applied_before(job: ImportJob) -> ImportJob | None:
    """An earlier applied import of the same file (same sha256 and kind) in the organization."""
    return (
        ImportJob.objects.filter(
            organization_id=job.organization_id,
            kind=job.kind,
            sha256=job.sha256,
            status__in=[JobStatus.APPLIED, JobStatus.NOTHING_TO_DO],
        )
        .exclude(pk=job.pk)
        .order_by("-applied_at")
        .first()
    )


# --- background ---------------------------------------------------------------------------------------


def run(job_id: int, action: str, viewer_user_id: int) -> None:
    """Run preview or apply of a stored job (the Celery task and the thread call this)."""
    from django.contrib.auth import get_user_model

    from motiva.core.access import viewer_for

    job = ImportJob.objects.select_related("organization", "period", "created_by").get(pk=job_id)
    user = get_user_model().objects.get(pk=viewer_user_id)
    viewer = viewer_for(user)
    try:
        (apply if action == "apply" else preview)(job, viewer)
    except Exception:
        log.exception("import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(status=JobStatus.FAILED)
        raise
