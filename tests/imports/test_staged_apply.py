"""Apply of a checked plan or fact file: it writes the rows its preview checked and staged, in one
set-based statement, compared with the values stored at apply (not at the preview); when what the checks
read has changed since, or the staged rows are gone, it reads and checks the file again."""

from __future__ import annotations

from decimal import Decimal

import pytest

from motiva.core.models import AuditEvent
from motiva.imports import services
from motiva.imports.base import REGISTRY
from motiva.imports.models import JobStatus, StagedValue
from motiva.kpi.models import CardLine
from motiva.periods import services as periods
from motiva.periods.models import IndicatorValue, PeriodStatus
from tests.imports.test_values_import import GOOD, fact, upload, viewer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False


def change_list(job) -> list[list[str]]:
    import csv
    import io

    job.change_list.open("rb")
    try:
        text = job.change_list.read().decode("utf-8-sig")
    finally:
        job.change_list.close()
    return list(csv.reader(io.StringIO(text)))


def set_fact(cast, person, value):
    periods.value_set(
        actor=cast["users"]["hr"],
        indicator=cast["indicator"],
        period=cast["period"],
        kind="fact",
        value=Decimal(value),
        scope="employee",
        employee=cast["people"][person],
    )


def refuse_checks(monkeypatch):
    def check(self, values, ref):
        raise AssertionError("apply checked a row again")

    monkeypatch.setattr(REGISTRY["facts"], "check", check)


def test_apply_writes_the_checked_rows_without_checking_the_file_again(cast, monkeypatch):
    job = services.preview(upload(cast, GOOD), viewer(cast))
    assert job.staged_state and StagedValue.objects.filter(job=job).count() == 2
    refuse_checks(monkeypatch)
    job = services.apply(job, viewer(cast))
    assert job.status == JobStatus.APPLIED
    assert job.counts == {"rows": 2, "problems": 0, "create": 0, "change": 2, "same": 0, "written": 2}
    anna, boris = fact(cast, "anna"), fact(cast, "boris")
    assert (anna.value, boris.value) == (Decimal("1.5"), Decimal(200))
    assert anna.source == "import" and anna.author == cast["users"]["hr"]
    assert change_list(job) == [
        ["outcome", "subject", "field", "old", "new"],
        ["change", "SALES · Аннина Anna (7)", "value", "110", "1.5"],
        ["change", "SALES · Борисов Boris (8)", "value", "90", "200"],
    ]
    assert AuditEvent.objects.filter(field="import", entity_id=str(job.pk)).count() == 1
    assert not StagedValue.objects.filter(job=job).exists() and job.staged_state == ""


def test_values_changed_after_the_preview_are_compared_at_apply(cast, monkeypatch):
    job = services.preview(upload(cast, GOOD), viewer(cast))
    assert job.counts["change"] == 2
    set_fact(cast, "anna", "1.5")  # someone typed the file's value into the grid meanwhile
    set_fact(cast, "boris", "50")
    periods.value_confirm(actor=cast["users"]["boss"], value=fact(cast, "anna"))
    refuse_checks(monkeypatch)
    job = services.apply(job, viewer(cast))
    assert job.status == JobStatus.APPLIED
    assert (job.counts["change"], job.counts["same"], job.counts["create"]) == (1, 1, 0)
    assert change_list(job)[1:] == [["change", "SALES · Борисов Boris (8)", "value", "50", "200"]]
    assert fact(cast, "anna").confirmed_by == cast["users"]["boss"]  # left alone: still confirmed
    assert fact(cast, "anna").source == "manual"


def test_a_right_lost_after_the_preview_is_found_by_checking_again(cast):
    job = services.preview(upload(cast, GOOD), viewer(cast))
    assert job.problems == [] and job.staged_state
    CardLine.objects.filter(card__employee=cast["people"]["boris"], card__period=cast["period"]).delete()
    before = fact(cast, "anna").value
    job = services.apply(job, viewer(cast))
    assert job.status == JobStatus.FAILED
    assert [(p["row"], p["code"], p["column"]) for p in job.problems] == [(3, "not_on_card", "C")]
    assert fact(cast, "anna").value == before  # nothing written


def test_lost_staged_rows_make_apply_check_the_file_again(cast):
    job = services.preview(upload(cast, GOOD), viewer(cast))
    StagedValue.objects.filter(job=job, row=3).delete()  # as after a crash of an unlogged table
    job = services.apply(job, viewer(cast))
    assert job.status == JobStatus.APPLIED and job.counts["change"] == 2
    assert fact(cast, "boris").value == Decimal(200)


def test_a_file_with_a_problem_stages_nothing_and_a_new_mapping_drops_the_staged_rows(cast):
    job = services.preview(upload(cast, GOOD + "SALES;сотрудник;7;много\n"), viewer(cast))
    assert job.counts["problems"] == 1
    assert job.staged_state == "" and not StagedValue.objects.filter(job=job).exists()
    text = "Код показателя;Уровень;Табельный номер;Значение;Откуда\nSALES;сотрудник;7;3\n"
    job = services.mapping_set(actor=cast["users"]["hr"], job=upload(cast, text), mapping={"откуда": "skip"})
    job = services.preview(job, viewer(cast))
    assert StagedValue.objects.filter(job=job).count() == 1
    job = services.mapping_set(actor=cast["users"]["hr"], job=job, mapping={"откуда": "skip"})
    assert job.staged_state == "" and not StagedValue.objects.filter(job=job).exists()


