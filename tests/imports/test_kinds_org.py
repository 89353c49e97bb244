"""Importers of grades and units driven through the import framework."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from motiva.core.access import viewer_for
from motiva.core.errors import InvalidInput
from motiva.imports import services
from motiva.imports.models import JobStatus
from motiva.org.models import Grade, Unit
from tests.imports.kinds_helpers import fields, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False


GRADES = "Код;Название;Оклад от;Оклад до\nG3;Специалисты;50 000;120 000,50\nG9;Эксперты;1000;2000\n"


def test_grades_create_change_and_same_on_reimport(cast):
    job = run(cast, "grades", GRADES, apply=False)
    assert job.problems == [] and job.counts["create"] == 1 and job.counts["change"] == 1
    change = next(s for s in job.preview if s["outcome"] == "change")
    assert change["changes"] == [["Оклад до", "99000", "120000.5"]]
    job = run(cast, "grades", GRADES)
    assert job.status == JobStatus.APPLIED
    assert Grade.objects.get(organization=cast["company"], code="G3").salary_max == D("120000.50")
    assert Grade.objects.get(organization=cast["company"], code="G9").name == "Эксперты"
    again = run(cast, "grades", GRADES)
    assert again.counts["same"] == 2 and again.status == JobStatus.NOTHING_TO_DO


def test_grades_english_headers_and_refusals(cast):
    text = "Code,Name,Salary from,Salary to\nG7,A,abc,100\nG8,B,200,100\nG9,C,1,2\nG9,C,1,2\nG10,D,-1,2\n"
    job = run(cast, "grades", text)
    assert ("salary_min", 2) in fields(job)
    assert ("salary_max", 3) in fields(job)
    duplicate = next(p for p in job.problems if p["field"] == "code")
    assert duplicate["row"] == 5 and "4" in duplicate["ru"]
    assert ("salary_min", 6) in fields(job)
    assert not Grade.objects.filter(code__in=["G7", "G8", "G9", "G10"]).exists()


def test_grades_access(cast):
    for user in ("anna", "boss", "fin"):
        with pytest.raises(InvalidInput):
            run(cast, "grades", GRADES, user=user)


def test_units_parent_later_in_file_and_reimport(cast):
    text = (
        "Код;Название;Код вышестоящего;Блок;Уровень управления\n"
        "S1;Группа продаж 1;NEW;производственный;\n"
        "NEW;Новая служба;C;administrative;N-1\n"
        "S;Продажи и маркетинг;C;;\n"
    )
    job = run(cast, "units", text)
    assert job.status == JobStatus.APPLIED, job.problems
    new = Unit.objects.get(organization=cast["company"], code="NEW")
    child = Unit.objects.get(organization=cast["company"], code="S1")
    assert child.parent == new and child.path.startswith(new.path) and child.block == "production"
    assert child.management_level == 2 and new.management_level == 1
    assert Unit.objects.get(organization=cast["company"], code="S").name == "Продажи и маркетинг"
    again = run(cast, "units", text)
    assert again.status == JobStatus.NOTHING_TO_DO and again.counts["same"] == 3


def test_units_refusals_and_all_or_nothing(cast):
    text = (
        "Code;Name;Parent code;Block;Management level;Head personnel number;Closed from\n"
        "A1;Один;C;космос;;;\n"
        "A2;Два;C;;N-12;;\n"
        "A3;Три;C;;;999;\n"
        "A4;Четыре;C;;;;31.02.2026\n"
        "A5;Пять;A5;;;;\n"
    )
    job = run(cast, "units", text)
    found = fields(job)
    assert ("block", 2) in found and ("management_level", 3) in found and ("head", 4) in found
    assert ("closed_from", 5) in found and ("parent", 6) in found
    block = next(p for p in job.problems if p["field"] == "block")
    assert "production" in block["en"] and "административный" in block["ru"]
    assert not Unit.objects.filter(code__startswith="A").exists()


def test_units_unknown_parent_is_shown_in_the_preview_and_nothing_is_written(cast):
    job = run(cast, "units", "Код;Название;Код вышестоящего\nB1;Один;C\nB2;Два;NOPE\n", apply=False)
    assert job.status == JobStatus.PREVIEWED and job.counts["problems"] == 1
    assert [p["column"] for p in job.problems] == ["C"] and "Строка 3" in job.problems[0]["ru"]
    assert "NOPE" in job.problems[0]["en"]
    assert services.apply(job, viewer_for(cast["users"]["hr"])).status == JobStatus.FAILED
    assert not Unit.objects.filter(code__in=["B1", "B2"]).exists()


def test_units_cycle_in_file_refused(cast):
    job = run(cast, "units", "Код;Название;Код вышестоящего\nK1;Один;K2\nK2;Два;K1\n")
    assert job.status == JobStatus.FAILED
    assert not Unit.objects.filter(code__in=["K1", "K2"]).exists()


def test_units_head_and_other_organization_unit(cast):
    job = run(
        cast, "units", "Код;Название;Код вышестоящего;Табельный номер руководителя\nS;Отдел продаж;C;7\n"
    )
    assert job.status == JobStatus.APPLIED, job.problems
    assert Unit.objects.get(organization=cast["company"], code="S").head == cast["people"]["anna"]
    # "X" is a unit of another organization: an unknown parent here
    job = run(cast, "units", "Код;Название;Код вышестоящего\nQ1;Один;X\n")
    assert job.problems and not Unit.objects.filter(code="Q1").exists()


POSITIONS = (
    "Код подразделения;Должность;Код грейда;Категория;Руководит подразделением;Норма часов задач\n"
    "S;Менеджер;G3;lead specialist;нет;120\n"
    "V;Стажёр;;рабочий;;\n"
)


def test_positions_create_change_same(cast):
    from motiva.org.models import Position

    job = run(cast, "positions", POSITIONS, apply=False)
    assert job.problems == [] and job.counts["create"] == 1 and job.counts["change"] == 1
    change = next(s for s in job.preview if s["outcome"] == "change")
    assert ["Норма часов задач", "100", "120"] in change["changes"]
    job = run(cast, "positions", POSITIONS)
    assert job.status == JobStatus.APPLIED
    seller = Position.objects.get(organization=cast["company"], unit__code="S", title="Менеджер")
    assert seller.category == "lead_specialist" and seller.monthly_task_hours == 120
    trainee = Position.objects.get(organization=cast["company"], unit__code="V", title="Стажёр")
    assert trainee.category == "worker" and trainee.grade is None and trainee.monthly_task_hours == 100
    assert run(cast, "positions", POSITIONS).status == JobStatus.NOTHING_TO_DO


def test_positions_refusals(cast):
    text = (
        "Unit code;Title;Grade code;Category;Heads the unit;Monthly task hours\n"
        "X;Чужак;;;;\n"
        "S;Новый;G99;;;\n"
        "S;Новый2;;астронавт;;\n"
        "S;Новый3;;;может быть;\n"
        "S;Новый4;;;;800\n"
        "S;Новый5;;;;\n"
        "S;Новый5;;;;\n"
    )
    job = run(cast, "positions", text)
    found = fields(job)
    for expected in (("unit", 2), ("grade", 3), ("category", 4), ("is_head", 5), ("monthly_task_hours", 6)):
        assert expected in found
    assert ("title", 8) in found


def test_positions_empty_cells_leave_an_existing_position_unchanged(cast):
    from motiva.org.models import Position

    # «Начальник отдела» is a manager heading the unit with 100 task hours; only the hours change here
    text = "Код подразделения;Должность;Код грейда;Категория;Руководит подразделением;Норма часов задач\n"
    assert run(cast, "positions", text + "S;Начальник отдела;G3;;;90\n").status == JobStatus.APPLIED
    job = run(cast, "positions", text + "S;Начальник отдела;G3;;;\n")
    assert job.status == JobStatus.NOTHING_TO_DO and job.counts["same"] == 1
    head = Position.objects.get(organization=cast["company"], unit__code="S", title="Начальник отдела")
    assert head.category == "manager" and head.is_head and head.monthly_task_hours == 90
