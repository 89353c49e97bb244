"""Writes to the org structure: one function per use case, atomic, validated, audited."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from motiva.core import audit
from motiva.core.errors import InvalidInput, problem, raise_if_errors
from motiva.core.models import DisciplinaryBaseChoice, Organization, Role, RoleAssignment
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
    ObserverGrant,
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


def closed_period_problems(
    organization: Organization | int, start: dt.date, field: str, end: dt.date | None = None
) -> list[Problem]:
    """A change effective from `start` (to `end`, or for good) would rewrite a closed period: refused.
    Corrections of a closed period go through an adjustment in an open one."""
    from motiva.periods.models import Period, PeriodStatus  # periods depend on org: imported when used

    organization_id = organization if isinstance(organization, int) else organization.pk
    closed = Period.objects.filter(
        organization_id=organization_id, status=PeriodStatus.CLOSED, end__gte=start
    )
    if end is not None:
        closed = closed.filter(start__lte=end)
    period = closed.order_by("-end").first()
    if period is None:
        return []
    return [
        problem(
            "period_locked",
            field,
            "Дата {d} попадает в закрытый период «{name}»: его нельзя переписать. Укажите дату после {end}.",
            "The date {d} falls in the closed period “{name}”, which cannot be rewritten. Give a date after {end}.",
            d=start.isoformat(),
            name=period.name,
            end=period.end.isoformat(),
        )
    ]


def _unit_open(unit: Unit | None, day: dt.date, field: str) -> list[Problem]:
    if unit is not None and unit.is_closed_on(day):
        return [
            problem(
                "unit_closed",
                field,
                "Подразделение «{u}» закрыто с {d}",
                "The unit “{u}” is closed from {d}",
                u=unit.name,
                d=unit.closed_from.isoformat() if unit.closed_from else "",
            )
        ]
    return []


def _employed(person: Employee | None, day: dt.date, field: str, ru: str, en: str) -> list[Problem]:
    """Refuses a manager or head who has left by that day. One hired later is accepted: onboarding a
    company enters people with their old hire dates under today's managers."""
    if person is not None:
        # the dates as stored: an instance may predate a termination recorded since
        person = Employee.objects.filter(pk=person.pk).first() or person
    if person is not None and person.termination_date is not None and person.termination_date < day:
        return [
            problem(
                "not_employed",
                field,
                "{what} ({p}) не работает в организации на {d}",
                "{what_en} ({p}) is not employed on {d}",
                what=ru,
                what_en=en,
                p=person.full_name,
                d=day.isoformat(),
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
    if parent is not None and parent.closed_from is not None:
        problems += _unit_open(parent, parent.closed_from, "parent")
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
        *closed_period_problems(organization, hire_date, "hire_date"),
        *_unit_open(position.unit if position is not None else None, hire_date, "position"),
        *_employed(manager, hire_date, "manager", "Руководитель", "The manager"),
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
    approval: Any = None,
) -> Assignment:
    """From `start_date` on the employee holds a new assignment (fields not given carry over); the
    assignment in force the day before ends then. History before `start_date` is untouched. A new
    salary for someone who holds a privileged role is applied only with an approved request
    (motiva.dualcontrol)."""
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
    problems += closed_period_problems(employee.organization_id, start_date, "start_date")
    problems += _unit_open(new_position.unit, start_date, "position")
    if manager is not KEEP:
        problems += _employed(new_manager, start_date, "manager", "Руководитель", "The manager")  # type: ignore[arg-type]
    if employee.termination_date and start_date > employee.termination_date:
        problems.append(
            problem(
                "after_termination",
                "start_date",
                "Дата после увольнения сотрудника",
                "The date is after the termination",
            )
        )
    if new_salary != current.salary and salary_needs_approval(employee):
        problems += [
            replace(found, field="salary")
            for found in approval_problems(
                approval,
                kind="salary_change",
                organization_id=employee.organization_id,
                user_id=employee.user_id,
            )
        ]
        if approval is not None and approval.employee_id != employee.pk:
            problems.append(
                problem(
                    "approval", "salary", "Запрос о другом сотруднике", "The request is about someone else"
                )
            )
    raise_if_errors(problems)
    if approval is not None:
        reason = "; ".join(part for part in (reason, _approved(approval)) if part)
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


def salary_needs_approval(employee: Employee) -> bool:
    """A salary of someone who holds a privileged role changes only with a second person's approval."""
    return holds_privileged_role(employee.user_id, employee.organization_id)


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
    raise_if_errors(closed_period_problems(employee.organization_id, termination_date, "termination_date"))
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
    problems += closed_period_problems(employee.organization_id, start_date, "start_date", end_date)
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


UNIT_FIELDS = ("code", "name", "parent", "block", "management_level", "head")


@transaction.atomic
def unit_update(*, actor: Any, unit: Unit, reason: str = "", **changes: Any) -> Unit:
    """Rename a unit, move it under another parent (never under itself or its own subtree), change its
    block, management level or head. The subtree's paths follow a move in the same transaction."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    unknown = sorted(set(changes) - set(UNIT_FIELDS))
    raise_if_errors(
        problem("unknown_field", name, "Неизвестное поле «{n}»", "Unknown field “{n}”", n=name)
        for name in unknown
    )
    problems: list[Problem] = []
    if "code" in changes:
        changes["code"] = (changes["code"] or "").strip()
        problems += _required(changes["code"], "code", "Код", "Code")
        if (
            Unit.objects.filter(organization_id=unit.organization_id, code=changes["code"])
            .exclude(pk=unit.pk)
            .exists()
        ):
            problems.append(
                problem(
                    "duplicate",
                    "code",
                    "Подразделение с кодом {code} уже есть",
                    "A unit with code {code} exists",
                    code=changes["code"],
                )
            )
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        problems += _required(changes["name"], "name", "Название", "Name")
    if "block" in changes and changes["block"] not in Block.values:
        problems.append(
            problem("choice", "block", "Неизвестный блок «{b}»", "Unknown block “{b}”", b=changes["block"])
        )
    if "management_level" in changes:
        level = changes["management_level"]
        if not isinstance(level, int) or not 0 <= level <= 9:
            problems.append(
                problem(
                    "range",
                    "management_level",
                    "Уровень управления — от N до N-9",
                    "The management level is from N to N-9",
                )
            )
    parent = changes.get("parent", unit.parent)
    moving = "parent" in changes and (parent.pk if parent else None) != unit.parent_id
    if moving and parent is not None:
        problems += _same_org(
            parent, unit.organization, "parent", "Вышестоящее подразделение", "The parent unit"
        )
        if parent.path.startswith(unit.path):
            problems.append(
                problem(
                    "cycle",
                    "parent",
                    "Подразделение нельзя подчинить самому себе или своему подразделению «{p}»",
                    "A unit cannot be moved under itself or under its own unit “{p}”",
                    p=parent.name,
                )
            )
        if parent.closed_from is not None:
            problems += _unit_open(parent, parent.closed_from, "parent")
    if changes.get("head") is not None:
        head = changes["head"]
        problems += _same_org(head, unit.organization, "head", "Руководитель", "The head")
        if head.termination_date is not None and head.termination_date < timezone.localdate():
            problems += _employed(head, timezone.localdate(), "head", "Руководитель", "The head")
    raise_if_errors(problems)
    old_path = unit.path
    audit.apply_changes(actor=actor, obj=unit, changes=changes, reason=reason)
    if moving:
        new_path = f"{parent.path if parent else '/'}{unit.pk}/"
        for below in Unit.objects.filter(organization_id=unit.organization_id, path__startswith=old_path):
            below.path = new_path + below.path[len(old_path) :]
            below.save(update_fields=["path"])
        unit.path = new_path
    return unit


@transaction.atomic
def unit_close(*, actor: Any, unit: Unit, closed_from: dt.date, reason: str = "") -> Unit:
    """From `closed_from` on the unit no longer exists; it stays in the tree, marked closed, with its
    history. Refused while someone is assigned to it (or below it) on that day or later, or a unit below
    it stays open."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    problems = closed_period_problems(unit.organization_id, closed_from, "closed_from")
    subtree = Unit.objects.filter(organization_id=unit.organization_id, path__startswith=unit.path)
    staying = (
        Assignment.objects.filter(unit__in=subtree)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=closed_from))
        .select_related("employee")
        .first()
    )
    if staying is not None:
        problems.append(
            problem(
                "unit_has_people",
                "closed_from",
                "В подразделении на {d} и позже работает {p}: сначала переведите сотрудников",
                "{p} works in the unit on {d} or later: transfer the people first",
                d=closed_from.isoformat(),
                p=staying.employee.full_name,
            )
        )
    open_child = (
        subtree.exclude(pk=unit.pk)
        .filter(Q(closed_from__isnull=True) | Q(closed_from__gt=closed_from))
        .first()
    )
    if open_child is not None:
        problems.append(
            problem(
                "unit_has_open_children",
                "closed_from",
                "Подразделение «{c}» внутри остаётся открытым: закройте его не позже {d}",
                "The unit “{c}” inside stays open: close it by {d}",
                c=open_child.name,
                d=closed_from.isoformat(),
            )
        )
    if (
        unit.parent is None
        and Unit.objects.filter(
            organization_id=unit.organization_id, parent__isnull=True, closed_from__isnull=True
        )
        .exclude(pk=unit.pk)
        .count()
        == 0
    ):
        problems.append(
            problem(
                "last_root",
                "closed_from",
                "Нельзя закрыть последнее головное подразделение организации",
                "The organization's last top unit cannot be closed",
            )
        )
    raise_if_errors(problems)
    audit.apply_changes(actor=actor, obj=unit, changes={"closed_from": closed_from}, reason=reason)
    return unit


