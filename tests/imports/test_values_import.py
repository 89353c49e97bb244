"""The import framework with the plan and fact importers: mapping, preview, apply, re-import, rights."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motiva.core.access import viewer_for
from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent
from motiva.imports import services, tasks
from motiva.imports.base import REGISTRY, match_header, normalize_header
from motiva.imports.models import ColumnMapping, JobStatus
from motiva.periods.models import IndicatorValue, PeriodStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False


def upload(cast, text, user="hr", kind="facts", name="facts.csv"):
    actor = cast["users"][user]
    return services.job_create(
        actor=actor,
        viewer=viewer_for(actor),
        organization=cast["company"],
        kind=kind,
        period=cast["period"],
        upload=SimpleUploadedFile(name, text.encode("utf-8")),
    )


def fact(cast, person):
    return IndicatorValue.objects.get(
        period=cast["period"], kind="fact", employee=cast["people"][person], indicator=cast["indicator"]
    )


def viewer(cast, user="hr"):
    return viewer_for(cast["users"][user])


GOOD = "Код показателя;Уровень;Табельный номер;Значение\nSALES;сотрудник;7;1,5\nSALES;сотрудник;8;200\n"


def test_headers_match_in_russian_and_english():
    cls = REGISTRY["facts"]
    assert match_header(cls, "  ТАБЕЛЬНЫЙ   номер ") == "personnel_number"
    assert match_header(cls, "Personnel number") == "personnel_number"
    assert match_header(cls, "Value") == "value"
    assert match_header(cls, "Кoд чего-то") is None
    assert normalize_header("Ёлка  Зелёная") == "елка зеленая"


def test_preview_counts_and_old_to_new_then_apply_and_reimport(cast):
    before = fact(cast, "anna").value
    job = upload(cast, GOOD)
    assert job.mapping["табельный номер"] == "personnel_number"
    job = services.preview(job, viewer(cast))
    assert job.status == JobStatus.PREVIEWED and job.problems == []
    assert job.counts["change"] == 2 and job.counts["rows"] == 2
    first = job.preview[0]
    assert first["changes"][0][1] == format(before.normalize(), "f") and first["changes"][0][2] == "1.5"
    assert fact(cast, "anna").value == before  # preview writes nothing
    job = services.apply(job, viewer(cast))
    assert job.status == JobStatus.APPLIED
    anna = fact(cast, "anna")
    assert anna.value == Decimal("1.5") and anna.source == "import" and anna.confirmed_by_id is None
    event = AuditEvent.objects.filter(field="import").get()
    assert job.sha256 in str(event.__dict__)
    assert job.change_list.read().decode("utf-8-sig").count("\n") == 3
    again = upload(cast, GOOD)
    assert services.applied_before(again) == job
    again = services.preview(again, viewer(cast))
    assert again.counts["same"] == 2 and again.counts["change"] == 0
    again = services.apply(again, viewer(cast))
    assert again.status == JobStatus.NOTHING_TO_DO
    assert AuditEvent.objects.filter(field="import").count() == 1


def test_bad_row_at_the_end_writes_nothing(cast):
    before = fact(cast, "anna").value
    job = upload(cast, GOOD + "SALES;сотрудник;7;много\n")
    job = services.apply(job, viewer(cast))
    assert job.status == JobStatus.FAILED
    assert fact(cast, "anna").value == before
    (bad,) = [p for p in job.problems if p["field"] == "value"]
    assert bad["row"] == 4 and bad["column"] == "D" and "число" in bad["ru"].lower()


def test_failure_in_apply_batch_halfway_writes_nothing(cast, monkeypatch):
    before = fact(cast, "anna").value
    monkeypatch.setattr(services, "BATCH_SIZE", 1)
    calls = []
    original = REGISTRY["facts"].apply_batch

    def flaky(self, planned):
        calls.append(1)
        if len(calls) == 2:
            raise InvalidInput([])
        return original(self, planned)

    monkeypatch.setattr(REGISTRY["facts"], "apply_batch", flaky)
    job = services.apply(upload(cast, GOOD), viewer(cast))
    assert job.status == JobStatus.FAILED and len(calls) == 2
    assert fact(cast, "anna").value == before


def test_unknown_column_refused_until_skipped_and_mapping_remembered(cast):
    text = "Показатель;Уровень;Табельный номер;Значение;Откуда\nSALES;сотрудник;7;3\n"
    job = services.preview(upload(cast, text), viewer(cast))
    (unknown,) = job.problems
    assert unknown["column"] == "E" and "Откуда" in unknown["ru"]
    job = services.mapping_set(actor=cast["users"]["hr"], job=job, mapping={"откуда": "skip"})
    job = services.preview(job, viewer(cast))
    assert job.problems == [] and job.counts["change"] == 1
    assert ColumnMapping.objects.get(kind="facts").mapping["откуда"] == "skip"
    assert upload(cast, text).mapping["откуда"] == "skip"


def test_required_column_missing(cast):
    job = services.preview(upload(cast, "Уровень;Значение\nкомпания;1\n"), viewer(cast))
    assert any(p["code"] == "missing_column" and p["field"] == "indicator" for p in job.problems)


def test_locked_period_refused(cast):
    job = upload(cast, GOOD)
    type(cast["period"]).objects.filter(pk=cast["period"].pk).update(status=PeriodStatus.CLOSED)
    job = services.apply(job, viewer(cast))
    assert job.status == JobStatus.FAILED
    assert any(p["code"] == "period_locked" for p in job.problems)


def test_manager_cannot_import_others_facts(cast):
    text = "Код показателя;Уровень;Табельный номер;Значение\nSALES;сотрудник;7;5\nSALES;сотрудник;9;5\n"
    job = services.preview(upload(cast, text, user="boss"), viewer(cast, "boss"))
    assert job.counts["change"] == 1
    (refused,) = job.problems
    assert refused["row"] == 3 and refused["code"] == "forbidden"
    with pytest.raises(InvalidInput):
        upload(cast, text, user="boss", kind="plans")
    with pytest.raises(InvalidInput):
        upload(cast, text, user="anna")


def test_duplicate_row_in_file(cast):
    job = services.preview(upload(cast, GOOD + "SALES;сотрудник;7;2\n"), viewer(cast))
    assert [p["code"] for p in job.problems] == ["duplicate"]


def test_background_start_runs_inline_in_tests(cast, django_capture_on_commit_callbacks):
    job = upload(cast, GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.start(job, "preview", viewer(cast))
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWED and job.done == 2 and job.percent == 100


def test_the_grids_rules_hold_for_everyone_even_hr(cast):
    """As the fact grid (motiva.web.facts Grid.may_edit): nobody enters their own personal facts, not even
    an HR person; a value for an indicator on no card of that scope is refused; a person's plan is set on
    their card. Nothing is written while any row is refused."""
    from motiva.core.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=cast["users"]["boss"], organization=cast["company"], role=Role.HR)
    own = cast["people"]["boss"].personnel_number
    hr_number = cast["people"]["hr"].personnel_number  # HR's own person has no card
    text = f"Код показателя;Уровень;Табельный номер;Значение\nSALES;сотрудник;{own};150\nSALES;сотрудник;{hr_number};1\n"
    job = services.preview(upload(cast, text, user="boss"), viewer(cast, "boss"))
    assert [(p["row"], p["code"], p["column"]) for p in job.problems] == [
        (2, "own_value", "C"),
        (3, "not_on_card", "C"),
    ]
    assert services.apply(job, viewer(cast, "boss")).status == JobStatus.FAILED
    assert fact(cast, "boss").value == Decimal(100)
    plan = "Код показателя;Уровень;Табельный номер;Значение\nSALES;сотрудник;7;120\n"
    job = services.preview(upload(cast, plan, kind="plans"), viewer(cast))
    assert [p["code"] for p in job.problems] == ["personal_plan"]
    assert "карте KPI" in job.problems[0]["ru"] and "KPI card" in job.problems[0]["en"]
