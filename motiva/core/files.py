"""Files on disk that are either complete or absent: attachments and exports survive a full disk.

An attachment is written to a hidden temporary name in its own directory, flushed to the disk
(fsync), and only then linked under its final name; a failed write (a full disk, a quota) removes
the temporary file and raises, so no truncated file is ever visible under a name a row could refer to.
The services store the file before the row refers to it and delete a replaced file only after the
replacement is committed (see `motiva.periods.services.value_annotate`).
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import transaction

# A full disk (ENOSPC), an exhausted quota (EDQUOT) or a file beyond the size limit (EFBIG).
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
TEMPORARY_PREFIX = ".part-"
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK})


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS


class DiskFull(OSError):
    """A file could not be written for lack of space; nothing was left behind. `name` is the file."""

    def __init__(self, name: str, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror, name)
        self.name = name


def _fsync_directory(path: Path) -> None:
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


class AtomicFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose files appear only complete: temporary name, fsync, then link."""

    def _save(self, name: str, content: File[Any]) -> str:
        full_path = Path(self.path(name))
        directory = full_path.parent
        directory.mkdir(parents=True, exist_ok=True, mode=self.directory_permissions_mode or 0o777)
        temporary = directory / f"{TEMPORARY_PREFIX}{secrets.token_hex(8)}"
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    data = chunk.encode() if isinstance(chunk, str) else chunk
                    view = memoryview(data)
                    while view:
                        written = os.write(handle, view)
                        view = view[written:]
                os.fsync(handle)
            finally:
                os.close(handle)
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            while True:
                try:
                    os.link(temporary, full_path)  # never replaces a file of the same name
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = Path(self.path(name))
                except OSError as error:
                    if error.errno not in _NO_HARD_LINKS:
                        raise
                    # A filesystem without hard links: rename, after making sure the name is free.
                    if full_path.exists():
                        name = self.get_available_name(name)
                        full_path = Path(self.path(name))
                        continue
                    os.rename(temporary, full_path)
                    break
            _fsync_directory(directory)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            if is_disk_full(error):
                raise DiskFull(str(getattr(content, "name", "") or name), error) from error
            raise
        temporary.unlink(missing_ok=True)
        return name.replace("\\", "/")


def delete_after_commit(storage: Any, name: str) -> None:
    """Delete a stored file once the current transaction commits (at once outside a transaction)."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def workbook_bytes(book: Any, name: str) -> bytes:
    """An openpyxl workbook as the bytes of an .xlsx file, built entirely in memory.

    openpyxl's own writer spools every sheet to a temporary file and zips that file afterwards; on a
    full disk the spool is silently cut short and the download would be a truncated sheet. Here each
    sheet is written to memory instead, so a full disk can neither truncate an export nor leave a
    temporary file behind. Any other write error is reported as DiskFull naming `name`."""
    from io import BytesIO
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class InMemoryWriter(ExcelWriter):  # type: ignore[misc]
        def write_worksheet(self, ws: Any) -> None:
            if self.workbook.write_only:  # not used by Motiva; keep openpyxl's way
                super().write_worksheet(ws)
                return
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            writer = WorksheetWriter(ws, out=BytesIO())
            writer.write()
            ws._rels = writer._rels
            self._archive.writestr(ws.path[1:], writer.read())
            self.manifest.append(ws)

    buffer = BytesIO()
    try:
        with ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
            InMemoryWriter(book, archive).write_data()
    except OSError as error:
        if is_disk_full(error):
            raise DiskFull(name, error) from error
        raise
    return buffer.getvalue()


def leftovers(
    root: Path, referenced: set[str], older_than: Callable[[Path], bool] | None = None
) -> list[Path]:
    """Files under `root` that no row refers to (names relative to root) and temporary files of
    interrupted writes; `older_than` (a predicate) spares files that may belong to a write in flight."""
    found: list[Path] = []
    if not root.is_dir():
        return found
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if relative in referenced and not path.name.startswith(TEMPORARY_PREFIX):
            continue
        if older_than is None or older_than(path):
            found.append(path)
    return found


__all__ = [
    "DISK_FULL_ERRNOS",
    "AtomicFileSystemStorage",
    "DiskFull",
    "delete_after_commit",
    "is_disk_full",
    "leftovers",
    "workbook_bytes",
]