@transaction.atomic
def unit_reopen(*, actor: Any, unit: Unit, reason: str = "") -> Unit:
    raise_if_errors(
        closed_period_problems(unit.organization_id, unit.closed_from, "closed_from")
        if unit.closed_from
        else []
    )
    audit.apply_changes(actor=actor, obj=unit, changes={"closed_from": None}, reason=reason)
    return unit


POSITION_FIELDS = ("title", "unit", "grade", "category", "is_head", "monthly_task_hours")


@transaction.atomic
def position_update(*, actor: Any, position: Position, reason: str = "", **changes: Any) -> Position:
    """Change a position. Its unit changes only while nobody holds it (an assignment keeps the unit it
    was made in), and never to a closed unit."""
    unknown = sorted(set(changes) - set(POSITION_FIELDS))
    problems = [
        problem("unknown_field", name, "Неизвестное поле «{n}»", "Unknown field “{n}”", n=name)
        for name in unknown
    ]
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
        problems += _required(changes["title"], "title", "Должность", "Title")
    if "category" in changes and changes["category"] not in Category.values:
        problems.append(
            problem(
                "choice",
                "category",
                "Неизвестная категория «{c}»",
                "Unknown category “{c}”",
                c=changes["category"],
            )
        )
    if changes.get("grade") is not None:
        problems += _same_org(changes["grade"], position.organization, "grade", "Грейд", "The grade")
    hours = changes.get("monthly_task_hours")
    if hours is not None and (not isinstance(hours, int) or not 0 <= hours <= 744):
        problems.append(
            problem(
                "range",
                "monthly_task_hours",
                "Норма часов задач — от 0 до 744 в месяц",
                "The task hours norm is 0 to 744 a month",
            )
        )
    new_unit = changes.get("unit")
    if new_unit is not None and new_unit.pk != position.unit_id:
        problems += _same_org(new_unit, position.organization, "unit", "Подразделение", "The unit")
        problems += _unit_open(new_unit, timezone.localdate(), "unit")
        if position.assignments.exists():
            problems.append(
                problem(
                    "position_held",
                    "unit",
                    "Должность уже занимали: чтобы перенести её в другое подразделение, создайте новую "
                    "должность там и переведите сотрудников",
                    "The position has been held: to move it to another unit, create a new position there "
                    "and transfer the people",
                )
            )
    raise_if_errors(problems)
    audit.apply_changes(actor=actor, obj=position, changes=changes, reason=reason)
    return position


