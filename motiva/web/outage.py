"""With the database down, every page answers 503 with Retry-After instead of a 500.

The middleware sits first in MIDDLEWARE. A database error (OperationalError or InterfaceError:
cannot connect, connection lost, server shutting down, lock timeout) raised by a view is answered
at once by `process_exception`; one raised anywhere else inside the stack (another middleware, a
template rendered after the view, the session saved on the way out) has already been turned into
a 500 response by Django when it comes back here, so a `got_request_exception` receiver marks the
request and the middleware swaps that 500 for the 503. The page (templates/503.html) is rendered
without a request context, so it reads nothing from the database, in the language the browser asks
for (the language cookie, then Accept-Language). Paths under /api/ get a JSON body instead.

Recovery needs nothing from here: CONN_HEALTH_CHECKS makes Django test a kept connection before a
request reuses it and open a new one when the server came back, and the connect timeout
(DATABASE_CONNECT_TIMEOUT) bounds how long a request waits for a server that does not answer.
Writes are whole or nothing because every service runs in one transaction: a connection lost in the
middle of one rolls it back on the server.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger("motiva.outage")

DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
_MARK = "_motiva_database_unavailable"


def is_database_outage(exc: BaseException | None) -> bool:
    """True when the exception, or one it was raised from, is a database connection-level error."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def retry_after() -> int:
    return int(getattr(settings, "MOTIVA_RETRY_AFTER", 30))


def outage_response(request: HttpRequest) -> HttpResponse:
    language = translation.get_language_from_request(request, check_path=False)
    with translation.override(language):
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            response: HttpResponse = JsonResponse(
                {"detail": _("The database is unavailable. Try again in a minute.")}, status=503
            )
        else:
            body = loader.get_template("503.html").render(
                {"request_path": request.path, "retry_after": retry_after()}
            )
            response = HttpResponse(body, status=503)
        response["Content-Language"] = language
    response["Retry-After"] = str(retry_after())
    response["Cache-Control"] = "no-store"
    return response


def _spare_the_session(request: HttpRequest) -> None:
    """Keep the session middleware from trying the database a second time on the way out.

    A session that could not be loaded would be loaded again when its middleware finishes the
    response (and a changed one saved): against a server that hangs, that is a second full connect
    timeout for the same request. Nothing can be read or saved while the database is down, so the
    session is made an unchanged, empty one for the rest of this request; its cookie is kept."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if not hasattr(session, "_session_cache"):
        session._session_cache = {}
    session.modified = False


@receiver(got_request_exception, dispatch_uid="motiva.web.outage.mark")
def _mark_database_outage(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    if request is not None and is_database_outage(sys.exc_info()[1]):
        setattr(request, _MARK, True)
        _spare_the_session(request)


class DatabaseOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            # The probe is answered here, before the session and the sign-in are read: it needs
            # neither, and a database outage must give its JSON, not the page.
            from motiva.web.views import healthz

            return healthz(request)
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS as exc:  # raised past Django's own conversion (not expected, but safe)
            return self._unavailable(request, exc)
        if getattr(request, _MARK, False):
            return self._unavailable(request, None)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_outage(exception):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request: HttpRequest, exc: BaseException | None) -> HttpResponse:
        _spare_the_session(request)
        # the class only: a driver's message names the host and port
        logger.warning(
            "database unavailable: %s %s answered 503 (%s)",
            request.method,
            request.path,
            type(exc).__name__ if exc else "error raised outside the view",
        )
        return outage_response(request)
