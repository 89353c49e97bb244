"""Employees importer through the import framework: hire, change, same, refusals, dual control, access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from motiva.core.errors import InvalidInput
from motiva.imports.models import JobStatus
from motiva.org.models import Assignment, Employee
from tests.imports.kinds_helpers import fields, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False


HEAD = "Табельный номер;Фамилия;Имя;Отчество;Дата приёма;Код подразделения;Должность;Табельный номер руководителя;Оклад;Ставка;Дата изменения;Дата увольнения\n"
NEW = HEAD + (
    "00010;Новикова;Вера;Ивановна;01.05.2026;S;Менеджер;5;60000;1;;\n"
    "00011;Младшев;Пётр;;2026-05-02;S;Менеджер;00010;55000,50;0,5;;\n"
)


def test_hire_then_same_with_leading_zeros_and_a_manager_from_the_file(cast):
    job = run(cast, "employees", NEW)
    assert job.status == JobStatus.APPLIED, job.problems
    assert job.counts["create"] == 2 and job.counts["hired"] == 2
    vera = Employee.objects.get(organization=cast["company"], personnel_number="00010")
    assert vera.full_name == "Новикова Вера Ивановна" and vera.hire_date == dt.date(2026, 5, 1)
    first = Assignment.objects.get(employee=vera)
    assert first.manager == cast["people"]["boss"] and first.salary == D(60000)
    petr = Assignment.objects.get(employee__personnel_number="00011")
    assert petr.manager == vera and petr.salary == D("55000.50") and petr.fte == D("0.5")
    again = run(cast, "employees", NEW)
    assert again.status == JobStatus.NOTHING_TO_DO and again.counts["same"] == 2


def test_change_old_to_new_from_the_effective_date_then_same(cast):
    anna = cast["people"]["anna"]
    text = HEAD + "7;Аннина;Anna;;;V;Инженер;6;65000;0,75;01.06.2026;\n"
    job = run(cast, "employees", text, apply=False)
    assert job.counts["change"] == 1, job.problems
    assert job.preview[0]["changes"] == [
        ["Должность", "Менеджер (S)", "Инженер (V)"],
        ["Руководитель", "5", "6"],
        ["Оклад", "61111", "65000"],
        ["Ставка", "1", "0.75"],
    ]
    job = run(cast, "employees", text)
    assert job.status == JobStatus.APPLIED, job.problems
    old, new = Assignment.objects.filter(employee=anna).order_by("start_date")
    assert old.end_date == dt.date(2026, 5, 31) and old.salary == D(61111)
    assert new.start_date == dt.date(2026, 6, 1) and new.unit.code == "V"
    assert new.manager == cast["people"]["boss2"] and new.salary == D(65000) and new.fte == D("0.75")
    assert run(cast, "employees", text).status == JobStatus.NOTHING_TO_DO
    # empty optional cells of an existing person leave the values as they are
    blank = HEAD + "7;Аннина;Anna;;;V;Инженер;;;;;\n"
    assert run(cast, "employees", blank).counts["same"] == 1


def test_termination(cast):
    text = HEAD + "8;Борисов;Boris;;;S;Менеджер;5;62222;1;;30.06.2026\n"
    job = run(cast, "employees", text)
    assert job.status == JobStatus.APPLIED, job.problems
    boris = Employee.objects.get(pk=cast["people"]["boris"].pk)
    assert boris.termination_date == dt.date(2026, 6, 30)
    assert Assignment.objects.get(employee=boris).end_date == dt.date(2026, 6, 30)
    assert run(cast, "employees", text).status == JobStatus.NOTHING_TO_DO


def test_refusals_named_by_field_and_row_and_nothing_written(cast):
    text = HEAD + (
        "00020;Верная;Строка;;01.05.2026;S;Менеджер;5;60000;1;;\n"  # 2: fine on its own
        "00021;Нет;Должности;;01.05.2026;S;Директор;5;60000;1;;\n"  # 3
        "00022;Нет;Руководителя;;01.05.2026;S;Менеджер;777;60000;1;;\n"  # 4
        "00023;Плохой;Оклад;;01.05.2026;S;Менеджер;5;-1;1;;\n"  # 5
        "00024;Плохая;Ставка;;01.05.2026;S;Менеджер;5;60000;2;;\n"  # 6
        "00025;Без;Даты;;;S;Менеджер;5;60000;1;;\n"  # 7
        "7;Другая;Anna;;;S;Менеджер;5;61111;1;;\n"  # 8: a changed name
        "8;Борисов;Boris;;;S;Менеджер;5;70000;1;;\n"  # 9: a change without an effective date
        "00020;Повтор;Номера;;01.05.2026;S;Менеджер;5;60000;1;;\n"  # 10
        "9;Карлов;Carl;;;V;Инженер;6;64000;1;31.12.2023;\n"  # 11: a change before the assignment
        "6;Сервисов;Boss2;;02.02.2024;V;Начальник сервиса;1;95555;1;;\n"  # 12: another hire date
    )
    job = run(cast, "employees", text)
    found = fields(job)
    for expected in (
        ("position", 3),
        ("manager", 4),
        ("salary", 5),
        ("fte", 6),
        ("hire_date", 7),
        ("last_name", 8),
        ("effective_date", 9),
        ("personnel_number", 10),
        ("effective_date", 11),
        ("hire_date", 12),
    ):
        assert expected in found, found
    assert not [f for f in found if f[1] == 2]
    renamed = next(p for p in job.problems if p["field"] == "last_name")
    assert "Аннина" in renamed["ru"] and "rename" in renamed["en"]
    assert not Employee.objects.filter(personnel_number__startswith="000").exists()


def test_a_refusal_found_only_while_writing_rolls_back_every_row(cast):
    # row 2 terminates the manager «5»; row 3 hires someone under them after that: employee_hire refuses
    text = HEAD + (
        "5;Начальников;Boss;;;S;Начальник отдела;1;94444;1;;31.05.2026\n"
        "00031;Ранний;Подчинённый;;01.06.2026;S;Менеджер;5;60000;1;;\n"
    )
    job = run(cast, "employees", text)
    assert job.status == JobStatus.FAILED
    assert any(p["field"] == "row 3, manager" for p in job.problems), job.problems
    assert not Employee.objects.filter(personnel_number="00031").exists()
    assert Employee.objects.get(pk=cast["people"]["boss"].pk).termination_date is None


def test_salary_of_a_role_holder_goes_through_approval(cast):
    # «2» is the HR specialist: a privileged role, so the salary needs a second person's approval
    text = HEAD + "2;Кадрова;Hr;;;C;Специалист штаба;1;80000;1;01.06.2026;\n"
    job = run(cast, "employees", text)
    assert fields(job) == [("salary", 2)]
    assert "Изменения на утверждении" in job.problems[0]["ru"]
    assert "Changes awaiting approval" in job.problems[0]["en"]
    assert Assignment.objects.filter(employee=cast["people"]["hr"]).count() == 1
    # the same person's FTE alone changes without approval
    fte = HEAD + "2;Кадрова;Hr;;;C;Специалист штаба;1;70001;0,5;01.06.2026;\n"
    assert run(cast, "employees", fte).status == JobStatus.APPLIED


def test_only_hr_imports_employees(cast):
    for user in ("anna", "boss", "outsider", "fin"):
        with pytest.raises(InvalidInput):
            run(cast, "employees", NEW, user=user)
    assert not Employee.objects.filter(personnel_number="00010").exists()
