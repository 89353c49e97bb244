"""Motiva's own error pages (403, 404, 500 and a refused form), in the reader's language.

A 404 is also what a page answers when its object belongs to someone the viewer may not see, so the
page never says which of the two it is. With DEBUG on, Django would show its technical page for a 404
raised by a view; the middleware below keeps Motiva's page there too (an unknown address still gets
Django's list of URLs, which is what a developer needs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the database (which the header's navigation reads) may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render({"request_path": request.path}))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", {"reason": reason if settings.DEBUG else ""}, status=403)


class ErrorPagesMiddleware:
    """With DEBUG on, a view's Http404 renders Motiva's 404 page (in production handler404 does)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if settings.DEBUG and isinstance(exception, Http404):
            return not_found(request, exception)
        return None
