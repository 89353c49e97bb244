"""`Idempotency-Key` for the API's writes, whoever the caller is (a Bearer key or the session).

The site's middleware (motiva.web.idempotency) runs before DRF has authenticated the caller, so it only
knows the session's user: a Bearer caller's retried POST would be done twice. The API's writes therefore
guard themselves, after DRF's authentication, permissions and throttles, with the same store and rules
(motiva.web.idempotency.guarded: keys per user and path, the first answer replayed with
`Idempotent-Replay: true`, the same key with another body refused with 422) — and answer refusals in the
API's structured shape. Views marked `idempotent_in_view` are left alone by the middleware, so a session
caller is guarded once, here, too.

Use: put `IdempotentWrites` first in a view's bases; every unsafe method (POST, PUT, PATCH, DELETE) of the
view is guarded."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.views import APIView

from motiva.web.idempotency import HEADER, REPLAY_HEADER, SAFE_METHODS, guarded

REFUSALS: dict[str, tuple[str, str]] = {
    "key_malformed": (
        "Ключ идемпотентности — от 8 до 100 букв, цифр или знаков - _ . : ; ничего не сделано.",
        "The idempotency key must be 8 to 100 letters, digits or - _ . : ; nothing was done.",
    ),
    "key_reused": (
        "Этот ключ идемпотентности уже использован для другого запроса; ничего не сделано.",
        "This idempotency key was already used for another request; nothing was done.",
    ),
    "in_progress": (
        "Такой же запрос ещё выполняется; повторите его чуть позже.",
        "The same request is still being processed; retry in a moment.",
    ),
    "not_kept": (
        "Этот запрос уже выполнен; его ответ не сохранён — прочитайте результат заново.",
        "This request was already processed; its answer was not kept — read the result again.",
    ),
}


# The header as the schema documents it on every guarded write (with its refusals 400, 409 and 422).
HEADER_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="8 to 100 letters, digits or - _ . : — a retry with the same key and body replays the first"
    " answer (Idempotent-Replay: true); the same key with another body is refused (422).",
)
GUARD_CODES = (400, 409, 422)


def refusal(status: int, reason: str) -> HttpResponse:
    ru, en = REFUSALS[reason]
    body = {"errors": [{"code": f"idempotency_{reason}", "field": HEADER, "ru": ru, "en": en}]}
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )
    response[REPLAY_HEADER] = "true"
    return response


class IdempotentWrites(APIView):
    """A mixin for API views (first among the bases): unsafe methods honour `Idempotency-Key`."""

    idempotent_in_view = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authenticated, permitted, throttled
        method = request.method.lower() if request.method else ""
        handler = getattr(self, method, None)
        if request.method in SAFE_METHODS or handler is None or not request.user.is_authenticated:
            return

        def respond() -> HttpResponse:
            try:
                response = handler(request, *args, **kwargs)
            except Exception as error:  # answered as DRF would, so the refusal is kept and replayed
                response = self.handle_exception(error)
            response = self.finalize_response(request, response, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            return response

        def once(request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
            return guarded(request._request, request.user, respond, refusal)

        setattr(self, method, once)  # DRF looks the handler up after initial()
