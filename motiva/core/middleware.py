"""The request's context for the whole request (`motiva.core.request_context`), and the log of refused
accesses at its end: a 404 or 403 answered by a view (the access policy answers an object the viewer
may not see with 404) and the refusals the policy noted while the request ran. They are written after
the view has finished, outside its transaction, so a refusal that rolled the view's work back is still
in the log."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from motiva.core import audit, request_context

log = logging.getLogger(__name__)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_context.bound(request_context.context_for(request)) as context:
            response = self.get_response(request)
            self._log_denials(request, response, context)
        response[request_context.REQUEST_ID_HEADER] = context.request_id
        return response

    def _log_denials(
        self, request: HttpRequest, response: HttpResponse, context: request_context.RequestContext
    ) -> None:
        # Only answers of a view (an unknown address resolves to no view) and only signed-in users:
        # anonymous requests are redirected to the login page before any policy is asked.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        denials = list(context.denials)
        if getattr(request, "resolver_match", None) is not None and response.status_code in (403, 404):
            denials.insert(0, ("forbidden" if response.status_code == 403 else "not_found", ""))
        if not denials:
            return
        try:
            audit.record_denied(user=user, method=request.method or "", path=request.path, denials=denials)
        except Exception:  # the log of a refusal must never turn the refusal into a 500
            log.exception("could not record a denied access to %s", request.path)
