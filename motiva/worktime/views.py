"""The production calendar page of an organization and year (HR only; anyone else gets 404): the year's
working days and hours by month, its exceptional days with add / change / remove, and the timesheet
hours of a period. Every change goes through worktime.services (validated, audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.core.models import Organization, Role
from motiva.org.models import Employee
from motiva.periods.models import Period, PeriodStatus
from motiva.web.decorators import viewer_required
from motiva.web.forms import show_problems
from motiva.worktime import services
from motiva.worktime.models import CalendarDay, CalendarYear, DayKind, Timesheet
from motiva.worktime.shipped import shipped_codes

MONTHS = [
    _lazy("January"),
    _lazy("February"),
    _lazy("March"),
    _lazy("April"),
    _lazy("May"),
    _lazy("June"),
    _lazy("July"),
    _lazy("August"),
    _lazy("September"),
    _lazy("October"),
    _lazy("November"),
    _lazy("December"),
]


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_lazy("Kind"), choices=DayKind.choices)
    hours = forms.DecimalField(
        label=_lazy("Hours"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(24),
        decimal_places=2,
        help_text=_lazy(
            "Empty: the day's norm for a working day, one hour less for a shortened day, none for a day off."
        ),
    )
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=200)
    reason = forms.CharField(label=_lazy("Reason"), required=False, max_length=300)


class TimesheetForm(forms.Form):
    employee = forms.ModelChoiceField(label=_lazy("Employee"), queryset=Employee.objects.none())
    hours = forms.DecimalField(label=_lazy("Hours worked"), min_value=Decimal(0), decimal_places=2)
    comment = forms.CharField(label=_lazy("Comment"), required=False, max_length=300)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = Employee.objects.filter(organization=organization).order_by(
            "last_name", "first_name"
        )  # type: ignore[attr-defined]


def _organization_for_hr(request: HttpRequest, org: int) -> Organization:
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = access.organization_or_404(viewer, org)
    if not viewer.has(organization.pk, Role.HR):
        raise Http404
    return organization


def _months(calendar: Any, year: int) -> list[dict[str, Any]]:
    rows = []
    for month in range(1, 13):
        first = dt.date(year, month, 1)
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        rows.append(
            {
                "name": MONTHS[month - 1],
                "days": calendar.working_days(first, last),
                "hours": calendar.working_hours(first, last),
            }
        )
    return rows


@viewer_required
def calendar_page(request: HttpRequest, org: int, year: int | None = None) -> HttpResponse:
    organization = _organization_for_hr(request, org)
    if year is None:
        return redirect("worktime_calendar_year", organization.pk, timezone.localdate().year)
    if not 1900 <= year <= 2200:  # a calendar of year 10000 is not a page (and no date can hold it)
        raise Http404
    calendar_year = CalendarYear.objects.filter(organization=organization, year=year).first()
    day_form = CalendarDayForm()
    period_id = request.GET.get("period") or request.POST.get("period")
    periods = list(
        Period.objects.filter(organization=organization)
        .exclude(status=PeriodStatus.CLOSED)
        .order_by("-start")
    )
    period = next((p for p in periods if str(p.pk) == str(period_id)), periods[0] if periods else None)
    sheet_form = TimesheetForm(organization=organization)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "install":
                code = request.POST.get("code", "")
                services.calendar_install(actor=request.user, organization=organization, code=code)
                messages.success(request, _("Calendar %(code)s installed.") % {"code": code})
                return redirect("worktime_calendar_year", organization.pk, year)
            if action == "create":
                services.calendar_year_create(actor=request.user, organization=organization, year=year)
                messages.success(request, _("Calendar year %(year)s created.") % {"year": year})
                return redirect("worktime_calendar_year", organization.pk, year)
            if action == "set" and calendar_year is not None:
                day_form = CalendarDayForm(request.POST)
                if day_form.is_valid():
                    data = day_form.cleaned_data
                    services.calendar_day_set(
                        actor=request.user,
                        calendar=calendar_year,
                        date=data["date"],
                        kind=data["kind"],
                        hours=data["hours"],
                        note=data["note"],
                        reason=data["reason"],
                    )
                    messages.success(request, _("Day %(date)s saved.") % {"date": data["date"].isoformat()})
                    return redirect("worktime_calendar_year", organization.pk, year)
            if action == "remove" and calendar_year is not None:
                day_id = request.POST.get("day", "")
                day = (
                    CalendarDay.objects.filter(calendar=calendar_year, pk=int(day_id)).first()
                    if day_id.isdigit()
                    else None
                )
                if day is None:
                    raise Http404
                services.calendar_day_remove(
                    actor=request.user, day=day, reason=request.POST.get("reason", "")
                )
                messages.success(
                    request,
                    _("Day %(date)s removed: it follows the week again.") % {"date": day.date.isoformat()},
                )
                return redirect("worktime_calendar_year", organization.pk, year)
            if action == "timesheet" and period is not None:
                sheet_form = TimesheetForm(request.POST, organization=organization)
                if sheet_form.is_valid():
                    data = sheet_form.cleaned_data
                    services.timesheet_set(
                        actor=request.user,
                        period=period,
                        employee=data["employee"],
                        hours=data["hours"],
                        comment=data["comment"],
                    )
                    messages.success(
                        request, _("Timesheet of %(name)s saved.") % {"name": data["employee"].full_name}
                    )
                    return redirect(f"{request.path}?period={period.pk}")
        except InvalidInput as error:
            show_problems(request, error)
    calendar = services.work_calendar(organization, dt.date(year, 1, 1), dt.date(year, 12, 31))
    days = list(calendar_year.days.order_by("date")) if calendar_year else []
    installable = (
        [code for code in shipped_codes() if code.endswith(f"-{year}")] if calendar_year is None else []
    )
    sheets = (
        list(
            Timesheet.objects.filter(period=period).select_related("employee").order_by("employee__last_name")
        )
        if period
        else []
    )
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return render(
        request,
        "worktime/calendar.html",
        {
            "organization": organization,
            "year": year,
            "calendar_year": calendar_year,
            "days": days,
            "day_form": day_form,
            "months": _months(calendar, year) if calendar_year else [],
            "installable": installable,
            "total_days": calendar.working_days(first, last) if calendar_year else None,
            "total_hours": calendar.working_hours(first, last) if calendar_year else None,
            "years": list(
                CalendarYear.objects.filter(organization=organization)
                .order_by("year")
                .values_list("year", flat=True)
            ),
            "periods": periods,
            "period": period,
            "sheet_form": sheet_form,
            "sheets": sheets,
        },
    )
