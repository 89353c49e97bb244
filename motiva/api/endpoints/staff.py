"""HR's writes about people: absences (per person) and timesheet hours (per period).

Only HR reads and writes these here (others get 404, as on the web's HR pages); every write goes through
the service the web form uses (motiva.org.services.absence_create, motiva.worktime.services.timesheet_set),
so the same validation, closed-period guard and audit apply."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from motiva.api.endpoints.common import (
    DecimalJSONParser,
    NumberField,
    Paged,
    error_responses,
    filtered,
    read_object,
    refused,
    schema_parameters,
    viewer,
)
from motiva.api.idempotency import GUARD_CODES, HEADER_PARAMETER, IdempotentWrites
from motiva.core.errors import InvalidInput, problem
from motiva.core.models import Role
from motiva.org import services as org
from motiva.org.models import Absence, AbsenceKind, Employee
from motiva.periods.models import Period
from motiva.worktime import services as worktime
from motiva.worktime.models import Timesheet


def hr_organizations(request: Request) -> list[int]:
    who = viewer(request)
    from motiva.api.endpoints.common import organization_ids

    return organization_ids(who, lambda pk: who.has(pk, Role.HR))


class AbsenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    employee = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=AbsenceKind.values)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=300)


def absence_row(absence: Absence) -> dict[str, Any]:
    return {
        "id": absence.pk,
        "employee": absence.employee_id,
        "kind": absence.kind,
        "start_date": absence.start_date,
        "end_date": absence.end_date,
        "comment": absence.comment,
    }


ABSENCE_FILTERS = {
    "kind": ("text", "kind"),
    "from": ("date", "end_date__gte"),
    "to": ("date", "start_date__lte"),
}
ABSENCE_ORDERING = {"id": "pk", "start_date": "start_date"}


class PersonAbsences(IdempotentWrites, Paged, GenericAPIView):
    serializer_class = AbsenceSerializer
    parser_classes = [DecimalJSONParser]

    def person(self, pk: int) -> Employee:
        found = Employee.objects.filter(pk=pk, organization_id__in=hr_organizations(self.request)).first()
        if found is None:
            raise Http404
        return found

    @extend_schema(
        responses={200: AbsenceSerializer(many=True), **error_responses(400, 404)},
        parameters=schema_parameters(ABSENCE_FILTERS, ABSENCE_ORDERING),
        description="A person's absences (HR only).",
    )
    def get(self, request: Request, pk: int) -> Response:
        employee = self.person(pk)
        try:
            queryset = filtered(
                request,
                Absence.objects.filter(employee=employee),
                ABSENCE_FILTERS,
                ABSENCE_ORDERING,
                "start_date",
            )
        except InvalidInput as error:
            return refused(error.problems)
        page = self.paginate_queryset(queryset)
        data = [absence_row(a) for a in (page if page is not None else queryset)]
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        request=AbsenceSerializer,
        responses={201: AbsenceSerializer, **error_responses(404, *GUARD_CODES)},
        parameters=[HEADER_PARAMETER],
        description="Record an absence (HR only): validated and audited as the web form.",
    )
    def post(self, request: Request, pk: int) -> Response:
        employee = self.person(pk)
        values, problems = read_object(
            request.data,
            {
                "kind": ("text", True),
                "start_date": ("date", True),
                "end_date": ("date", True),
                "comment": ("text", False),
            },
        )
        if not problems and values["kind"] not in AbsenceKind.values:
            problems.append(
                problem("choice", "kind", "Вид: {a}", "Kind: {a}", a=", ".join(AbsenceKind.values))
            )
        if not problems and len(values.get("comment", "")) > 300:
            problems.append(problem("too_long", "comment", "Не длиннее 300 знаков", "At most 300 characters"))
        if problems:
            return refused(problems)
        try:
            absence = org.absence_create(actor=request.user, employee=employee, **values)
        except InvalidInput as error:
            return refused(error.problems)
        return Response(absence_row(absence), status=status.HTTP_201_CREATED)


class TimesheetSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    employee = serializers.CharField(help_text="the personnel number")
    hours = NumberField(help_text="hours worked in the period: a JSON number (read as Decimal) or a text")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=300)


def timesheet_row(sheet: Timesheet) -> dict[str, Any]:
    return {
        "id": sheet.pk,
        "employee": sheet.employee.personnel_number,
        "hours": sheet.hours,
        "comment": sheet.comment,
    }


TIMESHEET_FILTERS = {"personnel_number": ("text", "employee__personnel_number")}
TIMESHEET_ORDERING = {"id": "pk", "personnel_number": "employee__personnel_number"}


class PeriodTimesheets(IdempotentWrites, Paged, GenericAPIView):
    serializer_class = TimesheetSerializer
    parser_classes = [DecimalJSONParser]

    def period(self, pk: int) -> Period:
        found = Period.objects.filter(pk=pk, organization_id__in=hr_organizations(self.request)).first()
        if found is None:
            raise Http404
        return found

    @extend_schema(
        responses={200: TimesheetSerializer(many=True), **error_responses(400, 404)},
        parameters=schema_parameters(TIMESHEET_FILTERS, TIMESHEET_ORDERING),
        description="The hours worked in a period, by person (HR only).",
    )
    def get(self, request: Request, pk: int) -> Response:
        period = self.period(pk)
        try:
            queryset = filtered(
                request,
                Timesheet.objects.filter(period=period).select_related("employee"),
                TIMESHEET_FILTERS,
                TIMESHEET_ORDERING,
                "personnel_number",
            )
        except InvalidInput as error:
            return refused(error.problems)
        page = self.paginate_queryset(queryset)
        data = TimesheetSerializer(
            [timesheet_row(s) for s in (page if page is not None else queryset)], many=True
        ).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        request=TimesheetSerializer,
        responses={200: TimesheetSerializer, **error_responses(404, *GUARD_CODES)},
        parameters=[HEADER_PARAMETER],
        description="Set one person's hours in the period (HR only; the period must be open). Setting the"
        " same hours again changes nothing.",
    )
    def post(self, request: Request, pk: int) -> Response:
        period = self.period(pk)
        values, problems = read_object(
            request.data, {"employee": ("text", True), "hours": ("number", True), "comment": ("text", False)}
        )
        employee = None
        if not problems:
            employee = Employee.objects.filter(
                organization_id=period.organization_id, personnel_number=values["employee"]
            ).first()
            if employee is None:
                problems.append(
                    problem(
                        "not_found",
                        "employee",
                        "Нет сотрудника с табельным номером «{n}»",
                        "No employee with the personnel number “{n}”",
                        n=values["employee"][:40],
                    )
                )
            if len(values.get("comment", "")) > 300:
                problems.append(
                    problem("too_long", "comment", "Не длиннее 300 знаков", "At most 300 characters")
                )
        if problems:
            return refused(problems)
        try:
            sheet = worktime.timesheet_set(
                actor=request.user,
                period=period,
                employee=employee,
                hours=values["hours"],
                comment=values.get("comment", ""),
            )
        except InvalidInput as error:
            return refused(error.problems)
        sheet.refresh_from_db()
        return Response(TimesheetSerializer(timesheet_row(sheet)).data)
