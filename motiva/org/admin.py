from django.contrib import admin

from motiva.core.admin_base import AuditedAdmin, PayGuard, ReadOnlyAdmin
from motiva.org.models import Absence, Assignment, Employee, Grade, Position, Unit


@admin.register(Grade)
class GradeAdmin(PayGuard, AuditedAdmin):
    """A grade's salary range is pay: shown and edited only by those who read the organization's pay."""

    pay_fields = ("salary_min", "salary_max")
    list_display = ["code", "name", "salary_min", "salary_max", "organization"]
    search_fields = ["code", "name"]
    list_filter = ["organization"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "code", "block", "level_label", "head", "organization"]
    list_filter = ["organization", "block", "management_level"]
    search_fields = ["name", "code"]
    readonly_fields = ["path"]
    autocomplete_fields = ["parent", "head"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Moving a unit to another branch would rewrite who reported to whom in the past.
        return ["path", "parent", "organization"] if obj else ["path"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if not obj.path:
            obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
            obj.save(update_fields=["path"])


@admin.register(Position)
class PositionAdmin(AuditedAdmin):
    list_display = ["title", "unit", "grade", "category", "is_head"]
    list_filter = ["organization", "category", "is_head"]
    search_fields = ["title", "unit__name"]
    autocomplete_fields = ["unit", "grade"]


class AssignmentInline(PayGuard, admin.TabularInline):
    model = Assignment
    pay_fields = ("salary",)
    fk_name = "employee"
    extra = 0
    fields = ["position", "unit", "manager", "fte", "salary", "start_date", "end_date"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0
    fields = ["kind", "start_date", "end_date", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Employee)
class EmployeeAdmin(AuditedAdmin):
    """Hiring, termination and the history change through the org services (the staff pages); here the
    names and the account link are edited. Deleting a person would list their pay and erase history."""

    list_display = ["full_name", "personnel_number", "hire_date", "termination_date", "organization"]
    list_filter = ["organization"]
    search_fields = ["last_name", "first_name", "personnel_number"]
    inlines = [AssignmentInline, AbsenceInline]
    # The account link decides whose pay a user sees (their own, their line's): it changes only through
    # the staff pages' invitation (org.services.account_invite), never by picking an account here.
    readonly_fields = ["organization", "user", "hire_date", "termination_date"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Assignment)
class AssignmentAdmin(PayGuard, ReadOnlyAdmin):
    """Assignments change through the assignment service (history is never rewritten; a role holder's
    salary through a second person): read-only here, the salary only for those who read its pay."""

    list_display = ["employee", "position", "unit", "manager", "fte", "salary", "start_date", "end_date"]
    list_filter = ["organization", "unit"]
    search_fields = ["employee__last_name", "employee__personnel_number"]
    pay_fields = ("salary",)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["employee", "kind", "start_date", "end_date"]
    list_filter = ["organization", "kind"]
    search_fields = ["employee__last_name"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
