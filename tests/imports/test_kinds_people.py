"""Absences (and later people) importers driven through the import framework."""

from __future__ import annotations

import datetime as dt

import pytest

from motiva.core.errors import InvalidInput
from motiva.imports.models import JobStatus
from motiva.org.models import Absence
from tests.imports.kinds_helpers import fields, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False


ABSENCES = (
    "Табельный номер;Вид;С;По;Комментарий\n"
    "7;отпуск;01.06.2026;14.06.2026;лето\n"
    "8;Sick leave;2026-06-02;2026-06-03;\n"
)


def test_absences_create_then_same(cast):
    job = run(cast, "absences", ABSENCES)
    assert job.status == JobStatus.APPLIED, job.problems
    anna = Absence.objects.get(employee=cast["people"]["anna"])
    assert anna.kind == "vacation" and anna.start_date == dt.date(2026, 6, 1) and anna.comment == "лето"
    assert Absence.objects.get(employee=cast["people"]["boris"]).kind == "sick"
    again = run(cast, "absences", ABSENCES)
    assert again.status == JobStatus.NOTHING_TO_DO and again.counts["same"] == 2


def test_absences_refusals(cast):
    run(cast, "absences", ABSENCES)
    text = (
        "Personnel number;Kind;From;To\n"
        "999;vacation;01.07.2026;02.07.2026\n"
        "7;прогул;01.07.2026;02.07.2026\n"
        "7;vacation;05.07.2026;01.07.2026\n"
        "7;other;10.06.2026;20.06.2026\n"
        "9;other;10.08.2026;20.08.2026\n"
        "9;unpaid;15.08.2026;16.08.2026\n"
        "9;other;2026/09/01;02.09.2026\n"
    )
    job = run(cast, "absences", text)
    found = fields(job)
    for expected in (
        ("personnel_number", 2),
        ("kind", 3),
        ("end_date", 4),
        ("start_date", 5),
        ("start_date", 7),
        ("start_date", 8),
    ):
        assert expected in found, found
    kind = next(p for p in job.problems if p["field"] == "kind")
    assert "vacation" in kind["en"] and "отпуск" in kind["ru"]
    assert Absence.objects.count() == 2  # nothing of this file written


def test_absences_of_another_organization_person_and_access(cast):
    job = run(cast, "absences", "Табельный номер;Вид;С;По\n1;отпуск;01.07.2026;02.07.2026\n")
    assert job.status == JobStatus.APPLIED
    # number 1 is the director of this organization, never the outsider (also number 1 elsewhere)
    assert Absence.objects.get().employee == cast["people"]["gd"]
    for user in ("anna", "boss", "outsider"):
        with pytest.raises(InvalidInput):
            run(cast, "absences", ABSENCES, user=user)


def test_timesheets_create_change_same_and_refusals(cast):
    from decimal import Decimal as D

    from motiva.worktime.models import Timesheet

    period = cast["period"]
    text = "Табельный номер;Отработано часов\n7;164,5\n8;160\n"
    job = run(cast, "timesheets", text, period=period)
    assert job.status == JobStatus.APPLIED, job.problems
    assert Timesheet.objects.get(period=period, employee=cast["people"]["anna"]).hours == D("164.5")
    job = run(cast, "timesheets", "Personnel number;Hours worked\n7;170\n8;160\n", period=period, apply=False)
    assert job.counts["change"] == 1 and job.counts["same"] == 1
    assert job.preview[0]["changes"] == [["Часы", "164.5", "170"]]
    bad = run(cast, "timesheets", "Табельный номер;Часы\n999;1\n7;-1\n8;абв\n9;1\n9;2\n", period=period)
    assert fields(bad) == [
        ("personnel_number", 2),
        ("hours", 3),
        ("hours", 4),
        ("personnel_number", 6),
    ]
    assert Timesheet.objects.filter(period=period).count() == 2
