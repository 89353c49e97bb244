from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motiva.core.models import Organization


class Block(models.TextChoices):
    PRODUCTION = "production", _("production")
    ADMINISTRATIVE = "administrative", _("administrative")


class Category(models.TextChoices):
    WORKER = "worker", _("worker")
    SPECIALIST = "specialist", _("specialist")
    LEAD_SPECIALIST = "lead_specialist", _("lead specialist")
    MANAGER = "manager", _("manager")
    DIRECTOR = "director", _("director")
    SALES = "sales", _("sales")


class Grade(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="grades", verbose_name=_("organization")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    salary_min = models.DecimalField(_("salary from"), max_digits=14, decimal_places=2)
    salary_max = models.DecimalField(_("salary to"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["organization", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="unique_grade_code"),
            models.CheckConstraint(
                condition=Q(salary_min__gte=0) & Q(salary_max__gte=models.F("salary_min")),
                name="grade_salary_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Unit(models.Model):
    """A node of the org tree. `path` (ids from the root, "/1/5/9/") makes subtree queries one index scan."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="units", verbose_name=_("organization")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    block = models.CharField(_("block"), max_length=20, choices=Block.choices, default=Block.ADMINISTRATIVE)
    management_level = models.PositiveSmallIntegerField(
        _("management level"), default=0, help_text=_("0 = N (top), 1 = N-1, 2 = N-2 …")
    )
    head = models.ForeignKey(
        "Employee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_units",
        verbose_name=_("head"),
    )
    path = models.CharField(_("tree path"), max_length=500, db_index=True, editable=False, default="")
    closed_from = models.DateField(
        _("closed from"),
        null=True,
        blank=True,
        help_text=_("The first day the unit no longer exists; its history stays."),
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="unique_unit_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def level_label(self) -> str:
        return "N" if self.management_level == 0 else f"N-{self.management_level}"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2 if self.path else 0

    def is_closed_on(self, day: dt.date) -> bool:
        return self.closed_from is not None and self.closed_from <= day


class Position(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="positions", verbose_name=_("organization")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="positions", verbose_name=_("unit"))
    title = models.CharField(_("title"), max_length=200)
    grade = models.ForeignKey(
        Grade,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
        verbose_name=_("grade"),
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.SPECIALIST
    )
    is_head = models.BooleanField(_("heads the unit"), default=False)
    monthly_task_hours = models.PositiveSmallIntegerField(
        _("monthly task hours norm"), default=100, help_text=_("Planned hours of tasks a month (e.g. 100 h).")
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["unit__path", "-is_head", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.unit})"


class Employee(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="employees", verbose_name=_("organization")
    )
    personnel_number = models.CharField(_("personnel number"), max_length=30)
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("patronymic"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
        verbose_name=_("user account"),
    )
    hire_date = models.DateField(_("hire date"))
    termination_date = models.DateField(_("termination date"), null=True, blank=True)
    seniority_start = models.DateField(
        _("continuous service since"),
        null=True,
        blank=True,
        help_text=_("For seniority allowances; the hire date when empty."),
    )

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["last_name", "first_name"]
        # the people list reads a page of an organization in name order without sorting it all
        indexes = [
            models.Index(
                fields=["organization", "last_name", "first_name", "middle_name", "id"],
                name="employee_org_name_idx",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "personnel_number"], name="unique_personnel_number"
            ),
            models.CheckConstraint(
                condition=Q(termination_date__isnull=True) | Q(termination_date__gte=models.F("hire_date")),
                name="employee_termination_after_hire",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)

    @property
    def short_name(self) -> str:
        initials = "".join(f"{part[0]}." for part in (self.first_name, self.middle_name) if part)
        return f"{self.last_name} {initials}".strip()

    def is_employed_on(self, day: dt.date) -> bool:
        return self.hire_date <= day and (self.termination_date is None or day <= self.termination_date)


class Assignment(models.Model):
    """Who the employee is between two dates: position, unit, manager, FTE and salary.
    A change of any of them is a new assignment; the old one gets an end date."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("employee")
    )
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("position")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("unit")
    )
    manager = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_assignments",
        verbose_name=_("manager"),
    )
    fte = models.DecimalField(_("FTE"), max_digits=4, decimal_places=2, default=1)
    salary = models.DecimalField(_("monthly salary"), max_digits=14, decimal_places=2)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["employee", "start_date"]
        indexes = [
            models.Index(fields=["employee", "start_date"], name="assignment_emp_start_idx"),
            models.Index(fields=["manager", "start_date"], name="assignment_mgr_start_idx"),
            models.Index(fields=["unit", "start_date"], name="assignment_unit_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(salary__gte=0), name="assignment_salary_non_negative"),
            models.CheckConstraint(condition=Q(fte__gt=0) & Q(fte__lte=1.5), name="assignment_fte_range"),
        ]

    def __str__(self) -> str:
        end = self.end_date.isoformat() if self.end_date else "…"
        return f"{self.employee}: {self.position.title} {self.start_date.isoformat()} — {end}"


class AbsenceKind(models.TextChoices):
    VACATION = "vacation", _("vacation")
    SICK = "sick", _("sick leave")
    UNPAID = "unpaid", _("unpaid leave")
    OTHER = "other", _("other")


class Absence(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="absences", verbose_name=_("employee")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AbsenceKind.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["employee", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="absence_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee}: {self.get_kind_display()} {self.start_date.isoformat()} — {self.end_date.isoformat()}"


class ObserverGrant(models.Model):
    """A user who reads a unit's subtree (cards and results) without managing it: a deputy or a functional
    lead (SPEC C1, «матрица заместителя»). Never a right to edit, score, enter facts or sign."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="observer_grants",
        verbose_name=_("observer"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="observer_grants", verbose_name=_("unit")
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("observer grant")
        verbose_name_plural = _("observer grants")
        ordering = ["unit__path", "start_date"]
        indexes = [models.Index(fields=["user", "organization"], name="observer_user_org_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="observer_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.unit}"
