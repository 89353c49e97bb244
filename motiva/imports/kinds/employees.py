"""Employees (kind "employees"): upsert by personnel number through the HR services.

A new number is hired (employee_hire) with the hire date as the start of the first assignment. An existing
number with a changed position, manager, salary or FTE becomes one assignment_change from the row's
effective date, exactly as the person page records it; a new salary of someone who holds a privileged role
goes through «Изменения на утверждении» (motiva.dualcontrol) and is refused here. A termination date calls
employee_terminate. There is no service that renames a person, so a changed name is refused. An empty
optional cell of an existing person (manager, salary, FTE) leaves the value as it is.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from motiva.core.errors import InvalidInput, problem
from motiva.engine.validation import fte_in_range, non_negative
from motiva.imports.base import Field, Importer, Planned, RowRef, register
from motiva.imports.kinds.common import Seen, date, number, personnel_number_field, text
from motiva.org import services
from motiva.org.models import Assignment, Employee, Position

DATE_HELP_EN = "DD.MM.YYYY or YYYY-MM-DD"
DATE_HELP_RU = "ДД.ММ.ГГГГ или ГГГГ-ММ-ДД"
FIELDS = [
    personnel_number_field("The key; leading zeros kept", "Ключ; ведущие нули сохраняются"),
    Field("last_name", "Last name", "Фамилия", required=True, aliases=("surname",), example="Иванова"),
    Field("first_name", "First name", "Имя", required=True, aliases=("name",), example="Мария"),
    Field(
        "middle_name",
        "Patronymic",
        "Отчество",
        aliases=("middle name",),
        example="Петровна",
        help_en="Empty: none",
        help_ru="Пусто — нет",
    ),
    Field(
        "hire_date",
        "Hire date",
        "Дата приёма",
        aliases=("hired", "принят"),
        example="01.02.2026",
        help_en=DATE_HELP_EN + "; required for a new person",
        help_ru=DATE_HELP_RU + "; обязательно для нового сотрудника",
    ),
    Field(
        "unit",
        "Unit code",
        "Код подразделения",
        required=True,
        aliases=("unit", "подразделение"),
        example="FIN",
        help_en="With the title: the position",
        help_ru="Вместе с должностью — штатная позиция",
    ),
    Field(
        "position",
        "Position title",
        "Должность",
        required=True,
        aliases=("position", "title"),
        example="Экономист",
    ),
    Field(
        "manager",
        "Manager personnel number",
        "Табельный номер руководителя",
        aliases=("manager", "руководитель"),
        example="00001",
        help_en="Empty: none for a new person, unchanged for an existing one",
        help_ru="Пусто — без руководителя для нового, без изменений для существующего",
    ),
    Field(
        "salary",
        "Salary",
        "Оклад",
        aliases=("monthly salary", "оклад в месяц"),
        example="65000",
        help_en="Monthly, ≥ 0; required for a new person, empty: unchanged",
        help_ru="В месяц, ≥ 0; обязательно для нового, пусто — без изменений",
    ),
    Field(
        "fte",
        "FTE",
        "Ставка",
        aliases=("rate", "доля ставки"),
        example="1",
        help_en="Above 0, at most 1.5 (empty: 1 for a new person, unchanged for an existing one)",
        help_ru="Больше 0, не больше 1,5 (пусто — 1 для нового, без изменений для существующего)",
    ),
    Field(
        "effective_date",
        "Effective date",
        "Дата изменения",
        aliases=("effective from", "действует с"),
        example="",
        help_en=DATE_HELP_EN + "; the change applies from it (empty for a new person: the hire date)",
        help_ru=DATE_HELP_RU + "; с этой даты действует изменение (для нового пусто — дата приёма)",
    ),
    Field(
        "termination_date",
        "Termination date",
        "Дата увольнения",
        aliases=("terminated", "уволен"),
        example="",
        help_en=DATE_HELP_EN + "; empty: works",
        help_ru=DATE_HELP_RU + "; пусто — работает",
    ),
]
LABELS = {
    "position": "Должность",
    "manager": "Руководитель",
    "salary": "Оклад",
    "fte": "Ставка",
    "termination_date": "Дата увольнения",
}


@register
class EmployeesImporter(Importer):
    kind = "employees"
    title_en = "Employees"
    title_ru = "Сотрудники"
    fields = FIELDS
    examples = [
        {
            "personnel_number": "00123",
            "last_name": "Иванова",
            "first_name": "Мария",
            "middle_name": "Петровна",
            "hire_date": "01.02.2026",
            "unit": "FIN",
            "position": "Экономист",
            "manager": "00001",
            "salary": "65000",
            "fte": "1",
            "effective_date": "",
            "termination_date": "",
        },
    ]

    def begin(self) -> None:
        org = self.organization
        self.people = {e.personnel_number: e for e in Employee.objects.filter(organization=org)}
        self.current: dict[int, Assignment] = {}
        for a in (
            Assignment.objects.filter(organization=org)
            .select_related("position__unit", "manager")
            .order_by("employee_id", "start_date")
        ):
            self.current[a.employee_id] = a  # the latest one wins
        self.positions = {
            (p.unit.code, p.title): p
            for p in Position.objects.filter(organization=org).select_related("unit")
        }
        self.privileged = {
            e.pk for e in self.people.values() if e.user_id and services.salary_needs_approval(e)
        }
        self.new_numbers: set[str] = set()  # hired by earlier rows of this file
        self.seen = Seen()
        self.counts = {"hired": 0, "changed": 0, "terminated": 0}

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list:
        problems: list = []
        get = lambda key: values.get(key, "").strip()  # noqa: E731
        number_ = get("personnel_number")
        if not number_:
            problems.append(
                problem("required", "personnel_number", "Укажите табельный номер", "Enter the number")
            )
        else:
            problems += self.seen.check(number_, ref, "personnel_number")
        person = self.people.get(number_)
        last, first, middle = get("last_name"), get("first_name"), get("middle_name")
        hire = date(values, "hire_date", problems)
        effective = date(values, "effective_date", problems)
        termination = date(values, "termination_date", problems)
        salary = number(values, "salary", problems)
        fte = number(values, "fte", problems)
        problems += non_negative(salary, "salary", "Оклад", "Salary")
        problems += fte_in_range(fte)
        unit_code, title = get("unit"), get("position")
        position = self.positions.get((unit_code, title))
        if not unit_code:
            problems.append(problem("required", "unit", "Укажите код подразделения", "Enter the unit code"))
        if not title:
            problems.append(problem("required", "position", "Укажите должность", "Enter the position title"))
        if unit_code and title and position is None:
            problems.append(
                problem(
                    "unknown",
                    "position",
                    "Нет должности «{t}» в подразделении «{c}»",
                    "No position “{t}” in unit “{c}”",
                    t=title,
                    c=unit_code,
                )
            )
        manager_number = get("manager")
        manager = self.people.get(manager_number)
        if manager_number and manager is None and manager_number not in self.new_numbers:
            problems.append(
                problem(
                    "unknown",
                    "manager",
                    "Нет сотрудника с табельным номером «{n}»",
                    "No employee with personnel number “{n}”",
                    n=manager_number,
                )
            )
        if manager_number and manager_number == number_:
            problems.append(
                problem(
                    "self_manager",
                    "manager",
                    "Сотрудник не может быть своим руководителем",
                    "An employee cannot manage themself",
                )
            )
        if person is None:
            problems += self._check_new(number_, last, first, hire, salary)
        if problems:
            return problems
        if person is None:
            result = self._plan_hire(
                number_,
                position,
                manager_number,
                salary,
                fte,
                hire,
                effective,
                termination,
                last,
                first,
                middle,
            )
        else:
            result = self._plan_change(
                person,
                last,
                first,
                middle,
                hire,
                position,
                manager_number,
                manager,
                salary,
                fte,
                effective,
                termination,
            )
        if isinstance(result, Planned) and result.payload is not None:
            result.payload[1]["row"] = ref.number
        return result

    def _check_new(self, number_, last, first, hire, salary) -> list:
        problems: list = []
        if not last:
            problems.append(problem("required", "last_name", "Укажите фамилию", "Enter the last name"))
        if not first:
            problems.append(problem("required", "first_name", "Укажите имя", "Enter the first name"))
        if hire is None:
            problems.append(
                problem(
                    "required",
                    "hire_date",
                    "Укажите дату приёма нового сотрудника",
                    "Enter the hire date of a new person",
                )
            )
        else:
            problems += services.closed_period_problems(self.organization.pk, hire, "hire_date")
        if salary is None:
            problems.append(
                problem(
                    "required", "salary", "Укажите оклад нового сотрудника", "Enter the new person's salary"
                )
            )
        return problems

    def _plan_hire(
        self,
        number_,
        position,
        manager_number,
        salary,
        fte,
        hire,
        effective,
        termination,
        last,
        first,
        middle,
    ) -> Planned | list:
        problems: list = []
        if effective is not None and effective != hire:
            problems.append(
                problem(
                    "effective_date",
                    "effective_date",
                    "Для нового сотрудника дата изменения — пусто или дата приёма",
                    "For a new person the effective date is empty or the hire date",
                )
            )
        if termination is not None and termination < hire:
            problems.append(
                problem(
                    "before_hire",
                    "termination_date",
                    "Дата увольнения раньше даты приёма",
                    "Termination is before the hire date",
                )
            )
        if problems:
            return problems
        self.new_numbers.add(number_)
        name = " ".join(part for part in (last, first, middle) if part)
        changes = [
            ("ФИО", "", name),
            ("Дата приёма", "", text(hire)),
            (LABELS["position"], "", f"{position.title} ({position.unit.code})"),
            (LABELS["manager"], "", manager_number),
            (LABELS["salary"], "", text(salary)),
            (LABELS["fte"], "", text(fte if fte is not None else Decimal("1"))),
        ]
        if termination is not None:
            changes.append((LABELS["termination_date"], "", text(termination)))
        data = {
            "personnel_number": number_,
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "hire_date": hire,
            "position": position.pk,
            "manager": manager_number,
            "salary": salary,
            "fte": fte if fte is not None else Decimal("1"),
            "termination_date": termination,
        }
        return Planned("create", f"{name} ({number_})", changes, ("hire", data))

    def _plan_change(
        self,
        person,
        last,
        first,
        middle,
        hire,
        position,
        manager_number,
        manager,
        salary,
        fte,
        effective,
        termination,
    ) -> Planned | list:
        problems: list = []
        label = f"{person.full_name} ({person.personnel_number})"
        for key, new, old, ru, en in (
            ("last_name", last, person.last_name, "фамилия", "last name"),
            ("first_name", first, person.first_name, "имя", "first name"),
            ("middle_name", middle, person.middle_name, "отчество", "patronymic"),
        ):
            if new and new != old:
                problems.append(
                    problem(
                        "name_change",
                        key,
                        "Изменилось поле «{ru}» («{o}» → «{n}»): импорт не переименовывает сотрудников",
                        "The {en} changed (“{o}” → “{n}”): the import does not rename people",
                        ru=ru,
                        en=en,
                        o=old,
                        n=new,
                    )
                )
        if hire is not None and hire != person.hire_date:
            problems.append(
                problem(
                    "hire_date",
                    "hire_date",
                    "Дата приёма {d} не совпадает с записанной ({o}): импорт её не меняет",
                    "The hire date {d} differs from the recorded one ({o}): the import does not change it",
                    d=text(hire),
                    o=text(person.hire_date),
                )
            )
        current = self.current.get(person.pk)
        diff: dict = {}
        if current is not None:
            if position.pk != current.position_id:
                diff["position"] = position
            if manager_number and (manager is None or manager.pk != current.manager_id):
                diff["manager"] = manager_number
            if salary is not None and salary != current.salary:
                diff["salary"] = salary
            if fte is not None and fte != current.fte:
                diff["fte"] = fte
        terminate = None
        if termination is not None and termination != person.termination_date:
            if person.termination_date is not None:
                problems.append(
                    problem(
                        "terminated",
                        "termination_date",
                        "Сотрудник уже уволен {d}; дату увольнения импорт не меняет",
                        "The person is already terminated on {d}; the import does not move it",
                        d=text(person.termination_date),
                    )
                )
            elif termination < person.hire_date:
                problems.append(
                    problem(
                        "before_hire",
                        "termination_date",
                        "Дата увольнения раньше даты приёма",
                        "Termination is before the hire date",
                    )
                )
            else:
                problems += services.closed_period_problems(
                    self.organization.pk, termination, "termination_date"
                )
                terminate = termination
        if diff:
            if effective is None:
                problems.append(
                    problem(
                        "required",
                        "effective_date",
                        "Укажите дату, с которой действует изменение",
                        "Enter the date the change applies from",
                    )
                )
            else:
                if current is not None and effective <= current.start_date:
                    problems.append(
                        problem(
                            "effective_date",
                            "effective_date",
                            "Изменение должно начинаться позже текущего назначения (с {d})",
                            "The change must start after the current assignment (from {d})",
                            d=text(current.start_date),
                        )
                    )
                problems += services.closed_period_problems(self.organization.pk, effective, "effective_date")
                if terminate is not None and terminate < effective:
                    problems.append(
                        problem(
                            "before_change",
                            "termination_date",
                            "Дата увольнения раньше даты изменения",
                            "Termination is before the effective date",
                        )
                    )
            if "salary" in diff and person.pk in self.privileged:
                problems.append(
                    problem(
                        "approval",
                        "salary",
                        "У сотрудника есть роль в системе: новый оклад вводится на его странице и проходит "
                        "через «Изменения на утверждении»",
                        "The person holds a role: a new salary is entered on their page and goes through "
                        "“Changes awaiting approval”",
                    )
                )
        if problems:
            return problems
        if not diff and terminate is None:
            return Planned("same", label)
        changes = []
        for key, value in diff.items():
            changes.append((LABELS[key], self._old(current, key), self._show(key, value)))
        if terminate is not None:
            changes.append((LABELS["termination_date"], "", text(terminate)))
        payload = {
            "employee": person.pk,
            "effective": effective,
            "position": diff["position"].pk if "position" in diff else None,
            "manager": diff.get("manager", ""),
            "salary": diff.get("salary"),
            "fte": diff.get("fte"),
            "termination_date": terminate,
            "change": bool(diff),
        }
        return Planned("change", label, changes, ("change", payload))

    @staticmethod
    def _old(current, key) -> str:
        if key == "position":
            return f"{current.position.title} ({current.position.unit.code})"
        if key == "manager":
            return current.manager.personnel_number if current.manager else ""
        return text(getattr(current, key))

    @staticmethod
    def _show(key, value) -> str:
        if key == "position":
            return f"{value.title} ({value.unit.code})"
        return text(value)

    def _employee(self, number_: str) -> Employee | None:
        if not number_:
            return None
        return Employee.objects.get(organization=self.organization, personnel_number=number_)

    def apply_batch(self, planned: list[Planned]) -> None:
        org = self.organization
        for item in planned:
            action, data = item.payload
            try:
                if action == "hire":
                    employee = services.employee_hire(
                        actor=self.actor,
                        organization=org,
                        personnel_number=data["personnel_number"],
                        last_name=data["last_name"],
                        first_name=data["first_name"],
                        middle_name=data["middle_name"],
                        hire_date=data["hire_date"],
                        position=Position.objects.get(pk=data["position"], organization=org),
                        manager=self._employee(data["manager"]),
                        salary=data["salary"],
                        fte=data["fte"],
                    )
                    self.counts["hired"] += 1
                else:
                    employee = Employee.objects.get(pk=data["employee"], organization=org)
                    if data["change"]:
                        services.assignment_change(
                            actor=self.actor,
                            employee=employee,
                            start_date=data["effective"],
                            position=Position.objects.get(pk=data["position"], organization=org)
                            if data["position"]
                            else None,
                            manager=self._employee(data["manager"]) if data["manager"] else services.KEEP,
                            fte=data["fte"],
                            salary=data["salary"],
                            reason="import",
                        )
                        self.counts["changed"] += 1
                if data["termination_date"] is not None:
                    services.employee_terminate(
                        actor=self.actor,
                        employee=employee,
                        termination_date=data["termination_date"],
                        reason="import",
                    )
                    self.counts["terminated"] += 1
            except InvalidInput as error:
                # the service checks more while writing (an open unit, an employed manager, overlaps): name
                # the row so the job's problem list points at it; the framework rolls back everything
                raise InvalidInput(
                    [replace(p, field=f"row {data['row']}, {p.field}") for p in error.problems]
                ) from error

    def finish(self) -> dict[str, int]:
        return self.counts
