"""Employees' card lines importer through the import framework: cards replaced and made through the card
editor's services, same again on re-import, refusals named by row and column, all-or-nothing, who may
import, one's own card, a closed period, the template download."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from motiva.core.access import viewer_for
from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent
from motiva.imports import services
from motiva.imports.models import JobStatus
from motiva.kpi import services as kpi
from motiva.kpi.models import Card
from motiva.org import services as org
from motiva.periods.models import Period, PeriodStatus
from tests.imports.kinds_helpers import fields, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False


HEAD = (
    "Табельный номер;Порядок;Компонент;Код показателя;Название;Уровень;Вес, %;Шкала;Порог;План;Максимум;"
    "Порог, % плана;План, % плана;Максимум, % плана;Плановая сумма\n"
)
# Anna (7) has the template's card of one line (SALES 100 %, plan 100, order 0); Fin (3) has no card.
FILE = HEAD + (
    "7;0;показатель;SALES;;личный;60;Факт/план;;120;;;;;\n"
    "7;1;indicator;MARGIN;;unit;40;Факт/план;;200;;;;;\n"
    "3;0;;SALES;;;100;Факт/план;;100;;;;;\n"
)


@pytest.fixture
def margin(cast):
    return kpi.indicator_create(
        actor=cast["users"]["admin"], organization=cast["company"], code="MARGIN", name="Маржа"
    )


def _card(cast, name):
    return Card.objects.filter(employee=cast["people"][name], period=cast["period"]).first()


def _lines(card):
    return [
        (line.order, line.indicator.code, line.weight, line.level, line.target)
        for line in card.lines.order_by("order")
    ]


def test_cards_replaced_and_made_then_same_on_reimport(cast, margin):
    before = _lines(_card(cast, "anna"))
    job = run(cast, "card_lines", FILE, period=cast["period"], apply=False)
    assert job.status == JobStatus.PREVIEWED and not job.problems, job.problems
    assert (job.counts["change"], job.counts["create"], job.counts["same"]) == (1, 2, 0)
    first = job.preview[0]
    assert first["row"] == 2 and first["outcome"] == "change" and "(7)" in first["label"]
    assert ["Вес, %", "100", "60"] in first["changes"] and ["План", "100", "120"] in first["changes"]
    assert _lines(_card(cast, "anna")) == before and _card(cast, "fin") is None  # the preview writes nothing
    job = run(cast, "card_lines", FILE, period=cast["period"])
    assert job.status == JobStatus.APPLIED, job.problems
    assert job.counts["cards_changed"] == 1 and job.counts["cards_created"] == 1
    anna = _card(cast, "anna")
    assert _lines(anna) == [
        (0, "SALES", D(60), "personal", D(120)),
        (1, "MARGIN", D(40), "unit", D(200)),
    ]
    assert anna.lines.get(order=1).scale == cast["scale"]
    fin = _card(cast, "fin")
    assert _lines(fin) == [(0, "SALES", D(100), "personal", D(100))]
    # Written by the editor's services: the card's change is audited in the uploader's name.
    event = AuditEvent.objects.filter(entity_type="kpi.Card", entity_id=str(anna.pk), action="update").last()
    assert event is not None and event.actor == cast["users"]["hr"] and event.reason == "import"
    assert AuditEvent.objects.filter(entity_type="kpi.Card", entity_id=str(fin.pk), action="create").exists()
    again = run(cast, "card_lines", FILE, period=cast["period"])
    assert again.status == JobStatus.NOTHING_TO_DO, again.problems
    assert again.counts["same"] == 3 and again.counts["create"] == again.counts["change"] == 0
    assert _lines(_card(cast, "anna")) == _lines(anna)


def test_dropping_a_line_is_a_change(cast):
    watched = kpi.indicator_create(
        actor=cast["users"]["admin"],
        organization=cast["company"],
        code="NPS",
        name="Лояльность",
        monitoring_only=True,
    )
    assert watched.monitoring_only
    two = HEAD + "7;0;;SALES;;;100;Факт/план;;100;;;;;\n7;1;;NPS;;;0;Факт/план;;50;;;;;\n"
    assert run(cast, "card_lines", two, period=cast["period"]).status == JobStatus.APPLIED
    one = HEAD + "7;0;;SALES;;;100;Факт/план;;100;;;;;\n"
    job = run(cast, "card_lines", one, period=cast["period"])
    assert job.status == JobStatus.APPLIED, job.problems
    assert job.counts["change"] == 1 and job.counts["same"] == 0
    assert [line[1] for line in _lines(_card(cast, "anna"))] == ["SALES"]


def test_a_bad_row_names_row_and_column_and_nothing_is_written(cast, margin):
    hired = org.employee_hire(
        actor=cast["users"]["admin"],
        organization=cast["company"],
        personnel_number="0042",
        last_name="Новиков",
        first_name="Нил",
        hire_date=dt.date(2026, 5, 1),  # after March
        position=cast["people"]["carl"].assignments.first().position,
        salary=D(60000),
    )
    assert hired.pk
    kpi.indicator_update(actor=cast["users"]["admin"], indicator=margin, monitoring_only=True, reason="test")
    anna, carl = _lines(_card(cast, "anna")), _lines(_card(cast, "carl"))
    text = HEAD + (
        "7;0;;SALES;;;100;Факт/план;;100;;;;;\n"  # 2 the same as now
        "7;1;;NOPE;;;0;Факт/план;;100;;;;;\n"  # 3 unknown indicator
        "999;0;;SALES;;;100;Факт/план;;100;;;;;\n"  # 4 unknown person
        "0042;0;;SALES;;;100;Факт/план;;100;;;;;\n"  # 5 not employed in March
        "9;0;;SALES;;;100;Факт/план;;100;;;;;\n"  # 6
        "9;0;;MARGIN;;;0;Факт/план;;100;;;;;\n"  # 7 order repeated
        "8;0;звезда;SALES;;вбок;много;Кривая;;100;;;;;\n"  # 8
        "8;x;;MARGIN;;;10;Факт/план;;100;;;;;\n"  # 9 bad order; monitoring-only with a weight
        "8;2;;MARGIN;;;10;Факт/план;;100;;;;;\n"  # 10 monitoring-only with a weight
        ";0;;SALES;;;100;Факт/план;;100;;;;;\n"  # 11 no number
    )
    job = run(cast, "card_lines", text, period=cast["period"])
    assert job.status == JobStatus.PREVIEWED
    found = fields(job)
    for expected in (
        ("indicator", 3),
        ("personnel_number", 4),
        ("personnel_number", 5),
        ("order", 7),
        ("component", 8),
        ("level", 8),
        ("weight", 8),
        ("scale", 8),
        ("order", 9),
        ("weight", 10),
        ("personnel_number", 11),
    ):
        assert expected in found, found
    assert not [f for f in found if f[1] in (2, 6)]
    by_row = {p["row"]: p for p in job.problems}
    assert "NOPE" in by_row[3]["ru"] and "NOPE" in by_row[3]["en"]
    assert "999" in by_row[4]["ru"] and "Новиков" in by_row[5]["ru"] and "not employed" in by_row[5]["en"]
    assert "6" in by_row[7]["ru"] and "7" in by_row[7]["ru"]
    assert by_row[10]["ru"].startswith("Строка 10") and "мониторинга" in by_row[10]["ru"]
    assert by_row[3]["column"] == "D" and by_row[4]["column"] == "A"
    assert _lines(_card(cast, "anna")) == anna and _lines(_card(cast, "carl")) == carl
    assert Card.objects.filter(employee=hired).count() == 0


def test_weights_of_a_card_named_by_its_rows_and_all_or_nothing(cast, margin):
    anna, boris = _lines(_card(cast, "anna")), _lines(_card(cast, "boris"))
    text = HEAD + (
        "8;0;;SALES;;;100;Факт/план;;150;;;;;\n"  # Boris: a valid card
        "7;0;;SALES;;;60;Факт/план;;100;;;;;\n"  # Anna: 60 + 30 = 90 %
        "7;1;;MARGIN;;;30;Факт/план;;100;;;;;\n"
    )
    job = run(cast, "card_lines", text, period=cast["period"], apply=False)
    assert job.status == JobStatus.PREVIEWED
    weight = next(p for p in job.problems if p["field"] == "weight")
    assert "Строки 3, 4" in weight["ru"] and "Аннина" in weight["ru"] and "90" in weight["ru"]
    assert "Rows 3, 4" in weight["en"] and weight["column"] == "G"
    job = services.apply(job, viewer_for(cast["users"]["hr"]))
    assert job.status == JobStatus.FAILED
    assert _lines(_card(cast, "anna")) == anna
    assert _lines(_card(cast, "boris")) == boris  # the valid card is not written either


def test_only_hr_imports_card_lines(cast, margin):
    for user in ("admin", "anna", "boss", "fin", "auditor", "gd", "outsider"):
        with pytest.raises(InvalidInput):
            run(cast, "card_lines", FILE, user=user, period=cast["period"])
    assert _card(cast, "fin") is None and _lines(_card(cast, "anna"))[0][2] == D(100)


def test_ones_own_card_is_refused(cast, margin):
    # HR is number 2: nobody sets their own card, HR neither
    text = HEAD + "2;0;;SALES;;;100;Факт/план;;100;;;;;\n7;0;;SALES;;;100;Факт/план;;90;;;;;\n"
    job = run(cast, "card_lines", text, period=cast["period"])
    assert job.status == JobStatus.PREVIEWED
    assert fields(job) == [("personnel_number", 2)]
    assert "Свою" in job.problems[0]["ru"] and "your own" in job.problems[0]["en"]
    assert _card(cast, "hr") is None and _lines(_card(cast, "anna"))[0][4] == D(100)


def test_a_closed_period_is_refused(cast, margin):
    Period.objects.filter(pk=cast["period"].pk).update(status=PeriodStatus.CLOSED)
    job = run(cast, "card_lines", FILE, period=cast["period"])
    assert job.status == JobStatus.PREVIEWED
    assert [p["field"] for p in job.problems] == ["period"]
    assert "закрыт" in job.problems[0]["ru"]
    assert _card(cast, "fin") is None and _lines(_card(cast, "anna"))[0][2] == D(100)


def test_a_period_is_required(cast, margin):
    with pytest.raises(InvalidInput):
        run(cast, "card_lines", FILE)


def test_the_import_template_downloads_for_hr_only(cast, client):
    from django.urls import reverse

    url = reverse("import_template", args=[cast["company"].pk, "card_lines"])
    client.force_login(cast["users"]["hr"])
    xlsx = client.get(url)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv_text = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    head = csv_text.splitlines()[0]
    assert head.startswith("Табельный номер;Порядок;Компонент;Код показателя")
    assert "BUDGET_EXEC" in csv_text and "00017" in csv_text
    page = client.get(reverse("imports", args=[cast["company"].pk]))
    assert "Строки карт KPI сотрудников" in page.content.decode()
    client.force_login(cast["users"]["boss"])
    assert client.get(url).status_code in (403, 404)


def test_the_example_rows_import_against_the_demo_organization(db):
    import random

    from django.contrib.auth import get_user_model

    from motiva.demo.build import build_transport
    from motiva.demo.people import NameSource
    from motiva.imports.base import REGISTRY

    admin = get_user_model().objects.create_superuser(username="admin", password="x-Secret-123")
    organization = build_transport(admin, dt.date(2026, 11, 22), random.Random(2026), NameSource(2026))
    hr = get_user_model().objects.get(username="hr")
    period = Period.objects.get(organization=organization, name="IV квартал 2026")
    cls = REGISTRY["card_lines"]
    keys = [item.key for item in cls.fields]
    text = ";".join(item.ru for item in cls.fields) + "\n"
    text += "".join(";".join(row[key] for key in keys) + "\n" for row in cls.example_rows())
    demo = {"users": {"hr": hr}, "company": organization}
    job = run(demo, "card_lines", text, period=period)
    assert job.status == JobStatus.APPLIED, job.problems
    assert job.counts["cards_changed"] == 1 and job.counts["change"] == 2 and job.counts["same"] == 3
    card = Card.objects.get(employee__personnel_number="00017", period=period)
    assert [line.weight for line in card.lines.order_by("order")] == [D(20), D(30), D(20), D(10), D(20)]
    assert run(demo, "card_lines", text, period=period).status == JobStatus.NOTHING_TO_DO
