"""Plan and fact values in bulk: POST /api/v1/periods/{id}/values/.

The body is {"values": [{indicator, kind, scope, unit | employee, value, level_code, comment}, ...]}.
Numbers are read as Decimal — a JSON number (parsed as Decimal, never float) or a text ("1234.5",
"1 234,5"). The whole request is checked first, with the same rules as the fact grid (motiva.web.facts:
a manager enters only their subtree's personal facts, HR everything, a supplier their indicator) and
the same validation as every other write (motiva.periods.services.value_problems, ensure_open); one bad
row rejects all and each problem names its place (`values[3].value`). Then every row is written through
`periods.services.value_set` in one transaction (audited like a form). The answer counts the created,
changed and unchanged values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from motiva.api.endpoints.common import (
    DecimalJSONParser,
    NumberField,
    error_responses,
    organization_ids,
    prefixed,
    refused,
    viewer,
)
from motiva.api.idempotency import GUARD_CODES, HEADER_PARAMETER, IdempotentWrites
from motiva.core import access
from motiva.core.errors import InvalidInput, problem
from motiva.engine.problems import Problem
from motiva.kpi.models import Indicator
from motiva.org.models import Unit
from motiva.periods import services
from motiva.periods.guards import ensure_open
from motiva.periods.models import IndicatorValue, Period, Scope, ValueKind, ValueSource

MAX_ROWS = 5000
ROW_KEYS = ("indicator", "kind", "scope", "unit", "employee", "value", "level_code", "comment")
LEVELS = {Scope.COMPANY: "company", Scope.UNIT: "unit", Scope.EMPLOYEE: "personal"}


class ValueRowSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text="the indicator's code")
    kind = serializers.ChoiceField(choices=ValueKind.values)
    scope = serializers.ChoiceField(choices=Scope.values)
    unit = serializers.CharField(required=False, help_text="the unit's code (scope unit)")
    employee = serializers.CharField(required=False, help_text="the personnel number (scope employee)")
    value = NumberField(
        required=False,
        allow_null=True,
        help_text='a JSON number (read as Decimal) or a text: "1234.5", "1 234,5"; null or "" = no value',
    )
    level_code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ValuesSerializer(serializers.Serializer):
    values = ValueRowSerializer(many=True)


class ValuesResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    changed = serializers.IntegerField()
    same = serializers.IntegerField()


def _text(raw: dict[str, Any], key: str, where: str, problems: list[Problem], limit: int = 200) -> str:
    value = raw.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(problem("not_text", f"{where}.{key}", "Ожидается текст", "Expected text"))
        return ""
    if len(value) > limit or "\x00" in value:
        problems.append(
            problem("too_long", f"{where}.{key}", "Слишком длинный текст", "The text is too long")
        )
        return ""
    return value.strip()


def _read_rows(data: Any, period: Period, request: Request) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Each row resolved to objects, with its problems named by place; nothing is written here."""
    problems: list[Problem] = []
    if not isinstance(data, dict) or set(data) != {"values"} or not isinstance(data["values"], list):
        extra = sorted(set(data) - {"values"}) if isinstance(data, dict) else []
        field = extra[0] if extra else "values"
        return [], [
            problem(
                "shape",
                field,
                "Ожидается объект с полем values: списком строк",
                "Expected an object with the field values: a list of rows",
            )
        ]
    items = data["values"]
    if not items:
        return [], [problem("required", "values", "Нет ни одной строки", "No rows")]
    if len(items) > MAX_ROWS:
        return [], [
            problem(
                "too_many", "values", "Не больше {m} строк за раз", "At most {m} rows at once", m=MAX_ROWS
            )
        ]
    organization_id = period.organization_id
    indicators = {i.code: i for i in Indicator.objects.filter(organization_id=organization_id)}
    unit_codes = {_code(r, "unit") for r in items if isinstance(r, dict)} - {None}
    numbers = {_code(r, "employee") for r in items if isinstance(r, dict)} - {None}
    units = {u.code: u for u in Unit.objects.filter(organization_id=organization_id, code__in=unit_codes)}
    visible = access.employees(viewer(request), organization_id)
    people = {e.personnel_number: e for e in visible.filter(personnel_number__in=numbers)}
    rows: list[dict[str, Any]] = []
    for index, raw in enumerate(items):
        where = f"values[{index}]"
        if not isinstance(raw, dict):
            problems.append(problem("shape", where, "Ожидается объект", "Expected an object"))
            continue
        before = len(problems)
        for key in sorted(set(raw) - set(ROW_KEYS)):
            problems.append(
                problem(
                    "unknown_field",
                    f"{where}.{key[:40]}",
                    "Неизвестное поле; допустимы: {a}",
                    "Unknown field; allowed: {a}",
                    a=", ".join(ROW_KEYS),
                )
            )
        code = _text(raw, "indicator", where, problems)
        indicator = indicators.get(code)
        if indicator is None:
            problems.append(
                problem(
                    "not_found",
                    f"{where}.indicator",
                    "Нет показателя с кодом «{c}»",
                    "No indicator with the code “{c}”",
                    c=code[:40],
                )
            )
        kind = _text(raw, "kind", where, problems)
        if kind not in ValueKind.values:
            problems.append(
                problem("choice", f"{where}.kind", "Ожидается plan или fact", "Expected plan or fact")
            )
        scope = _text(raw, "scope", where, problems)
        unit = employee = None
        if scope not in Scope.values:
            problems.append(
                problem(
                    "choice",
                    f"{where}.scope",
                    "Ожидается company, unit или employee",
                    "Expected company, unit or employee",
                )
            )
        unit_code = _text(raw, "unit", where, problems)
        number = _text(raw, "employee", where, problems)
        if scope == Scope.UNIT:
            unit = units.get(unit_code)
            if unit is None:
                problems.append(
                    problem(
                        "not_found",
                        f"{where}.unit",
                        "Нет подразделения с кодом «{c}»",
                        "No unit with the code “{c}”",
                        c=unit_code[:40],
                    )
                )
        elif unit_code:
            problems.append(
                problem(
                    "not_expected",
                    f"{where}.unit",
                    "Подразделение — только для scope unit",
                    "A unit only with scope unit",
                )
            )
        if scope == Scope.EMPLOYEE:
            employee = people.get(number)
            if employee is None:
                problems.append(
                    problem(
                        "not_found",
                        f"{where}.employee",
                        "Нет доступного вам сотрудника с табельным номером «{c}»",
                        "No employee you may see with the personnel number “{c}”",
                        c=number[:40],
                    )
                )
        elif number:
            problems.append(
                problem(
                    "not_expected",
                    f"{where}.employee",
                    "Сотрудник — только для scope employee",
                    "An employee only with scope employee",
                )
            )
        try:
            value = NumberField().to_internal_value(raw["value"]) if raw.get("value") is not None else None
        except InvalidInput as error:
            problems += prefixed(error.problems, f"{where}.value")
            value = None
        if value is not None and value.as_tuple().exponent < -6:  # type: ignore[operator]
            problems.append(
                problem(
                    "too_precise",
                    f"{where}.value",
                    "Не больше 6 знаков после запятой",
                    "At most 6 digits after the decimal point",
                )
            )
        level_code = _text(raw, "level_code", where, problems, 20)
        comment = _text(raw, "comment", where, problems, 2000)
        if len(problems) > before or indicator is None:
            continue
        problems += prefixed(
            services.value_problems(indicator, kind, value, level_code, scope, unit, employee), where
        )
        rows.append(
            {
                "where": where,
                "indicator": indicator,
                "kind": kind,
                "scope": scope,
                "unit": unit,
                "employee": employee,
                "value": value,
                "level_code": level_code,
                "comment": comment,
            }
        )
    return rows, problems