@transaction.atomic
def grade_update(*, actor: Any, grade: Grade, reason: str = "", **changes: Any) -> Grade:
    allowed = {"code", "name", "salary_min", "salary_max"}
    problems = [
        problem("unknown_field", name, "Неизвестное поле «{n}»", "Unknown field “{n}”", n=name)
        for name in sorted(set(changes) - allowed)
    ]
    code = (changes.get("code", grade.code) or "").strip()
    low = changes.get("salary_min", grade.salary_min)
    high = changes.get("salary_max", grade.salary_max)
    problems += _required(code, "code", "Код", "Code")
    problems += _required(low, "salary_min", "Оклад от", "Salary from")
    problems += _required(high, "salary_max", "Оклад до", "Salary to")
    if low is not None and high is not None:
        problems += non_negative(low, "salary_min", "Оклад от", "Salary from")
        if high < low:
            problems.append(
                problem(
                    "range",
                    "salary_max",
                    "«Оклад до» меньше «оклада от»",
                    "“Salary to” is below “salary from”",
                )
            )
    if Grade.objects.filter(organization_id=grade.organization_id, code=code).exclude(pk=grade.pk).exists():
        problems.append(
            problem("duplicate", "code", "Грейд {code} уже есть", "Grade {code} exists", code=code)
        )
    raise_if_errors(problems)
    if "code" in changes:
        changes["code"] = code
    audit.apply_changes(actor=actor, obj=grade, changes=changes, reason=reason)
    return grade


