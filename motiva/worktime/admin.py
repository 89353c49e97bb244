"""Working time in the admin: read-only. Calendars change through the calendar page (worktime.services,
audited), timesheets through the timesheet service and the calendar page's form."""

from django.contrib import admin

from motiva.worktime.models import CalendarDay, CalendarYear, Timesheet


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ["date", "kind", "hours", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(_ReadOnly):
    list_display = ["organization", "year", "hours_per_day", "source", "status"]
    list_filter = ["organization", "year", "status"]
    inlines = [CalendarDayInline]


@admin.register(Timesheet)
class TimesheetAdmin(_ReadOnly):
    list_display = ["employee", "period", "hours", "comment", "entered_by", "entered_at"]
    list_filter = ["organization", "period"]
    search_fields = ["employee__last_name", "employee__personnel_number"]
