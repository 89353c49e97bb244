"""What the endpoints share: the caller's viewer, the organizations they read, the refusal of unknown
query parameters, and the problems of a refused input as JSON (code, field, Russian and English)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from motiva.core import access
from motiva.core.errors import InvalidInput, problem
from motiva.engine.problems import Problem


def viewer(request: Request) -> access.Viewer:
    return access.viewer_for(request.user)


def organization_ids(viewer: access.Viewer, test: Callable[[int], bool] | None = None) -> list[int]:
    """The organizations the caller belongs to (optionally only those where `test(org_id)` holds)."""
    ids = list(access.organizations(viewer).values_list("pk", flat=True))
    return [pk for pk in ids if test is None or test(pk)]


def employees_q(viewer: access.Viewer, prefix: str = "") -> Q:
    """Employees whose card the caller may open, over every organization they belong to (as a Q on
    `prefix` + the employee's id)."""
    condition = Q(pk__in=[])
    for organization_id in organization_ids(viewer):
        if viewer.reads_company(organization_id):
            condition |= Q(**{f"{prefix}organization_id": organization_id})
        else:
            ids = list(access.employees(viewer, organization_id).values_list("pk", flat=True))
            condition |= Q(**{f"{prefix}pk__in": ids})
    return condition


def problem_json(item: Problem) -> dict[str, str]:
    return {"code": item.code, "field": item.field, "ru": item.render("ru"), "en": item.render("en")}


def refused(problems: list[Problem], code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"errors": [problem_json(p) for p in problems]}, status=code)


def prefixed(problems: list[Problem], prefix: str) -> list[Problem]:
    """The problems of one item of a list, their field named from the request's top ("values[3].value")."""
    return [
        Problem(p.code, f"{prefix}.{p.field}" if p.field else prefix, p.message, p.severity) for p in problems
    ]


# Query parameters -------------------------------------------------------------------------------------
PAGING = frozenset({"page", "page_size", "limit", "offset", "cursor", "format"})


