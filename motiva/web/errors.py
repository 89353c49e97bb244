"""Motiva's own error pages (403, 404, 500 and a refused form), in the reader's language.

A 404 is also what a page answers when its object belongs to someone the viewer may not see, so the
page never says which of the two it is. With DEBUG on (the demo of scripts/start.sh runs so), Django
would show its technical pages: the list of the site's URLs for an unknown address and the traceback for
a failure. The middleware below shows Motiva's pages there too, as in production; the traceback goes to
the server's log (the console of runserver), where a developer reads it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template import loader

from motiva.web.outage import is_database_outage

log = logging.getLogger("django.request")
_ANSWERED_ELSEWHERE = (PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    response = render(request, "404.html", status=404)
    response.motiva_page = True  # type: ignore[attr-defined]  # ErrorPagesMiddleware: already Motiva's
    return response


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the database (which the header's navigation reads) may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render({"request_path": request.path}))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", {"reason": reason if settings.DEBUG else ""}, status=403)


class ErrorPagesMiddleware:
    """With DEBUG on, Motiva's pages as in production (handler404 and handler500 do it there): a view's
    Http404, an unknown address (Django's technical 404 page, an HTML answer this middleware did not
    make) and a view's unhandled exception, whose traceback is logged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and not getattr(response, "motiva_page", False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return not_found(request, exception)
        if isinstance(exception, _ANSWERED_ELSEWHERE) or is_database_outage(exception):
            return None  # 400 / 403 by Django's handlers, 503 by the outage middleware, with DEBUG too
        log.error("Internal Server Error: %s", request.path, exc_info=exception)
        return server_error(request)