@transaction.atomic
def observer_grant(
    *,
    actor: Any,
    unit: Unit,
    user: Any,
    start_date: dt.date,
    end_date: dt.date | None = None,
    reason: str = "",
) -> ObserverGrant:
    """Let a user (a deputy, a functional lead) read the unit's subtree — cards and results — from
    `start_date` (to `end_date`) without managing it."""
    problems = [
        *_required(user, "user", "Наблюдатель", "Observer"),
        *span_ordered(DateSpan(start_date, end_date), start_field="start_date", end_field="end_date"),
    ]
    if user is not None:
        if not user.is_active:
            problems.append(
                problem("inactive", "user", "Учётная запись отключена", "The account is disabled")
            )
        others = [
            DateSpan(g.start_date, g.end_date, g.unit.name)
            for g in ObserverGrant.objects.filter(unit=unit, user=user).select_related("unit")
        ]
        problems += no_overlap(
            DateSpan(start_date, end_date),
            others,
            code="observer_overlap",
            what_ru="допуском к",
            what_en="the grant on",
            field="start_date",
        )
        belongs = Employee.objects.filter(user=user, organization_id=unit.organization_id).exists() or (
            RoleAssignment.objects.filter(user=user, organization_id=unit.organization_id).exists()
        )
        if not belongs:
            problems.append(
                problem(
                    "other_organization",
                    "user",
                    "Пользователь не работает в этой организации",
                    "The user does not belong to this organization",
                )
            )
    raise_if_errors(problems)
    grant = ObserverGrant.objects.create(
        organization_id=unit.organization_id,
        user=user,
        unit=unit,
        start_date=start_date,
        end_date=end_date,
        reason=reason.strip(),
    )
    audit.record_create(
        actor=actor, obj=grant, fields=["user", "unit", "start_date", "end_date"], reason=reason
    )
    return grant


@transaction.atomic
def observer_end(*, actor: Any, grant: ObserverGrant, end_date: dt.date, reason: str = "") -> ObserverGrant:
    """The grant ends on `end_date` (the day before its start removes it from effect altogether)."""
    if end_date < grant.start_date - dt.timedelta(days=1):
        raise InvalidInput(
            [
                problem(
                    "end_before_start",
                    "end_date",
                    "Допуск начинается {s}: окончание не раньше {d}",
                    "The grant starts on {s}: it ends on {d} at the earliest",
                    s=grant.start_date.isoformat(),
                    d=(grant.start_date - dt.timedelta(days=1)).isoformat(),
                )
            ]
        )
    if end_date < grant.start_date:
        audit.record_delete(
            actor=actor, obj=grant, fields=["user", "unit", "start_date", "end_date"], reason=reason
        )
        grant.delete()
        return grant
    audit.apply_changes(actor=actor, obj=grant, changes={"end_date": end_date}, reason=reason)
    return grant


USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")


def invitation_allowed(user: Any) -> bool:
    """May a one-time password link be issued for this account (and still be used)? Only for an account
    nobody has used yet: never signed in (corporate sign-in opens accounts without a password), no role,
    not a superuser. Otherwise whoever holds the link, HR included, would take the account over."""
    return (
        user.last_login is None
        and not user.is_superuser
        and not RoleAssignment.objects.filter(user_id=user.pk).exists()
    )


@transaction.atomic
def account_invite(*, actor: Any, employee: Employee, username: str, email: str = "") -> Any:
    """A user account for the employee, without a password: the person sets one through a one-time link
    (Django's token machinery; motiva.web.staff builds it). An existing account without a password
    gets a fresh link; a disabled one is enabled again."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    # Only the employee's row is locked: the user is an outer join (a person may have no account yet).
    employee = Employee.objects.select_for_update(of=("self",)).select_related("user").get(pk=employee.pk)
    username = (username or "").strip()
    email = (email or "").strip()
    problems: list[Problem] = []
    if employee.termination_date is not None and employee.termination_date < timezone.localdate():
        problems.append(problem("terminated", "username", "Сотрудник уволен", "The employee has left"))
    if employee.user is not None:
        raise_if_errors(problems)
        if not employee.user.has_usable_password() and not invitation_allowed(employee.user):
            raise InvalidInput(
                [
                    problem(
                        "account_in_use",
                        "username",
                        "Учётная запись уже используется (вход через корпоративный каталог, роль или"
                        " администратор): ссылку для пароля выдать нельзя — пароль задал бы не её"
                        " владелец. Потерянный доступ восстанавливает оператор сервера",
                        "The account is in use already (corporate sign-in, a role or an administrator):"
                        " no password link can be issued, since someone other than its owner would set"
                        " the password. The server's operator restores lost access",
                    )
                ]
            )
        if not employee.user.is_active:
            audit.apply_changes(actor=actor, obj=employee.user, changes={"is_active": True})
        return employee.user
    problems += _required(username, "username", "Логин", "Login")
    if username and not USERNAME_RE.match(username):
        problems.append(
            problem(
                "format",
                "username",
                "Логин — латинские буквы, цифры и символы . @ + - _",
                "A login holds letters, digits and . @ + - _",
            )
        )
    if username and user_model.objects.filter(username__iexact=username).exists():
        problems.append(
            problem("duplicate", "username", "Логин {u} уже занят", "The login {u} is taken", u=username)
        )
    if email and ("@" not in email or len(email) > 254):
        problems.append(problem("format", "email", "Неверный адрес почты", "Not an e-mail address"))
    raise_if_errors(problems)
    user = user_model(
        username=username, email=email, first_name=employee.first_name, last_name=employee.last_name
    )
    user.set_unusable_password()
    user.save()
    audit.record_create(actor=actor, obj=user, fields=["username", "email", "is_active"])
    audit.apply_changes(actor=actor, obj=employee, changes={"user": user})
    return user


@transaction.atomic
def account_disable(*, actor: Any, employee: Employee, reason: str = "") -> Any:
    user = employee.user
    if user is None:
        raise InvalidInput(
            [problem("no_account", "user", "У сотрудника нет учётной записи", "The employee has no account")]
        )
    if getattr(actor, "pk", None) == user.pk:
        raise InvalidInput(
            [
                problem(
                    "self",
                    "user",
                    "Свою учётную запись отключить нельзя",
                    "You cannot disable your own account",
                )
            ]
        )
    audit.apply_changes(actor=actor, obj=user, changes={"is_active": False}, reason=reason)
    return user


@transaction.atomic
def account_password_set(*, user: Any, password: str) -> Any:
    """The invited person sets their password (through the link, which then stops working: the token
    covers the password hash). The audit says that it was set, never the value."""
    from django.contrib.auth import password_validation

    try:
        password_validation.validate_password(password, user)
    except Exception as error:  # ValidationError with the validators' messages
        messages = getattr(error, "messages", [str(error)])
        raise InvalidInput(
            [problem("password", "new_password1", "{m}", "{m}", m=message) for message in messages]
        ) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        actor=user,
        obj=user,
        action="update",
        before={"password": ""},
        after={"password": "•••"},
        reason="invitation",
    )
    return user


# Every role is privileged (none follows from the org structure): granting or revoking one, and changing
# the salary of someone who holds one, needs a second person's approval (motiva.dualcontrol). These
# services apply such a change only with the approved request in hand.
PRIVILEGED_ROLES = frozenset(Role.values)


def approval_problems(
    approval: Any, *, kind: str, organization_id: int, user_id: int | None, role: str = ""
) -> list[Problem]:
    """Whether `approval` (a motiva.dualcontrol ChangeRequest) approves exactly this change: approved, of
    this kind, organization, person and role, and decided by someone else than the requester and the
    person concerned (or the operator's audited bootstrap of a new organization)."""
    missing = problem(
        "approval",
        "approval",
        "Изменение требует одобрения второго сотрудника: отправьте запрос на согласование",
        "The change needs a second person's approval: send it for approval",
    )
    if approval is None:
        return [missing]
    if (
        approval.status != "approved"
        or approval.kind != kind
        or approval.organization_id != organization_id
        or approval.user_id != user_id
        or (role and approval.role != role)
    ):
        return [missing]
    if approval.bootstrap:
        return []
    decider = approval.decided_by_id
    if decider is None or decider == approval.requested_by_id or decider == user_id:
        return [missing]
    return []


def holds_privileged_role(user_id: int | None, organization_id: int) -> bool:
    return user_id is not None and (
        RoleAssignment.objects.filter(
            user_id=user_id, organization_id=organization_id, role__in=PRIVILEGED_ROLES
        ).exists()
    )


@transaction.atomic
def role_grant(
    *, actor: Any, organization: Organization, user: Any, role: str, approval: Any = None
) -> RoleAssignment:
    """Applies an approved request (motiva.dualcontrol.services.change_request_approve calls it)."""
    problems: list[Problem] = []
    if role not in Role.values:
        problems.append(problem("choice", "role", "Неизвестная роль «{r}»", "Unknown role “{r}”", r=role))
    if user is None:
        problems += _required(None, "user", "Пользователь", "User")
    elif RoleAssignment.objects.filter(user=user, organization=organization, role=role).exists():
        problems.append(
            problem("duplicate", "role", "Эта роль у пользователя уже есть", "The user has this role already")
        )
    elif not user.is_active:
        problems.append(problem("inactive", "user", "Учётная запись отключена", "The account is disabled"))
    if not problems:
        problems += approval_problems(
            approval, kind="role_grant", organization_id=organization.pk, user_id=user.pk, role=role
        )
    raise_if_errors(problems)
    grant = RoleAssignment.objects.create(user=user, organization=organization, role=role)
    audit.record_create(actor=actor, obj=grant, fields=["user", "role"], reason=_approved(approval))
    return grant


def _approved(approval: Any) -> str:
    return f"change request #{approval.pk}" if approval is not None else ""


@transaction.atomic
def role_revoke(*, actor: Any, grant: RoleAssignment, reason: str = "", approval: Any = None) -> None:
    """Applies an approved request (motiva.dualcontrol.services.change_request_approve calls it)."""
    if getattr(actor, "pk", None) == grant.user_id and grant.role == Role.HR:
        raise InvalidInput(
            [
                problem(
                    "self",
                    "role",
                    "Свою роль HR снять нельзя: это сделает другой сотрудник HR",
                    "You cannot revoke your own HR role: another HR user does that",
                )
            ]
        )
    raise_if_errors(
        approval_problems(
            approval,
            kind="role_revoke",
            organization_id=grant.organization_id,
            user_id=grant.user_id,
            role=grant.role,
        )
    )
    reason = "; ".join(part for part in (reason, _approved(approval)) if part)
    audit.record_delete(actor=actor, obj=grant, fields=["user", "role"], reason=reason)
    grant.delete()
