"""Indicator library importer through the import framework: create, change, same, refusals, access."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from motiva.core.errors import InvalidInput
from motiva.imports.models import JobStatus
from motiva.kpi.models import Indicator
from tests.imports.kinds_helpers import fields, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False


HEAD = (
    "Код;Название;Определение;Единица измерения;Направление;Вид;Формула;Периодичность;Источник данных;"
    "Только мониторинг;Ориентир\n"
)
LIBRARY = HEAD + (
    "REVENUE;Выручка;Без НДС;руб.;больше — лучше;количественный;;месяц;1С;нет;\n"
    "COST;Затраты;;руб.;lower is better;quantitative;;quarter;;no;1000,5\n"
    "MARGIN;Маржа;;руб.;;;REVENUE - COST;;;да;\n"
)


def _get(cast, code):
    return Indicator.objects.get(organization=cast["company"], code=code)


def test_create_with_formula_of_earlier_rows_then_same(cast):
    job = run(cast, "indicators", LIBRARY)
    assert job.status == JobStatus.APPLIED, job.problems
    assert job.counts["create"] == 3
    revenue, cost, margin = (_get(cast, c) for c in ("REVENUE", "COST", "MARGIN"))
    assert revenue.definition == "Без НДС" and revenue.data_source == "1С" and revenue.direction == "higher"
    assert cost.direction == "lower" and cost.periodicity == "quarter" and cost.benchmark == D("1000.5")
    assert margin.formula == "REVENUE - COST" and margin.monitoring_only and margin.kind == "quantitative"
    again = run(cast, "indicators", LIBRARY)
    assert again.status == JobStatus.NOTHING_TO_DO and again.counts["same"] == 3


def test_change_old_to_new_keeps_empty_cells(cast):
    sales = _get(cast, "SALES")
    text = HEAD + "SALES;Продажи, руб.;;;обратный;;;год;CRM;;\n"
    job = run(cast, "indicators", text, apply=False)
    assert job.counts["change"] == 1, job.problems
    changes = job.preview[0]["changes"]
    assert ["Название", "Продажи", "Продажи, руб."] in changes
    assert ["Источник данных", "", "CRM"] in changes
    assert len(changes) == 4  # name, direction, periodicity, data source; empty cells unchanged
    assert run(cast, "indicators", text).status == JobStatus.APPLIED
    sales.refresh_from_db()
    assert sales.name == "Продажи, руб." and sales.direction == "lower" and sales.periodicity == "year"
    assert sales.confirmer_position is not None  # not a column: untouched
    assert run(cast, "indicators", text).status == JobStatus.NOTHING_TO_DO


def test_refusals_named_by_field_and_row_and_nothing_written(cast):
    text = HEAD + (
        "GOOD;Верный;;;;;;;;;\n"  # 2
        "1BAD;Плохой код;;;;;;;;;\n"  # 3
        "NONAME;;;;;;;;;;\n"  # 4
        "DIR;Направление;;;вбок;;;;;;\n"  # 5
        "KND;Вид;;;;звёздный;;;;;\n"  # 6
        "PER;Период;;;;;;неделя;;;\n"  # 7
        "SYN;Синтаксис;;;;;SALES +* 2;;;;\n"  # 8
        "UNK;Неизвестный;;;;;SALES + NOPE;;;;\n"  # 9
        "ZERO;Деление;;;;;SALES / (2 - 2);;;;\n"  # 10
        "MON;Мониторинг;;;;;;;;может быть;\n"  # 11
        "BEN;Ориентир;;;;;;;;;много\n"  # 12
        "GOOD;Повтор;;;;;;;;;\n"  # 13
    )
    job = run(cast, "indicators", text)
    found = fields(job)
    for expected in (
        ("code", 3),
        ("name", 4),
        ("direction", 5),
        ("kind", 6),
        ("periodicity", 7),
        ("formula", 8),
        ("formula", 9),
        ("formula", 10),
        ("monitoring_only", 11),
        ("benchmark", 12),
        ("code", 13),
    ):
        assert expected in found, found
    assert not [f for f in found if f[1] == 2]
    unknown = next(p for p in job.problems if p["row"] == 9)
    assert "NOPE" in unknown["ru"] and "NOPE" in unknown["en"]
    direction = next(p for p in job.problems if p["field"] == "direction")
    assert "больше — лучше" in direction["ru"]
    assert not Indicator.objects.filter(code="GOOD").exists()


def test_a_cycle_found_while_writing_rolls_back_every_row(cast):
    # SALES becomes computed from LOOP, which row 2 computes from SALES: the service refuses the cycle
    text = HEAD + "LOOP;Петля;;;;;SALES * 2;;;;\nSALES;Продажи;;;;;LOOP + 1;;;;\n"
    job = run(cast, "indicators", text)
    assert job.status == JobStatus.FAILED
    assert any(p["field"] == "row 3, formula" for p in job.problems), job.problems
    assert not Indicator.objects.filter(code="LOOP").exists() and _get(cast, "SALES").formula == ""


def test_only_who_configures_imports_indicators(cast):
    for user in ("anna", "boss", "fin", "outsider"):
        with pytest.raises(InvalidInput):
            run(cast, "indicators", LIBRARY, user=user)
    assert not Indicator.objects.filter(code="REVENUE").exists()


def test_the_templates_example_rows_import_as_they_are(cast, client):
    from django.urls import reverse

    client.force_login(cast["users"]["hr"])
    org = cast["company"].pk
    for kind in ("indicators", "employees"):
        assert client.get(reverse("import_template", args=[org, kind])).status_code == 200
    response = client.get(reverse("import_template", args=[org, "indicators"]), {"format": "csv"})
    assert response.status_code == 200
    job = run(cast, "indicators", response.content.decode("utf-8-sig"))
    assert job.status == JobStatus.APPLIED, job.problems
    assert _get(cast, "REVENUE_K").formula == "REVENUE / 1000"
