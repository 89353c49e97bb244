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
from django.utils.translation import gettext_lazy

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
    gettext_lazy("January"),
    gettext_lazy("February"),
    gettext_lazy("March"),
    gettext_lazy("April"),
    gettext_lazy("May"),
    gettext_lazy("June"),
    gettext_lazy("July"),
    gettext_lazy("August"),
    gettext_lazy("September"),
    gettext_lazy("October"),
    gettext_lazy("November"),
    gettext_lazy("December"),
]


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DayKind.choices)
    hours = forms.DecimalField(
        label=gettext_lazy("Hours"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(24),
        decimal_places=2,
        help_text=gettext_lazy(
            "Empty: the day's norm for a working day, one hour less for a shortened day, none for a day off."
        ),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=300)


class ActionForm(forms.Form):
    """Which of the page's forms was sent (each button carries its action)."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in ("install", "create", "confirm", "set", "remove", "timesheet")]
    )
    code = forms.CharField(required=False, max_length=20)
    day = forms.IntegerField(required=False, min_value=1)
    reason = forms.CharField(required=False, max_length=300)


class ConfirmForm(forms.Form):
    basis = forms.CharField(
        label=gettext_lazy("Checked against"),
        max_length=300,
        help_text=gettext_lazy("The official decree the days were checked against: its date and number."),
    )


class TimesheetForm(forms.Form):
    employee = forms.ModelChoiceField(label=gettext_lazy("Employee"), queryset=Employee.objects.none())
    hours = forms.DecimalField(label=gettext_lazy("Hours worked"), min_value=Decimal(0), decimal_places=2)
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=300)

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
    confirm_form = ConfirmForm()
    chosen = ActionForm(request.POST) if request.method == "POST" else None
    if chosen is not None and not chosen.is_valid():
        messages.error(request, _("The form sent is not one of this page's."))
    elif chosen is not None:
        action = chosen.cleaned_data["action"]
        try:
            if action == "install":
                code = chosen.cleaned_data["code"]
                services.calendar_install(actor=request.user, organization=organization, code=code)
                messages.success(request, _("Calendar %(code)s installed.") % {"code": code})
                return redirect("worktime_calendar_year", organization.pk, year)
            if action == "create":
                services.calendar_year_create(actor=request.user, organization=organization, year=year)
                messages.success(request, _("Calendar year %(year)s created.") % {"year": year})
                return redirect("worktime_calendar_year", organization.pk, year)
            if action == "confirm" and calendar_year is not None:
                confirm_form = ConfirmForm(request.POST)
                if confirm_form.is_valid():
                    services.calendar_confirm(
                        actor=request.user, calendar=calendar_year, basis=confirm_form.cleaned_data["basis"]
                    )
                    messages.success(request, _("The calendar for %(year)s is confirmed.") % {"year": year})
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
                day = CalendarDay.objects.filter(
                    calendar=calendar_year, pk=chosen.cleaned_data["day"]
                ).first()
                if day is None:
                    raise Http404
                services.calendar_day_remove(
                    actor=request.user, day=day, reason=chosen.cleaned_data["reason"]
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
            "confirm_form": confirm_form,
            "sheets": sheets,
        },
    )
