"""The one exception handler of the API: every refusal is {"errors": [{"code", "field", "ru", "en"}]}
(the same shape motiva.api.endpoints.common.refused writes). 429 carries Retry-After."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from motiva.core.errors import InvalidInput

TEXTS: dict[str, tuple[str, str]] = {
    "token_malformed": (
        "Заголовок Authorization: ожидается «Bearer <ключ>».",
        "Authorization: expected «Bearer <key>».",
    ),
    "token_unknown": ("Ключ API не найден.", "Unknown API key."),
    "token_revoked": ("Ключ API отозван.", "The API key was revoked."),
    "token_expired": ("Срок действия ключа API истёк.", "The API key has expired."),
    "token_second_factor": (
        "Ключ API выпущен до того, как вам понадобился второй фактор: выпустите новый ключ.",
        "The API key was issued before you needed the second factor: issue a new key.",
    ),
    "not_authenticated": (
        "Нужен ключ API (Authorization: Bearer …) или вход на сайт.",
        "An API key (Authorization: Bearer …) or a signed-in session is needed.",
    ),
    "permission_denied": ("Недостаточно прав.", "You may not do this."),
    "not_found": ("Не найдено.", "Not found."),
    "method_not_allowed": ("Метод не поддерживается.", "Method not allowed."),
    "not_acceptable": ("Формат ответа не поддерживается.", "The requested format is not available."),
    "unsupported_media_type": ("Тело запроса должно быть JSON.", "The request body must be JSON."),
    "throttled": ("Слишком много запросов, повторите позже.", "Too many requests; try again later."),
    "parse_error": ("Тело запроса — не корректный JSON.", "The request body is not valid JSON."),
    "invalid": ("Неверное значение.", "Invalid value."),
}


def item(code: str, field: str = "", ru: str | None = None, en: str | None = None) -> dict[str, str]:
    default_ru, default_en = TEXTS.get(code, TEXTS["invalid"])
    return {"code": code, "field": field, "ru": ru or default_ru, "en": en or default_en}


def _validation(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = prefix if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else str(key))
            out += _validation(value, name)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)) and not isinstance(value, exceptions.ErrorDetail):
                out += _validation(value, f"{prefix}[{index}]")
            else:
                out += _validation(value, prefix)
    else:
        text = str(detail)
        code = getattr(detail, "code", "invalid") or "invalid"
        out.append(item(code, prefix, f"{prefix or 'Запрос'}: {text}", f"{prefix or 'Request'}: {text}"))
    return out


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, InvalidInput):
        errors = [
            {"code": p.code, "field": p.field, "ru": p.render("ru"), "en": p.render("en")}
            for p in exc.problems
        ]
        return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _validation(exc.detail)
    elif isinstance(exc, exceptions.AuthenticationFailed) and str(exc.detail) in TEXTS:
        errors = [item(str(exc.detail), "Authorization")]
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        errors = [item(str(code))]
    if isinstance(exc, exceptions.Throttled):
        headers["Retry-After"] = str(int(exc.wait or 59) + 1)
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    response = Response({"errors": errors}, status=exc.status_code, headers=headers)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response.status_code = status.HTTP_401_UNAUTHORIZED
        response["WWW-Authenticate"] = "Bearer"
    return response
