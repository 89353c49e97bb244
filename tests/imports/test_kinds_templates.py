"""Card templates importer through the import framework: a version made, same again, a change makes the
next version, refusals named by field and row, all-or-nothing, access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from motiva.core.access import viewer_for
from motiva.core.errors import InvalidInput
from motiva.imports import services
from motiva.imports.base import REGISTRY
from motiva.imports.models import JobStatus
from motiva.kpi import services as kpi
from motiva.kpi.models import CardTemplate
from motiva.org import services as org
from motiva.org.models import Position
from tests.imports.kinds_helpers import fields, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False


HEAD = (
    "Код подразделения;Должность;Действует с;Схема оплаты;Порядок;Компонент;Код показателя;Название;"
    "Уровень;Вес, %;Шкала;Порог;План;Максимум;Порог, % плана;План, % плана;Максимум, % плана;Плановая сумма\n"
)
STAFF = HEAD + (
    "C;Аналитик;01.06.2026;20 %;1;показатель;SALES;;личный;60;Факт/план;;100;;;;;\n"
    "C;Аналитик;01.06.2026;20 %;2;indicator;MARGIN;;unit;40;Факт/план;;200;;;;;\n"
)


@pytest.fixture
def margin(cast):
    admin = cast["users"]["admin"]
    org.position_create(actor=admin, unit=cast["units"]["root"], title="Аналитик")
    return kpi.indicator_create(actor=admin, organization=cast["company"], code="MARGIN", name="Маржа")


def _versions(cast, title):
    position = Position.objects.get(organization=cast["company"], title=title)
    return list(CardTemplate.objects.filter(position=position).order_by("version"))


def test_create_a_version_then_same_on_reimport(cast, margin):
    job = run(cast, "templates", STAFF, apply=False)
    assert job.counts["create"] == 2, job.problems
    assert job.preview[0]["row"] == 2 and ["Показатель", "", "SALES"] in job.preview[0]["changes"]
    job = run(cast, "templates", STAFF)
    assert job.status == JobStatus.APPLIED, job.problems
    assert job.counts["versions"] == 1
    (template,) = _versions(cast, "Аналитик")
    assert template.valid_from == dt.date(2026, 6, 1) and template.scheme.name == "20 %"
    lines = list(template.lines.order_by("order"))
    assert [(line.indicator.code, line.weight, line.level) for line in lines] == [
        ("SALES", D(60), "personal"),
        ("MARGIN", D(40), "unit"),
    ]
    assert lines[1].target == D(200) and lines[1].scale == cast["scale"]
    again = run(cast, "templates", STAFF.replace("01.06.2026", "2026-07-01"))
    assert again.status == JobStatus.NOTHING_TO_DO, again.problems
    assert again.counts["same"] == 2 and len(_versions(cast, "Аналитик")) == 1


def test_change_makes_the_next_version_from_the_date(cast, margin):
    text = HEAD + (
        "S;Менеджер;2026-06-01;;0;;SALES;;;70;Факт/план;;120;;;;;\n"  # the cast's line is number 0
        "S;Менеджер;2026-06-01;;1;;MARGIN;;подразделение;30;Факт/план;;200;;;;;\n"
    )
    preview = run(cast, "templates", text, apply=False)
    assert preview.counts["change"] == 1 and preview.counts["create"] == 1, preview.problems
    changes = preview.preview[0]["changes"]
    assert ["Вес, %", "100", "70"] in changes and ["План", "100", "120"] in changes
    job = run(cast, "templates", text)
    assert job.status == JobStatus.APPLIED, job.problems
    first, second = _versions(cast, "Менеджер")
    assert first.valid_to == dt.date(2026, 5, 31) and second.valid_from == dt.date(2026, 6, 1)
    assert second.version == 2 and second.scheme == first.scheme  # an empty scheme keeps the latest
    assert [line.weight for line in second.lines.order_by("order")] == [D(70), D(30)]
    assert first.lines.get().weight == D(100)  # the earlier version is untouched
    assert run(cast, "templates", text).status == JobStatus.NOTHING_TO_DO


def test_dropping_a_line_is_a_change(cast, margin):
    run(cast, "templates", STAFF)
    text = HEAD + "C;Аналитик;01.09.2026;;1;;SALES;;личный;100;Факт/план;;100;;;;;\n"
    job = run(cast, "templates", text)
    assert job.status == JobStatus.APPLIED, job.problems
    assert job.counts["change"] == 1 and job.counts["same"] == 0
    assert _versions(cast, "Аналитик")[-1].lines.count() == 1


def test_weights_not_100_named_by_field_and_rows_nothing_written(cast, margin):
    text = HEAD + (
        "C;Аналитик;01.06.2026;;1;;SALES;;;60;Факт/план;;100;;;;;\n"
        "C;Аналитик;01.06.2026;;2;;MARGIN;;;30;Факт/план;;100;;;;;\n"
        "V;Инженер;01.06.2026;;1;;SALES;;;100;Факт/план;;150;;;;;\n"
    )
    job = run(cast, "templates", text, apply=False)
    assert job.status == JobStatus.PREVIEWED  # the preview already shows the card-wide rule
    weight = next(p for p in job.problems if p["field"] == "weight")
    assert "Строки 2, 3" in weight["ru"] and "90" in weight["ru"] and "Rows 2, 3" in weight["en"]
    assert weight["column"]  # the weight column's letter
    job = services.apply(job, viewer_for(cast["users"]["hr"]))
    assert job.status == JobStatus.FAILED
    assert _versions(cast, "Аналитик") == []
    assert len(_versions(cast, "Инженер")) == 1  # the valid group is rolled back with the rest


def test_refusals_named_by_field_and_row(cast, margin):
    text = HEAD + (
        "C;Аналитик;01.06.2026;;1;;SALES;;;50;Факт/план;;100;;;;;\n"  # 2
        "C;Аналитик;01.06.2026;;1;;MARGIN;;;50;Факт/план;;100;;;;;\n"  # 3 duplicate order
        "C;Аналитик;01.06.2026;;2;;NOPE;;;50;Факт/план;;100;;;;;\n"  # 4 unknown indicator
        "C;Нет такой;01.06.2026;;1;;SALES;;;100;Факт/план;;100;;;;;\n"  # 5 unknown position
        "V;Инженер;01.06.2026;Нет схемы;1;;SALES;;;100;Кривая;;100;;;;;\n"  # 6 unknown scheme, scale
        "V;Инженер;32.13.2026;;x;звезда;SALES;;вбок;много;Факт/план;;100;;;;;\n"  # 7
        "V;Инженер;01.07.2026;;1;задачи;;;;100;;;;;;;;\n"  # 8 a tasks line without its label
    )
    job = run(cast, "templates", text)
    found = fields(job)
    for expected in (
        ("order", 3),
        ("indicator", 4),
        ("title", 5),
        ("scheme", 6),
        ("scale", 6),
        ("valid_from", 7),
        ("order", 7),
        ("component", 7),
        ("level", 7),
        ("weight", 7),
        ("label", 8),
    ):
        assert expected in found, found
    assert not [f for f in found if f[1] == 2]
    duplicate = next(p for p in job.problems if p["row"] == 3)
    assert "2" in duplicate["ru"] and "3" in duplicate["ru"]
    for row, value in ((4, "NOPE"), (5, "Нет такой"), (6, "Нет схемы"), (6, "Кривая")):
        assert any(p["row"] == row and value in p["ru"] and value in p["en"] for p in job.problems), value
    label = next(p for p in job.problems if p["row"] == 8)
    assert label["ru"].startswith("Строка 8")
    assert _versions(cast, "Аналитик") == [] and len(_versions(cast, "Инженер")) == 1


def test_a_version_not_after_the_latest_is_refused(cast, margin):
    text = HEAD + "S;Менеджер;01.01.2026;;1;;MARGIN;;;100;Факт/план;;100;;;;;\n"
    job = run(cast, "templates", text)
    assert job.status == JobStatus.FAILED
    assert any(p["field"] == "valid_from" and "Строки 2" in p["ru"] for p in job.problems), job.problems
    assert len(_versions(cast, "Менеджер")) == 1


def test_only_hr_imports_templates(cast, margin):
    for user in ("admin", "anna", "boss", "fin", "auditor", "outsider"):
        with pytest.raises(InvalidInput):
            run(cast, "templates", STAFF, user=user)
    assert _versions(cast, "Аналитик") == []


def test_the_template_of_ones_own_position_is_refused(cast, margin):
    # HR holds "Специалист штаба": nobody sets their own targets (the editor's service refuses it)
    job = run(cast, "templates", STAFF.replace("Аналитик", "Специалист штаба"))
    assert job.status == JobStatus.FAILED
    assert any(p["field"] == "title" and "Строки 2, 3" in p["ru"] for p in job.problems), job.problems
    assert _versions(cast, "Специалист штаба") == []


def test_the_example_rows_import_against_the_demo_organization(db):
    import random

    from django.contrib.auth import get_user_model

    from motiva.demo.build import build_transport
    from motiva.demo.people import NameSource

    admin = get_user_model().objects.create_superuser(username="admin", password="x-Secret-123")
    organization = build_transport(admin, dt.date(2026, 11, 22), random.Random(2026), NameSource(2026))
    hr = get_user_model().objects.get(username="hr")
    cls = REGISTRY["templates"]
    keys = [item.key for item in cls.fields]
    text = ";".join(item.ru for item in cls.fields) + "\n"
    text += "".join(";".join(row[key] for key in keys) + "\n" for row in cls.example_rows())
    demo = {"users": {"hr": hr}, "company": organization}
    job = run(demo, "templates", text)
    assert job.status == JobStatus.APPLIED, job.problems
    position = Position.objects.get(organization=organization, title="Экономист")
    latest = CardTemplate.objects.filter(position=position).order_by("-version").first()
    assert latest.valid_from == dt.date(2027, 1, 1) and latest.scheme.name == "Трёхуровневая премия"
    assert [line.indicator.code for line in latest.lines.order_by("order")] == [
        "EBITDA_PLAN",
        "BUDGET_EXEC",
        "PERSONAL_EFF",
    ]


def test_another_scheme_alone_is_a_change_on_the_first_row(cast, margin):
    kpi.scheme_create(
        actor=cast["users"]["admin"],
        organization=cast["company"],
        name="30 %",
        kind="target_bonus",
        params={"basis": "salary_percent", "percent": "30"},
    )
    text = HEAD + "V;Инженер;01.06.2026;30 %;0;;SALES;;;100;Факт/план;;100;;;;;\n"
    job = run(cast, "templates", text)
    assert job.status == JobStatus.APPLIED, job.problems
    assert job.counts["change"] == 1
    assert _versions(cast, "Инженер")[-1].scheme.name == "30 %"
    mixed = HEAD + (
        "V;Инженер;01.09.2026;20 %;0;;SALES;;;50;Факт/план;;100;;;;;\n"
        "V;Инженер;01.09.2026;30 %;1;;MARGIN;;;50;Факт/план;;100;;;;;\n"
    )
    assert ("scheme", 3) in fields(run(cast, "templates", mixed))


def test_the_import_template_downloads_for_hr_only(cast, client):
    from django.urls import reverse

    url = reverse("import_template", args=[cast["company"].pk, "templates"])
    client.force_login(cast["users"]["hr"])
    for query in ({}, {"format": "csv"}):
        assert client.get(url, query).status_code == 200
    csv_text = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert "Код показателя" in csv_text and "BUDGET_EXEC" in csv_text
    client.force_login(cast["users"]["anna"])
    assert client.get(url).status_code in (403, 404)
