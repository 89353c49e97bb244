"""Writes to the org structure: one function per use case, atomic, validated, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from motiva.core import audit
from motiva.core.errors import InvalidInput, problem, raise_if_errors
from motiva.core.models import DisciplinaryBaseChoice, Organization
from motiva.engine.problems import Problem
from motiva.engine.validation import DateSpan, fte_in_range, no_overlap, non_negative, span_ordered
from motiva.org.models import (
    Absence,
    AbsenceKind,
    Assignment,
    Block,
    Category,
    Employee,
    Grade,
    Position,
    Unit,
)

KEEP = object()  # "leave as it is" for optional arguments where None is a meaningful value
ASSIGNMENT_FIELDS = ("position", "unit", "manager", "fte", "salary", "start_date", "end_date")


def _same_org(obj: Any, organization: Organization, field: str, ru: str, en: str) -> list[Problem]:
    if obj is not None and obj.organization_id != organization.pk:
        return [
            problem(
                "other_organization",
                field,
                ru + " — из другой организации",
                en + " belongs to another organization",
            )
        ]
    return []


def _required(value: Any, field: str, ru: str, en: str) -> list[Problem]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return [
            problem(
                "required",
                field,
                "Поле «{name}» обязательно",
                "Field “{name_en}” is required",
                name=ru,
                name_en=en,
            )
        ]
    return []


@transaction.atomic
def organization_create(
    *, actor: Any, name: str, currency: str = "RUB", calendars: list[str] | None = None, **settings: Any
) -> Organization:
    """A new organization; it gets the shipped production calendars of its country (by currency) unless
    `calendars` names the ones to install (an empty list: none)."""
    raise_if_errors(_required(name, "name", "Название", "Name"))
    if Organization.objects.filter(name=name.strip()).exists():
        raise InvalidInput(
            [
                problem(
                    "duplicate",
                    "name",
                    "Организация «{name}» уже есть",
                    "Organization “{name}” exists",
                    name=name,
                )
            ]
        )
    # The Labour Code cap on disciplinary reductions (art. 135) is on by default for organizations that
    # pay in roubles, i.e. under Russian law; elsewhere it is off unless asked for.
    settings.setdefault("disciplinary_cap_enabled", currency == "RUB")
    org = Organization.objects.create(name=name.strip(), currency=currency, **settings)
    audit.record_create(
        actor=actor, obj=org, fields=["name", "currency", "rounding_mode", "score_places", "money_places"]
    )
    from motiva.worktime import services as worktime  # worktime depends on org: imported when used

    worktime.calendars_install(
        actor=actor,
        organization=org,
        codes=worktime.default_calendar_codes(currency) if calendars is None else calendars,
    )
    return org


PAY_RULE_FIELDS = (
    "disciplinary_cap_enabled",
    "disciplinary_cap_percent",
    "disciplinary_base",
    "ktu_min",
    "ktu_max",
    "ktu_step",
)


@transaction.atomic
def organization_pay_rules_set(
    *, actor: Any, organization: Organization, reason: str = "", **changes: Any
) -> Organization:
    """The organization's pay rules: the Labour Code cap on disciplinary reductions (switched off only
    with a reason, which stays in the audit log), its base, and the range and step of a KTU."""
    raise_if_errors(pay_rules_problems(organization, changes, reason))
    audit.apply_changes(actor=actor, obj=organization, changes=changes, reason=reason.strip())
    return organization


def pay_rules_problems(organization: Organization, changes: dict[str, Any], reason: str) -> list[Problem]:
    """What is wrong with these changes of the pay rules (forms show it beside the fields)."""
    unknown = sorted(set(changes) - set(PAY_RULE_FIELDS))
    if unknown:
        return [
            problem("unknown_field", name, "Неизвестная настройка «{n}»", "Unknown setting “{n}”", n=name)
            for name in unknown
        ]
    current = {name: getattr(organization, name) for name in PAY_RULE_FIELDS}
    wanted = {**current, **changes}
    problems: list[Problem] = []
    if not Decimal(0) <= Decimal(wanted["disciplinary_cap_percent"]) <= Decimal(100):
        problems.append(
            problem(
                "range",
                "disciplinary_cap_percent",
                "Предел снижений — от 0 до 100 %",
                "The cap is 0 to 100 %",
            )
        )
    if wanted["disciplinary_base"] not in DisciplinaryBaseChoice.values:
        problems.append(
            problem("choice", "disciplinary_base", "Неизвестная база предела", "Unknown base of the cap")
        )
    low, high, step = (Decimal(wanted[name]) for name in ("ktu_min", "ktu_max", "ktu_step"))
    if low < 0 or high <= low:
        problems.append(
            problem(
                "ktu_range",
                "ktu_max",
                "КТУ: наименьший не меньше 0 и меньше наибольшего",
                "KTU: the lowest is at least 0 and below the highest",
            )
        )
    if step <= 0 or (high - low) % step:
        problems.append(
            problem(
                "ktu_step",
                "ktu_step",
                "Шаг КТУ больше нуля и укладывается в диапазон целое число раз",
                "The KTU step is above zero and fits the range a whole number of times",
            )
        )
    switching_off = current["disciplinary_cap_enabled"] and not wanted["disciplinary_cap_enabled"]
    if switching_off and not reason.strip():
        problems.append(
            problem(
                "reason_required",
                "reason",
                "Отключение предела снижений по ст. 135 ТК РФ — только с обоснованием",
                "Switching off the Labour Code art. 135 cap needs a reason",
            )
        )
    return problems


@transaction.atomic
def grade_create(
    *, actor: Any, organization: Organization, code: str, name: str, salary_min: Decimal, salary_max: Decimal
) -> Grade:
    problems = [
        *_required(code, "code", "Код", "Code"),
        *non_negative(salary_min, "salary_min", "Оклад от", "Salary from"),
    ]
    if salary_max < salary_min:
        problems.append(
            problem(
                "range", "salary_max", "«Оклад до» меньше «оклада от»", "“Salary to” is below “salary from”"
            )
        )
    if Grade.objects.filter(organization=organization, code=code).exists():
        problems.append(
            problem("duplicate", "code", "Грейд {code} уже есть", "Grade {code} exists", code=code)
        )
    raise_if_errors(problems)
    grade = Grade.objects.create(
        organization=organization, code=code, name=name, salary_min=salary_min, salary_max=salary_max
    )
    audit.record_create(actor=actor, obj=grade, fields=["code", "name", "salary_min", "salary_max"])
    return grade


@transaction.atomic
def unit_create(
    *,
    actor: Any,
    organization: Organization,
    code: str,
    name: str,
    parent: Unit | None = None,
    block: str = Block.ADMINISTRATIVE,
    management_level: int | None = None,
) -> Unit:
    problems = [*_required(code, "code", "Код", "Code"), *_required(name, "name", "Название", "Name")]
    problems += _same_org(parent, organization, "parent", "Вышестоящее подразделение", "The parent unit")
    if block not in Block.values:
        problems.append(
            problem("choice", "block", "Неизвестный блок «{block}»", "Unknown block “{block}”", block=block)
        )
    if Unit.objects.filter(organization=organization, code=code).exists():
        problems.append(
            problem(
                "duplicate",
                "code",
                "Подразделение с кодом {code} уже есть",
                "A unit with code {code} exists",
                code=code,
            )
        )
    raise_if_errors(problems)
    level = (
        management_level if management_level is not None else (parent.management_level + 1 if parent else 0)
    )
    unit = Unit.objects.create(
        organization=organization, parent=parent, code=code, name=name, block=block, management_level=level
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    audit.record_create(actor=actor, obj=unit, fields=["code", "name", "parent", "block", "management_level"])
    return unit


@transaction.atomic
def unit_set_head(*, actor: Any, unit: Unit, head: Employee | None) -> Unit:
    raise_if_errors(_same_org(head, unit.organization, "head", "Руководитель", "The head"))
    audit.apply_changes(actor=actor, obj=unit, changes={"head": head})
    return unit


@transaction.atomic
def position_create(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    grade: Grade | None = None,
    category: str = Category.SPECIALIST,
    is_head: bool = False,
    monthly_task_hours: int = 100,
) -> Position:
    problems = _required(title, "title", "Должность", "Title")
    problems += _same_org(grade, unit.organization, "grade", "Грейд", "The grade")
    if category not in Category.values:
        problems.append(
            problem("choice", "category", "Неизвестная категория «{c}»", "Unknown category “{c}”", c=category)
        )
    raise_if_errors(problems)
    position = Position.objects.create(
        organization=unit.organization,
        unit=unit,
        title=title,
        grade=grade,
        category=category,
        is_head=is_head,
        monthly_task_hours=monthly_task_hours,
    )
    audit.record_create(actor=actor, obj=position, fields=["title", "unit", "grade", "category", "is_head"])
    return position


def _assignment_problems(
    organization: Organization,
    employee: Employee | None,
    position: Position,
    manager: Employee | None,
    fte: Decimal,
    salary: Decimal,
    span: DateSpan,
    others: list[DateSpan],
) -> list[Problem]:
    problems = [
        *_same_org(position, organization, "position", "Должность", "The position"),
        *_same_org(manager, organization, "manager", "Руководитель", "The manager"),
        *non_negative(salary, "salary", "Оклад", "Salary"),
        *fte_in_range(fte),
        *span_ordered(span, start_field="start_date", end_field="end_date"),
        *no_overlap(
            span,
            others,
            code="assignment_overlap",
            what_ru="назначением",
            what_en="the assignment",
            field="start_date",
        ),
    ]
    if employee is not None and manager is not None and manager.pk == employee.pk:
        problems.append(
            problem(
                "self_manager",
                "manager",
                "Сотрудник не может быть своим руководителем",
                "An employee cannot manage themself",
            )
        )
    return problems


@transaction.atomic
def employee_hire(
    *,
    actor: Any,
    organization: Organization,
    personnel_number: str,
    last_name: str,
    first_name: str,
    hire_date: dt.date,
    position: Position,
    salary: Decimal,
    middle_name: str = "",
    manager: Employee | None = None,
    fte: Decimal = Decimal("1"),
    user: Any = None,
    seniority_start: dt.date | None = None,
) -> Employee:
    problems = [
        *_required(personnel_number, "personnel_number", "Табельный номер", "Personnel number"),
        *_required(last_name, "last_name", "Фамилия", "Last name"),
        *_required(first_name, "first_name", "Имя", "First name"),
        *_assignment_problems(
            organization, None, position, manager, fte, salary, DateSpan(hire_date, None), []
        ),
    ]
    if Employee.objects.filter(organization=organization, personnel_number=personnel_number).exists():
        problems.append(
            problem(
                "duplicate",
                "personnel_number",
                "Табельный номер {n} уже занят",
                "Personnel number {n} is taken",
                n=personnel_number,
            )
        )
    if user is not None and Employee.objects.filter(user=user).exists():
        problems.append(
            problem(
                "duplicate",
                "user",
                "Учётная запись уже привязана к сотруднику",
                "The account is linked to another employee",
            )
        )
    raise_if_errors(problems)
    employee = Employee.objects.create(
        organization=organization,
        personnel_number=personnel_number,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        hire_date=hire_date,
        user=user,
        seniority_start=seniority_start,
    )
    audit.record_create(
        actor=actor,
        obj=employee,
        fields=["personnel_number", "last_name", "first_name", "middle_name", "hire_date"],
    )
    assignment = Assignment.objects.create(
        organization=organization,
        employee=employee,
        position=position,
        unit=position.unit,
        manager=manager,
        fte=fte,
        salary=salary,
        start_date=hire_date,
    )
    audit.record_create(actor=actor, obj=assignment, fields=ASSIGNMENT_FIELDS)
    return employee


@transaction.atomic
def assignment_change(
    *,
    actor: Any,
    employee: Employee,
    start_date: dt.date,
    position: Position | None = None,
    manager: Employee | object | None = KEEP,
    fte: Decimal | None = None,
    salary: Decimal | None = None,
    reason: str = "",
) -> Assignment:
    """From `start_date` on the employee holds a new assignment (fields not given carry over); the
    assignment in force the day before ends then. History before `start_date` is untouched."""
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    current = (
        Assignment.objects.filter(employee=employee, start_date__lt=start_date)
        .order_by("-start_date")
        .first()
    )
    if current is None or (
        current.end_date is not None and current.end_date < start_date - dt.timedelta(days=1)
    ):
        raise InvalidInput(
            [
                problem(
                    "no_assignment",
                    "start_date",
                    "На {d} у сотрудника нет назначения, которое можно изменить",
                    "The employee has no assignment on {d} to change",
                    d=start_date.isoformat(),
                )
            ]
        )
    later = [
        DateSpan(a.start_date, a.end_date, str(a.position.title))
        for a in Assignment.objects.filter(employee=employee, start_date__gte=start_date).select_related(
            "position"
        )
    ]
    new_position = position or current.position
    new_manager = current.manager if manager is KEEP else manager
    new_fte = fte if fte is not None else current.fte
    new_salary = salary if salary is not None else current.salary
    problems = _assignment_problems(
        employee.organization,
        employee,
        new_position,
        new_manager,
        new_fte,
        new_salary,
        DateSpan(start_date, current.end_date),
        later,
    )
    if employee.termination_date and start_date > employee.termination_date:
        problems.append(
            problem(
                "after_termination",
                "start_date",
                "Дата после увольнения сотрудника",
                "The date is after the termination",
            )
        )
    raise_if_errors(problems)
    new_end = current.end_date
    audit.apply_changes(
        actor=actor, obj=current, changes={"end_date": start_date - dt.timedelta(days=1)}, reason=reason
    )
    assignment = Assignment.objects.create(
        organization=employee.organization,
        employee=employee,
        position=new_position,
        unit=new_position.unit,
        manager=new_manager,
        fte=new_fte,
        salary=new_salary,
        start_date=start_date,
        end_date=new_end,
    )
    audit.record_create(actor=actor, obj=assignment, fields=ASSIGNMENT_FIELDS, reason=reason)
    return assignment


@transaction.atomic
def employee_terminate(
    *, actor: Any, employee: Employee, termination_date: dt.date, reason: str = ""
) -> Employee:
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    if termination_date < employee.hire_date:
        raise InvalidInput(
            [
                problem(
                    "before_hire",
                    "termination_date",
                    "Дата увольнения раньше даты приёма",
                    "Termination is before the hire date",
                )
            ]
        )
    if Assignment.objects.filter(employee=employee, start_date__gt=termination_date).exists():
        raise InvalidInput(
            [
                problem(
                    "later_assignment",
                    "termination_date",
                    "После этой даты у сотрудника есть назначения — сначала отмените их",
                    "The employee has assignments after this date; remove them first",
                )
            ]
        )
    audit.apply_changes(
        actor=actor, obj=employee, changes={"termination_date": termination_date}, reason=reason
    )
    for assignment in Assignment.objects.filter(employee=employee).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=termination_date)
    ):
        audit.apply_changes(
            actor=actor, obj=assignment, changes={"end_date": termination_date}, reason=reason
        )
    if employee.user_id and employee.user.is_active:
        audit.apply_changes(actor=actor, obj=employee.user, changes={"is_active": False}, reason=reason)
    return employee


@transaction.atomic
def absence_create(
    *, actor: Any, employee: Employee, kind: str, start_date: dt.date, end_date: dt.date, comment: str = ""
) -> Absence:
    span = DateSpan(start_date, end_date)
    others = [
        DateSpan(a.start_date, a.end_date, a.get_kind_display())
        for a in Absence.objects.filter(employee=employee, start_date__lte=end_date, end_date__gte=start_date)
    ]
    problems = [
        *span_ordered(span, start_field="start_date", end_field="end_date"),
        *no_overlap(
            span,
            others,
            code="absence_overlap",
            what_ru="отсутствием",
            what_en="the absence",
            field="start_date",
        ),
    ]
    if kind not in AbsenceKind.values:
        problems.append(
            problem(
                "choice", "kind", "Неизвестный вид отсутствия «{k}»", "Unknown absence kind “{k}”", k=kind
            )
        )
    if start_date < employee.hire_date or (
        employee.termination_date and end_date > employee.termination_date
    ):
        problems.append(
            problem(
                "outside_employment",
                "start_date",
                "Отсутствие вне периода работы сотрудника",
                "The absence is outside the employment",
            )
        )
    raise_if_errors(problems)
    absence = Absence.objects.create(
        organization=employee.organization,
        employee=employee,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        comment=comment,
    )
    audit.record_create(actor=actor, obj=absence, fields=["employee", "kind", "start_date", "end_date"])
    return absence
