"""A full disk while a request's upload is being received.

Django spools an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file while it reads the
request body. The first reader of the form is the CSRF check, which does not expect an OSError there, so
a full disk at that moment was a 500 before any view could say what happened. This middleware, placed
just before the CSRF check, reads the form first: on a full disk (or an exhausted quota) it answers 507
with a page that says the file was not received and nothing was changed. Django has already removed the
partial spool file by then (CleanTemporaryFileUploadHandler below sees to it); the request never reaches
a view, so nothing is written."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.template import loader

from motiva.core.files import is_disk_full

log = logging.getLogger("motiva.uploads")


class CleanTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's spooling handler, except that a write that fails (a full disk) removes its partial
    temporary file at once instead of leaving it until the object happens to be collected."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        try:
            self.file.write(raw_data)
        except OSError:
            # A named temporary file is unlinked when it is closed, even when flushing the rest fails.
            with contextlib.suppress(OSError):
                self.file.close()
            raise


class UploadSpoolMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 — reading it spools the upload now, not inside the CSRF check
            except OSError as error:
                if not is_disk_full(error):
                    raise
                log.error("upload refused, the disk is full: POST %s (%s)", request.path, error)
                body = loader.get_template("507.html").render({"request_path": request.path})
                return HttpResponse(body, status=507)
        return self.get_response(request)