def _code(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value.strip() if isinstance(value, str) else None


def _rights_problems(request: Request, period: Period, rows: list[dict[str, Any]]) -> list[Problem]:
    """The fact grid's rights, cell by cell: whoever may not change a cell in the grid may not here."""
    from motiva.web.facts import Grid, Rights

    rights = Rights(viewer(request), period)
    grids: dict[tuple[str, str], Any] = {}
    problems: list[Problem] = []
    by_grid: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        by_grid.setdefault((LEVELS[row["scope"]], row["kind"]), []).append(row)
    for (level, kind), group in by_grid.items():
        grid = grids[(level, kind)] = Grid(rights, level, kind)
        objects = {
            "company": lambda r: "company",
            "unit": lambda r: r["unit"],
            "personal": lambda r: r["employee"],
        }[level]
        unique = {id(objects(r)): objects(r) for r in group}
        grid.load(list(unique.values()) if level != "company" else ["company"])
        for row in group:
            if not grid.may_edit(row["indicator"], objects(row)):
                problems.append(
                    problem(
                        "forbidden",
                        row["where"],
                        "Это значение вы не вводите (его нет на карточках этого уровня или оно вне ваших прав)",
                        "You do not enter this value (not on the cards at this level, or outside your rights)",
                    )
                )
    return problems


def _duplicates(rows: list[dict[str, Any]]) -> list[Problem]:
    seen: dict[tuple[Any, ...], str] = {}
    problems = []
    for row in rows:
        key = (
            row["indicator"].pk,
            row["kind"],
            row["scope"],
            getattr(row["unit"], "pk", None),
            getattr(row["employee"], "pk", None),
        )
        if key in seen:
            problems.append(
                problem(
                    "duplicate_row",
                    row["where"],
                    "Та же ячейка, что и в {first}",
                    "The same cell as {first}",
                    first=seen[key],
                )
            )
        else:
            seen[key] = row["where"]
    return problems


@extend_schema(
    request=ValuesSerializer,
    responses={200: ValuesResultSerializer, **error_responses(404, *GUARD_CODES)},
    parameters=[HEADER_PARAMETER],
    description=__doc__,
    examples=[
        OpenApiExample(
            "Two facts",
            value={
                "values": [
                    {
                        "indicator": "SALES",
                        "kind": "fact",
                        "scope": "employee",
                        "employee": "00123",
                        "value": "105.5",
                    },
                    {"indicator": "SALES", "kind": "plan", "scope": "unit", "unit": "S", "value": 100},
                ]
            },
            request_only=True,
        )
    ],
)
class PeriodValues(IdempotentWrites, GenericAPIView):
    serializer_class = ValuesSerializer
    parser_classes = [DecimalJSONParser]

    def post(self, request: Request, pk: int) -> Response:
        who = viewer(request)
        period = Period.objects.filter(pk=pk, organization_id__in=organization_ids(who)).first()
        if period is None:
            raise Http404
        if not access.can_enter_facts(who, period.organization_id) and not _supplies(who, period):
            return refused(
                [
                    problem(
                        "forbidden",
                        "period",
                        "Вы не вводите значения в этом периоде",
                        "You do not enter values in this period",
                    )
                ],
                status.HTTP_403_FORBIDDEN,
            )
        try:
            ensure_open(period)
        except InvalidInput as error:
            return refused(error.problems, status.HTTP_409_CONFLICT)
        rows, problems = _read_rows(request.data, period, request)
        if not problems:
            problems = _duplicates(rows) + _rights_problems(request, period, rows)
        if problems:
            return refused(problems)
        counts = {"created": 0, "changed": 0, "same": 0}
        try:
            with transaction.atomic():
                ensure_open(period)
                for row in rows:
                    outcome = _outcome(period, row)
                    counts[outcome] += 1
                    if outcome == "same":
                        continue
                    try:
                        services.value_set(
                            actor=request.user,
                            indicator=row["indicator"],
                            period=period,
                            kind=row["kind"],
                            value=row["value"],
                            scope=row["scope"],
                            unit=row["unit"],
                            employee=row["employee"],
                            level_code=row["level_code"],
                            source=ValueSource.API,
                            comment=row["comment"],
                        )
                    except InvalidInput as error:
                        raise InvalidInput(prefixed(error.problems, row["where"])) from None
        except InvalidInput as error:
            return refused(error.problems)
        return Response(ValuesResultSerializer(counts).data)


def _supplies(who: access.Viewer, period: Period) -> bool:
    """A supplier of an indicator (by position) enters it without managing anyone."""
    from motiva.web.facts import Rights

    return bool(Rights(who, period).supplied)


def _outcome(period: Period, row: dict[str, Any]) -> str:
    key = IndicatorValue.make_scope_key(
        row["scope"], getattr(row["unit"], "pk", None), getattr(row["employee"], "pk", None)
    )
    existing = IndicatorValue.objects.filter(
        indicator=row["indicator"], period=period, scope_key=key, kind=row["kind"]
    ).first()
    if existing is None:
        return "created"
    value: Decimal | None = row["value"]
    same = (
        existing.value == value
        and existing.level_code == row["level_code"]
        and existing.comment == row["comment"]
    )
    return "same" if same else "changed"
