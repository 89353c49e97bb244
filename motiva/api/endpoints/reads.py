"""Reads: units, people, indicators, scales, cards, periods, runs and results (with their traces).

Lists span every organization the caller belongs to (filter `organization` to narrow); each object is
shown only where the web page showing it would be, and salary, planned amounts and pay are null where the
caller may not see that person's pay (motiva.core.access)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from motiva.api.endpoints.common import (
    Paged,
    employees_q,
    error_responses,
    filtered,
    organization_ids,
    plain,
    refused,
    schema_parameters,
    viewer,
)
from motiva.calc.models import CalculationRun, EmployeeResult, RunStatus
from motiva.calc.selectors import explain
from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.kpi.models import Card, CardLine, Indicator, Scale
from motiva.org.models import Assignment, Employee, Unit
from motiva.org.selectors import active_on
from motiva.periods.models import Period

MONEY = {"max_digits": 20, "decimal_places": 2, "allow_null": True}


class ListEndpoint(Paged, GenericAPIView):
    """A paginated list with listed filters and orderings; `rows(page)` turns one page into dicts."""

    filters: dict[str, tuple[str, str]] = {}
    ordering: dict[str, str] = {"id": "pk"}
    default_ordering = "id"

    def base(self) -> Any:
        raise NotImplementedError

    def rows(self, page: list[Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            queryset = filtered(request, self.base(), self.filters, self.ordering, self.default_ordering)
        except InvalidInput as error:
            return refused(error.problems)
        page = self.paginate_queryset(queryset)
        items = self.rows(list(page if page is not None else queryset))
        data = self.get_serializer(items, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


def listed(serializer: type, filters: dict[str, tuple[str, str]], ordering: dict[str, str], what: str) -> Any:
    return extend_schema(
        responses={200: serializer(many=True), **error_responses(400, 404)},
        parameters=schema_parameters(filters, ordering),
        description=what,
    )


# Units ---------------------------------------------------------------------------------------------------
class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)
    parent_code = serializers.CharField(allow_null=True)
    head = serializers.IntegerField(allow_null=True, help_text="the head's employee id")
    closed_from = serializers.DateField(allow_null=True)


def unit_row(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "organization": unit.organization_id,
        "code": unit.code,
        "name": unit.name,
        "parent": unit.parent_id,
        "parent_code": unit.parent.code if unit.parent_id else None,
        "head": unit.head_id,
        "closed_from": unit.closed_from,
    }


UNIT_FILTERS = {
    "organization": ("int", "organization_id"),
    "parent": ("int", "parent_id"),
    "code": ("text", "code"),
}
UNIT_ORDERING = {"id": "pk", "code": "code", "name": "name", "path": "path"}


@listed(UnitSerializer, UNIT_FILTERS, UNIT_ORDERING, "The unit tree of the caller's organizations (no pay).")
class UnitList(ListEndpoint):
    serializer_class = UnitSerializer
    filters, ordering, default_ordering = UNIT_FILTERS, UNIT_ORDERING, "path"

    def base(self) -> Any:
        return Unit.objects.filter(organization_id__in=organization_ids(viewer(self.request))).select_related(
            "parent"
        )

    def rows(self, page: list[Unit]) -> list[dict[str, Any]]:
        return [unit_row(u) for u in page]


class UnitDetail(GenericAPIView):
    serializer_class = UnitSerializer

    @extend_schema(responses={200: UnitSerializer, **error_responses(404)})
    def get(self, request: Request, pk: int) -> Response:
        try:
            unit = self_units(request).get(pk=pk)
        except Unit.DoesNotExist:
            raise Http404 from None
        return Response(UnitSerializer(unit_row(unit)).data)


def self_units(request: Request) -> Any:
    return Unit.objects.filter(organization_id__in=organization_ids(viewer(request))).select_related("parent")


# People --------------------------------------------------------------------------------------------------
class AssignmentSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_code = serializers.CharField()
    position = serializers.IntegerField()
    position_title = serializers.CharField()
    manager = serializers.IntegerField(allow_null=True)
    fte = serializers.DecimalField(max_digits=4, decimal_places=2)
    salary = serializers.DecimalField(
        **MONEY, help_text="null where the caller may not see this person's pay (access.can_see_pay)"
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField()
    personnel_number = serializers.CharField()
    last_name = serializers.CharField()
    first_name = serializers.CharField()
    middle_name = serializers.CharField()
    hire_date = serializers.DateField()
    termination_date = serializers.DateField(allow_null=True)
    assignment = AssignmentSerializer(allow_null=True, help_text="the assignment of today")


def people_rows(request: Request, page: list[Employee]) -> list[dict[str, Any]]:
    who = viewer(request)
    today = timezone.localdate()
    current = {
        a.employee_id: a
        for a in Assignment.objects.filter(
            active_on(today), employee__in=[e.pk for e in page]
        ).select_related("unit", "position")
    }
    rows = []
    for employee in page:
        assignment = current.get(employee.pk)
        pay = access.can_see_pay(who, employee)
        rows.append(
            {
                "id": employee.pk,
                "organization": employee.organization_id,
                "personnel_number": employee.personnel_number,
                "last_name": employee.last_name,
                "first_name": employee.first_name,
                "middle_name": employee.middle_name,
                "hire_date": employee.hire_date,
                "termination_date": employee.termination_date,
                "assignment": None
                if assignment is None
                else {
                    "unit": assignment.unit_id,
                    "unit_code": assignment.unit.code,
                    "position": assignment.position_id,
                    "position_title": assignment.position.title,
                    "manager": assignment.manager_id,
                    "fte": assignment.fte,
                    "salary": assignment.salary if pay else None,
                    "start_date": assignment.start_date,
                    "end_date": assignment.end_date,
                },
            }
        )
    return rows


def visible_people(request: Request) -> Any:
    return Employee.objects.filter(employees_q(viewer(request)))


PEOPLE_FILTERS = {
    "organization": ("int", "organization_id"),
    "personnel_number": ("text", "personnel_number"),
    "last_name": ("text", "last_name__icontains"),
}
PEOPLE_ORDERING = {
    "id": "pk",
    "personnel_number": "personnel_number",
    "last_name": "last_name",
    "hire_date": "hire_date",
}


@listed(
    PersonSerializer,
    PEOPLE_FILTERS,
    PEOPLE_ORDERING,
    "The employees whose card the caller may open (everyone for HR, finance, the executive, the auditor and"
    " the administrator; a manager's subtree; an employee themselves). `assignment.salary` is null where the"
    " caller may not see that person's pay.",
)
class PersonList(ListEndpoint):
    serializer_class = PersonSerializer
    filters, ordering, default_ordering = PEOPLE_FILTERS, PEOPLE_ORDERING, "last_name"

    def base(self) -> Any:
        return visible_people(self.request)

    def rows(self, page: list[Employee]) -> list[dict[str, Any]]:
        return people_rows(self.request, page)


class PersonDetail(GenericAPIView):
    serializer_class = PersonSerializer

    @extend_schema(responses={200: PersonSerializer, **error_responses(404)})
    def get(self, request: Request, pk: int) -> Response:
        employee = visible_people(request).filter(pk=pk).first()
        if employee is None:
            raise Http404
        return Response(PersonSerializer(people_rows(request, [employee])[0]).data)


# Indicators and scales -------------------------------------------------------------------------------------
def reading_library(request: Request) -> list[int]:
    """The indicator library and the scales: for those who read the whole organization (as the web)."""
    who = viewer(request)
    return organization_ids(who, who.reads_company)


class IndicatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    definition = serializers.CharField()
    unit_of_measure = serializers.CharField()
    direction = serializers.CharField()
    kind = serializers.CharField()
    periodicity = serializers.CharField()
    monitoring_only = serializers.BooleanField()
    is_active = serializers.BooleanField()


INDICATOR_FIELDS = [
    "id",
    "organization_id",
    "code",
    "name",
    "definition",
    "unit_of_measure",
    "direction",
    "kind",
    "periodicity",
    "monitoring_only",
    "is_active",
]


def indicator_row(indicator: Indicator) -> dict[str, Any]:
    row = {name: getattr(indicator, name) for name in INDICATOR_FIELDS}
    row["organization"] = row.pop("organization_id")
    return row


INDICATOR_FILTERS = {
    "organization": ("int", "organization_id"),
    "code": ("text", "code"),
    "is_active": ("bool", "is_active"),
}
INDICATOR_ORDERING = {"id": "pk", "code": "code", "name": "name"}


@listed(
    IndicatorSerializer,
    INDICATOR_FILTERS,
    INDICATOR_ORDERING,
    "The indicator library (HR, finance, the executive, the auditor, the administrator).",
)
class IndicatorList(ListEndpoint):
    serializer_class = IndicatorSerializer
    filters, ordering, default_ordering = INDICATOR_FILTERS, INDICATOR_ORDERING, "code"

    def base(self) -> Any:
        return Indicator.objects.filter(organization_id__in=reading_library(self.request))

    def rows(self, page: list[Indicator]) -> list[dict[str, Any]]:
        return [indicator_row(i) for i in page]


class IndicatorDetail(GenericAPIView):
    serializer_class = IndicatorSerializer

    @extend_schema(responses={200: IndicatorSerializer, **error_responses(404)})
    def get(self, request: Request, pk: int) -> Response:
        found = Indicator.objects.filter(organization_id__in=reading_library(request), pk=pk).first()
        if found is None:
            raise Http404
        return Response(IndicatorSerializer(indicator_row(found)).data)


class ScaleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    params = serializers.JSONField(help_text="the scale's parameters, as stored (numbers as text)")
    description = serializers.CharField()


def scale_row(scale: Scale) -> dict[str, Any]:
    return {
        "id": scale.pk,
        "organization": scale.organization_id,
        "name": scale.name,
        "kind": scale.kind,
        "params": scale.params,
        "description": scale.description,
    }


SCALE_FILTERS = {"organization": ("int", "organization_id"), "kind": ("text", "kind")}
SCALE_ORDERING = {"id": "pk", "name": "name"}


@listed(
    ScaleSerializer, SCALE_FILTERS, SCALE_ORDERING, "Scales with their parameters (as the indicator library)."
)
class ScaleList(ListEndpoint):
    serializer_class = ScaleSerializer
    filters, ordering, default_ordering = SCALE_FILTERS, SCALE_ORDERING, "name"

    def base(self) -> Any:
        return Scale.objects.filter(organization_id__in=reading_library(self.request))

    def rows(self, page: list[Scale]) -> list[dict[str, Any]]:
        return [scale_row(s) for s in page]


class ScaleDetail(GenericAPIView):
    serializer_class = ScaleSerializer

    @extend_schema(responses={200: ScaleSerializer, **error_responses(404)})
    def get(self, request: Request, pk: int) -> Response:
        found = Scale.objects.filter(organization_id__in=reading_library(request), pk=pk).first()
        if found is None:
            raise Http404
        return Response(ScaleSerializer(scale_row(found)).data)


# Periods -----------------------------------------------------------------------------------------------------
class PeriodSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    status = serializers.CharField()


def period_row(period: Period) -> dict[str, Any]:
    return {
        "id": period.pk,
        "organization": period.organization_id,
        "kind": period.kind,
        "name": period.name,
        "start": period.start,
        "end": period.end,
        "status": period.status,
    }


def visible_periods(request: Request) -> Any:
    return Period.objects.filter(organization_id__in=organization_ids(viewer(request)))


PERIOD_FILTERS = {
    "organization": ("int", "organization_id"),
    "kind": ("text", "kind"),
    "status": ("text", "status"),
    "start_from": ("date", "start__gte"),
    "start_to": ("date", "start__lte"),
}
PERIOD_ORDERING = {"id": "pk", "start": "start", "name": "name"}


@listed(PeriodSerializer, PERIOD_FILTERS, PERIOD_ORDERING, "The periods of the caller's organizations.")
class PeriodList(ListEndpoint):
    serializer_class = PeriodSerializer
    filters, ordering, default_ordering = PERIOD_FILTERS, PERIOD_ORDERING, "-start"

    def base(self) -> Any:
        return visible_periods(self.request)

    def rows(self, page: list[Period]) -> list[dict[str, Any]]:
        return [period_row(p) for p in page]


class PeriodDetail(GenericAPIView):
    serializer_class = PeriodSerializer

    @extend_schema(responses={200: PeriodSerializer, **error_responses(404)})
    def get(self, request: Request, pk: int) -> Response:
        found = visible_periods(request).filter(pk=pk).first()
        if found is None:
            raise Http404
        return Response(PeriodSerializer(period_row(found)).data)


# Cards ----------------------------------------------------------------------------------------------------
class CardLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    component = serializers.CharField()
    indicator = serializers.CharField(allow_null=True, help_text="the indicator's code")
    label = serializers.CharField()
    level = serializers.CharField()
    weight = serializers.DecimalField(max_digits=6, decimal_places=2)
    scale = serializers.IntegerField(allow_null=True)
    threshold = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    target = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    maximum = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    planned_amount = serializers.DecimalField(
        **MONEY, help_text="null where the caller may not see this person's pay"
    )


class CardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField()
    employee = serializers.IntegerField()
    personnel_number = serializers.CharField()
    period = serializers.IntegerField()
    status = serializers.CharField()
    lines = CardLineSerializer(many=True)


def card_rows(request: Request, page: list[Card]) -> list[dict[str, Any]]:
    who = viewer(request)
    lines: dict[int, list[CardLine]] = {}
    for line in (
        CardLine.objects.filter(card__in=[c.pk for c in page])
        .select_related("indicator")
        .order_by("order", "pk")
    ):
        lines.setdefault(line.card_id, []).append(line)
    rows = []
    for card in page:
        pay = access.can_see_pay(who, card.employee)
        rows.append(
            {
                "id": card.pk,
                "organization": card.organization_id,
                "employee": card.employee_id,
                "personnel_number": card.employee.personnel_number,
                "period": card.period_id,
                "status": card.status,
                "lines": [
                    {
                        "id": line.pk,
                        "order": line.order,
                        "component": line.component,
                        "indicator": line.indicator.code if line.indicator_id else None,
                        "label": line.label or (line.indicator.name if line.indicator_id else ""),
                        "level": line.level,
                        "weight": line.weight,
                        "scale": line.scale_id,
                        "threshold": line.threshold,
                        "target": line.target,
                        "maximum": line.maximum,
                        "planned_amount": line.planned_amount if pay else None,
                    }
                    for line in lines.get(card.pk, [])
                ],
            }
        )
    return rows


def visible_cards(request: Request) -> Any:
    return Card.objects.filter(employees_q(viewer(request), "employee__")).select_related("employee")


CARD_FILTERS = {
    "organization": ("int", "organization_id"),
    "period": ("int", "period_id"),
    "employee": ("int", "employee_id"),
    "personnel_number": ("text", "employee__personnel_number"),
}
CARD_ORDERING = {"id": "pk", "period": "period__start", "last_name": "employee__last_name"}


@listed(
    CardSerializer,
    CARD_FILTERS,
    CARD_ORDERING,
    "Employee cards the caller may open (as the web card page) with their lines; planned amounts are null"
    " where the caller may not see that person's pay.",
)
class CardList(ListEndpoint):
    serializer_class = CardSerializer
    filters, ordering, default_ordering = CARD_FILTERS, CARD_ORDERING, "-period"

    def base(self) -> Any:
        return visible_cards(self.request)

    def rows(self, page: list[Card]) -> list[dict[str, Any]]:
        return card_rows(self.request, page)


class CardDetail(GenericAPIView):
    serializer_class = CardSerializer

    @extend_schema(responses={200: CardSerializer, **error_responses(404)})
    def get(self, request: Request, pk: int) -> Response:
        found = visible_cards(request).filter(pk=pk).first()
        if found is None:
            raise Http404
        return Response(CardSerializer(card_rows(request, [found])[0]).data)


# Runs and results --------------------------------------------------------------------------------------------
class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField()
    period = serializers.IntegerField()
    unit = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    progress = serializers.IntegerField()
    employees_total = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


def run_row(run: CalculationRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "organization": run.organization_id,
        "period": run.period_id,
        "unit": run.unit_id,
        "status": run.status,
        "progress": run.progress,
        "employees_total": run.employees_total,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def visible_runs(request: Request) -> Any:
    who = viewer(request)
    condition = Q(pk__in=[])
    for organization in access.organizations(who):
        condition |= Q(pk__in=access.runs(who, organization).values("pk"))
    return CalculationRun.objects.filter(condition)


RUN_FILTERS = {
    "organization": ("int", "organization_id"),
    "period": ("int", "period_id"),
    "status": ("text", "status"),
}
RUN_ORDERING = {"id": "pk", "created_at": "created_at"}


@listed(
    RunSerializer,
    RUN_FILTERS,
    RUN_ORDERING,
    "Calculation runs (the company-wide roles and managers; a manager reads only their team's results).",
)
class RunList(ListEndpoint):
    serializer_class = RunSerializer
    filters, ordering, default_ordering = RUN_FILTERS, RUN_ORDERING, "-id"

    def base(self) -> Any:
        return visible_runs(self.request)

    def rows(self, page: list[CalculationRun]) -> list[dict[str, Any]]:
        return [run_row(r) for r in page]


class RunDetail(GenericAPIView):
    serializer_class = RunSerializer

    @extend_schema(responses={200: RunSerializer, **error_responses(404)})
    def get(self, request: Request, pk: int) -> Response:
        found = visible_runs(request).filter(pk=pk).first()
        if found is None:
            raise Http404
        return Response(RunSerializer(run_row(found)).data)


class ResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    run = serializers.IntegerField()
    employee = serializers.IntegerField()
    personnel_number = serializers.CharField()
    result = serializers.DecimalField(max_digits=12, decimal_places=4, help_text="the result, %")
    level_results = serializers.JSONField()
    proration = serializers.DecimalField(max_digits=7, decimal_places=6)
    pay = serializers.DecimalField(
        max_digits=20, decimal_places=4, allow_null=True, help_text="null where the caller may not see pay"
    )
    has_errors = serializers.BooleanField()


class ResultTraceSerializer(ResultSerializer):
    trace = serializers.JSONField(
        help_text="the calculation explained step by step in the request's language (Accept-Language), as on"
        " the employee's card page: lines, card steps, and — only with the pay — components, pay steps, total"
    )
    notes = serializers.ListField(
        child=serializers.CharField(),
        help_text="the result's notes the caller may read (the pay calculation's only with the pay)",
    )


def shows_pay(request: Request, result: EmployeeResult) -> bool:
    who = viewer(request)
    own = who.employee is not None and who.employee.pk == result.employee_id
    return own or access.results_show_pay(who, result.run.organization_id)


def result_row(request: Request, result: EmployeeResult) -> dict[str, Any]:
    return {
        "id": result.pk,
        "run": result.run_id,
        "employee": result.employee_id,
        "personnel_number": result.employee.personnel_number,
        "result": result.result,
        "level_results": plain(result.level_results),
        "proration": result.proration,
        "pay": result.pay if shows_pay(request, result) else None,
        "has_errors": result.has_errors,
    }


def visible_results(request: Request) -> Any:
    who = viewer(request)
    condition = Q(pk__in=[])
    for organization in access.organizations(who):
        # access.results of every run access.runs lets the caller see, in one condition per organization
        if not access.runs(who, organization).exists():
            continue
        if who.reads_company(organization.pk):
            condition |= Q(run__organization_id=organization.pk)
        else:
            people = access.employees(who, organization).values("pk")
            condition |= Q(run__organization_id=organization.pk, employee_id__in=people)
    # a run whose slices are still being stored by workers shows nothing until it is done
    return EmployeeResult.objects.filter(condition, run__status=RunStatus.DONE).select_related(
        "employee", "run"
    )


RESULT_FILTERS = {
    "run": ("int", "run_id"),
    "employee": ("int", "employee_id"),
    "personnel_number": ("text", "employee__personnel_number"),
}
RESULT_ORDERING = {"id": "pk", "result": "result", "last_name": "employee__last_name"}


@listed(
    ResultSerializer,
    RESULT_FILTERS,
    RESULT_ORDERING,
    "The employee results the caller may read (`access.results`); pay is null for the auditor and the"
    " administrator (except their own).",
)
class ResultList(ListEndpoint):
    serializer_class = ResultSerializer
    filters, ordering, default_ordering = RESULT_FILTERS, RESULT_ORDERING, "last_name"

    def base(self) -> Any:
        return visible_results(self.request)

    def rows(self, page: list[EmployeeResult]) -> list[dict[str, Any]]:
        return [result_row(self.request, r) for r in page]


class ResultDetail(GenericAPIView):
    serializer_class = ResultTraceSerializer

    @extend_schema(responses={200: ResultTraceSerializer, **error_responses(404)})
    def get(self, request: Request, pk: int) -> Response:
        result = visible_results(request).filter(pk=pk).first()
        if result is None:
            raise Http404
        row = result_row(request, result)
        show = row["pay"] is not None
        language = get_language() or "ru"
        explained = explain(result, language, show_pay=show)
        row.update(trace=plain(explained), notes=explained["problems"])
        return Response(ResultTraceSerializer(row).data)
