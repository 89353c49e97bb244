"""Working time: an organization's production calendar by year, and the timesheet's hours actually worked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motiva.core.models import Organization
from motiva.org.models import Employee
from motiva.periods.models import Period


class DayKind(models.TextChoices):
    WORKING = "working", _("working day (a weekend made working)")
    SHORTENED = "shortened", _("shortened pre-holiday day")
    HOLIDAY = "holiday", _("public holiday")
    DAY_OFF = "day_off", _("day off (transferred)")


class CalendarStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    PROVISIONAL = "provisional", _("provisional: check it against the official decree")


class CalendarYear(models.Model):
    """One year of an organization's production calendar. Days not listed follow the week: Monday to
    Friday are working days of `hours_per_day` hours, Saturday and Sunday days off."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="calendar_years", verbose_name=_("organization")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    hours_per_day = models.DecimalField(_("hours per working day"), max_digits=4, decimal_places=2, default=8)
    source = models.CharField(
        _("source"),
        max_length=20,
        blank=True,
        help_text=_("The shipped calendar it was installed from, e.g. ru-2026."),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CalendarStatus.choices,
        default=CalendarStatus.CONFIRMED,
        help_text=_(
            "A provisional year was shipped before its official decree could be checked: a run that uses it"
            " warns until HR checks the days and confirms it."
        ),
    )
    confirmed_basis = models.CharField(
        _("confirmed against"),
        max_length=300,
        blank=True,
        help_text=_("The decree or source HR checked the year against when confirming it."),
    )

    class Meta:
        verbose_name = _("production calendar year")
        verbose_name_plural = _("production calendar years")
        ordering = ["organization", "year"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="unique_calendar_year"),
            models.CheckConstraint(
                condition=Q(hours_per_day__gt=0) & Q(hours_per_day__lte=24),
                name="calendar_hours_per_day_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.year}"


class CalendarDay(models.Model):
    """An exceptional day of a calendar year: a holiday, a transferred day off, a working weekend or a
    shortened pre-holiday day."""

    calendar = models.ForeignKey(
        CalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar year")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=DayKind.choices)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="unique_calendar_day"),
            models.CheckConstraint(
                condition=Q(hours__gte=0) & Q(hours__lte=24), name="calendar_day_hours_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"


class Timesheet(models.Model):
    """The hours an employee actually worked in a period (табель): for hours-based proration it takes
    precedence over the calendar."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="timesheets", verbose_name=_("period")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="timesheets", verbose_name=_("employee")
    )
    hours = models.DecimalField(_("hours worked"), max_digits=7, decimal_places=2)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        verbose_name = _("timesheet")
        verbose_name_plural = _("timesheets")
        ordering = ["period", "employee"]
        constraints = [
            models.UniqueConstraint(fields=["period", "employee"], name="unique_timesheet"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="timesheet_hours_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.employee}: {self.period} — {self.hours} h"