def test_a_period_closed_after_the_preview_is_not_written(cast):
    job = services.preview(upload(cast, GOOD), viewer(cast))
    before = fact(cast, "anna").value
    type(cast["period"]).objects.filter(pk=cast["period"].pk).update(status=PeriodStatus.CLOSED)
    job = services.apply(job, viewer(cast))
    assert job.status == JobStatus.FAILED
    assert any(p["code"] == "period_locked" for p in job.problems)
    assert job.counts["rows"] == 2  # the preview's counts stay
    assert fact(cast, "anna").value == before


def test_new_values_from_a_staged_file_and_the_same_file_again(cast, monkeypatch):
    IndicatorValue.objects.filter(period=cast["period"], kind="fact").delete()
    job = services.preview(upload(cast, GOOD), viewer(cast))
    assert job.counts["create"] == 2
    refuse_checks(monkeypatch)
    job = services.apply(job, viewer(cast))
    assert job.counts["create"] == 2 and job.status == JobStatus.APPLIED
    assert change_list(job)[1] == ["create", "SALES · Аннина Anna (7)", "value", "", "1.5"]
    stored = IndicatorValue.objects.get(employee=cast["people"]["anna"], period=cast["period"], kind="fact")
    assert stored.scope_key == IndicatorValue.make_scope_key("employee", None, cast["people"]["anna"].pk)
    monkeypatch.undo()
    again = services.apply(services.preview(upload(cast, GOOD), viewer(cast)), viewer(cast))
    assert again.status == JobStatus.NOTHING_TO_DO and again.counts["same"] == 2


def test_unit_and_company_values_through_the_staged_statement(cast, monkeypatch):
    from motiva.kpi import services as kpi
    from motiva.kpi.models import Card

    admin, company, period = cast["users"]["admin"], cast["company"], cast["period"]
    for status in (PeriodStatus.REVIEW, PeriodStatus.FACT_COLLECTION):
        periods.period_transition(actor=admin, period=period, to_status=status)
    quality = kpi.indicator_create(actor=admin, organization=company, code="QUALITY", name="Качество")
    ebitda = kpi.indicator_create(actor=admin, organization=company, code="EBITDA", name="EBITDA")
    kpi.card_replace_lines(
        actor=admin,
        card=Card.objects.get(period=period, employee=cast["people"]["carl"]),
        lines=[
            {
                "indicator": indicator,
                "weight": weight,
                "scale": cast["scale"],
                "target": "100",
                "level": level,
            }
            for indicator, weight, level in (
                (cast["indicator"], "50", "personal"),
                (quality, "30", "unit"),
                (ebitda, "20", "company"),
            )
        ],
    )
    text = (
        "Код показателя;Уровень;Код подразделения;Значение\n"
        "QUALITY;подразделение;V;95,5\nEBITDA;компания;;12 345 678,25\n"
    )
    job = services.preview(upload(cast, text), viewer(cast))
    assert job.problems == [] and job.counts["create"] == 2
    refuse_checks(monkeypatch)
    job = services.apply(job, viewer(cast))
    assert job.status == JobStatus.APPLIED
    assert change_list(job)[1:] == [
        ["create", "QUALITY · V", "value", "", "95.5"],
        ["create", "EBITDA · компания", "value", "", "12345678.25"],
    ]
    unit_value = IndicatorValue.objects.get(indicator=quality, period=period, kind="fact")
    assert (unit_value.scope, unit_value.unit.code, unit_value.value) == ("unit", "V", Decimal("95.5"))
    company_value = IndicatorValue.objects.get(indicator=ebitda, period=period, kind="fact")
    assert (company_value.scope, company_value.scope_key) == ("company", "company")
    assert company_value.value == Decimal("12345678.25")


def test_rows_staged_a_day_ago_are_dropped_by_the_next_preview_and_apply_checks_again(cast):
    import datetime as dt

    from django.utils import timezone

    from motiva.imports.models import ImportJob

    old = services.preview(upload(cast, GOOD), viewer(cast))
    ImportJob.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    services.preview(upload(cast, GOOD.replace("200", "300")), viewer(cast))
    assert not StagedValue.objects.filter(job=old).exists()
    old.refresh_from_db()
    assert old.staged_state == ""
    old = services.apply(old, viewer(cast))
    assert old.status == JobStatus.APPLIED and fact(cast, "boris").value == Decimal(200)


def test_more_places_than_the_column_keeps_are_refused_and_minus_zero_is_zero(cast):
    text = (
        "Код показателя;Уровень;Табельный номер;Значение\n"
        "SALES;сотрудник;7;99999999999999,9999999\nSALES;сотрудник;8;1,0000001\n"
    )
    job = services.preview(upload(cast, text), viewer(cast))
    assert [(p["row"], p["code"]) for p in job.problems] == [(2, "too_precise"), (3, "too_precise")]
    assert "6 знаков" in job.problems[0]["ru"] and "6 decimal places" in job.problems[0]["en"]
    set_fact(cast, "anna", "0")
    job = services.preview(upload(cast, GOOD.replace("1,5", "-0")), viewer(cast))
    assert job.counts["same"] == 1 and job.counts["change"] == 1
    job = services.apply(job, viewer(cast))
    assert (job.counts["same"], job.counts["change"]) == (1, 1)