def _integer(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput(
            [
                problem(
                    "not_a_number", name, "«{v}» — не целое число", "“{v}” is not a whole number", v=text[:40]
                )
            ]
        ) from None
    if not 0 < value < 2**31:
        raise InvalidInput([problem("range", name, "Нет такого номера", "No such id")])
    return value


def _date(name: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            [problem("not_a_date", name, "Дата в виде ГГГГ-ММ-ДД", "A date as YYYY-MM-DD")]
        ) from None


def _text(name: str, text: str) -> str:
    if len(text) > 200 or "\x00" in text:
        raise InvalidInput([problem("too_long", name, "Слишком длинное значение", "The value is too long")])
    return text


def _boolean(name: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise InvalidInput([problem("choice", name, "Ожидается true или false", "Expected true or false")])
    return text == "true"


PARSERS = {"int": _integer, "date": _date, "text": _text, "bool": _boolean}


def filtered(
    request: Request,
    queryset: QuerySet[Any],
    filters: dict[str, tuple[str, str]],
    ordering: dict[str, str],
    default: str,
) -> QuerySet[Any]:
    """Apply the listed filters (`name → (kind, lookup)`) and the listed orderings (`name → field`;
    `-name` descending); any other query parameter is refused with its name."""
    problems: list[Problem] = []
    for name in request.query_params:
        if name not in filters and name != "ordering" and name not in PAGING:
            problems.append(
                problem(
                    "unknown_parameter",
                    name,
                    "Неизвестный параметр «{n}»; допустимы: {a}",
                    "Unknown parameter “{n}”; allowed: {a}",
                    n=name[:40],
                    a=", ".join(sorted({*filters, "ordering"})),
                )
            )
    if problems:
        raise InvalidInput(problems)
    for name, (kind, lookup) in filters.items():
        if name in request.query_params:
            queryset = queryset.filter(**{lookup: PARSERS[kind](name, request.query_params[name])})
    order = request.query_params.get("ordering", default)
    key = order.removeprefix("-")
    if key not in ordering:
        raise InvalidInput(
            [
                problem(
                    "choice",
                    "ordering",
                    "Сортировка только по: {a}",
                    "Ordering only by: {a}",
                    a=", ".join(sorted(ordering)),
                )
            ]
        )
    field = ordering[key]
    return queryset.order_by(f"-{field}" if order.startswith("-") else field, "pk")


def schema_parameters(filters: dict[str, tuple[str, str]], ordering: dict[str, str]) -> list[Any]:
    """The OpenAPI description of the listed filters and orderings."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiParameter

    kinds = {
        "int": OpenApiTypes.INT,
        "date": OpenApiTypes.DATE,
        "text": OpenApiTypes.STR,
        "bool": OpenApiTypes.BOOL,
    }
    found = [
        OpenApiParameter(name, kinds[kind], description=f"filter: {lookup}")
        for name, (kind, lookup) in filters.items()
    ]
    choices = sorted([*ordering, *(f"-{k}" for k in ordering)])
    found.append(OpenApiParameter("ordering", OpenApiTypes.STR, enum=choices, description="ordering"))
    return found


# Decimal numbers in JSON --------------------------------------------------------------------------------
class DecimalJSONParser(JSONParser):
    """JSON whose numbers are read as Decimal (never float): 0.1 stays exactly 0.1."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            return json.loads(stream.read().decode(encoding), parse_float=Decimal, parse_constant=_refuse)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - {error}") from None


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


@extend_schema_field(
    {"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": True, "example": "1234.5"}
)
class NumberField(serializers.Field):
    """A number given as a JSON number or as text ("1234.5", "1 234,5"); read as Decimal through the one
    number parser of the engine. An empty text is "no value"."""

    default_error_messages = {"invalid": "Expected a number or a text holding one."}

    def to_internal_value(self, data: Any) -> Decimal | None:
        from motiva.web.forms import parse_number

        if isinstance(data, bool) or not isinstance(data, str | int | Decimal):
            raise InvalidInput([problem("not_a_number", "", "Ожидается число", "Expected a number")])
        if isinstance(data, int | Decimal):
            data = str(data)
        try:
            return parse_number(data)
        except ValueError:
            raise InvalidInput(
                [problem("not_a_number", "", "«{v}» — не число", "“{v}” is not a number", v=str(data)[:40])]
            ) from None

    def to_representation(self, value: Any) -> Any:
        return None if value is None else str(value)


def read_object(data: Any, spec: dict[str, tuple[str, bool]]) -> tuple[dict[str, Any], list[Problem]]:
    """A JSON object's fields read by `spec` (`key → (kind, required)`, kinds of PARSERS or "number");
    an unknown key, a missing required one or an unreadable value is a problem naming the key."""
    if not isinstance(data, dict):
        return {}, [problem("shape", "", "Ожидается объект JSON", "Expected a JSON object")]
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key in sorted(set(data) - set(spec)):
        problems.append(
            problem(
                "unknown_field",
                str(key)[:40],
                "Неизвестное поле; допустимы: {a}",
                "Unknown field; allowed: {a}",
                a=", ".join(spec),
            )
        )
    for key, (kind, required) in spec.items():
        raw = data.get(key)
        if raw is None or raw == "":
            if required:
                problems.append(problem("required", key, "Обязательное поле", "This field is required"))
            continue
        try:
            if kind == "number":
                values[key] = NumberField().to_internal_value(raw)
            elif not isinstance(raw, str):
                raise InvalidInput([problem("not_text", key, "Ожидается текст", "Expected text")])
            else:
                values[key] = PARSERS[kind](key, raw.strip())
        except InvalidInput as error:
            problems += [Problem(p.code, key, p.message, p.severity) for p in error.problems]
    return values, problems


def plain(value: Any) -> Any:
    """A stored structure for JSON with its Decimals as exact text (the JSON encoder would make floats)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class ProblemSerializer(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField(help_text="the place: a field, a parameter or values[3].value")
    ru = serializers.CharField()
    en = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    errors = ProblemSerializer(many=True)


def error_responses(*codes: int) -> dict[int, Any]:
    """The refusals an endpoint documents (besides the signed-out and rate-limit ones every one has)."""
    return dict.fromkeys(sorted({401, 403, 429, *codes}), ErrorsSerializer)


class Pages(PageNumberPagination):
    """Used only while the site configures no paginator of its own (REST_FRAMEWORK's
    DEFAULT_PAGINATION_CLASS, set by motiva.api): `?page=`, `?page_size=` up to 500."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        """A page number that is not a page of the list (0, -3, "abc", past the end) is a refused
        parameter (400 naming `page`), not DRF's 404."""
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            text = str(request.query_params.get(self.page_query_param, ""))[:40]
            raise InvalidInput(
                [
                    problem(
                        "invalid_page",
                        self.page_query_param,
                        "Нет страницы «{v}» в этом списке",
                        "There is no page “{v}” in this list",
                        v=text,
                    )
                ]
            ) from None


class Paged:
    """A view whose lists are always paginated: the site's paginator, else `Pages`."""

    @property
    def pagination_class(self) -> Any:
        return api_settings.DEFAULT_PAGINATION_CLASS or Pages
