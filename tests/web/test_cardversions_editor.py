"""The card editor keeps what was typed: a plan of 4200 stays 4200, long plan values and the planned ruble
amount round-trip, wrong values are named by line and field and save nothing; "copy from the template"
names the version it copies and the card records it."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from motiva.kpi import services as kpi
from motiva.kpi.models import Card, CardTemplate
from motiva.periods import services as periods

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).resolve().parents[2] / "static" / "motiva" / "card_editor.js"


def line(cast, index=0, **values):
    data = {
        "component": "indicator",
        "indicator": cast["indicator"].pk,
        "level": "personal",
        "weight": "100",
        "scale": cast["scale"].pk,
        "target": "100",
    } | values
    return {f"line-{index}-{name}": value for name, value in data.items()}


def editor_lines(page: str) -> list[dict]:
    found = re.search(r'<script id="editor-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))["lines"]


def seller(cast):
    return cast["people"]["anna"].assignments.get().position


def test_a_plan_of_4200_and_long_values_round_trip_with_the_planned_amount(client, cast):
    client.force_login(cast["users"]["hr"])
    position = seller(cast)
    url = reverse("template_edit", args=[cast["company"].pk, position.pk])
    director = cast["people"]["gd"].assignments.get().position
    posted = {
        "valid_from": "2026-04-01",
        **line(
            cast, 0, weight="60", target="4200", threshold="3 500", maximum="5000,5", planned_amount="6 000"
        ),
        **line(
            cast,
            1,
            weight="40",
            target="123456789012,345",
            planned_amount="4000",
            label="Продажи новым клиентам",
            confirmer_position=director.pk,
            level="unit",
        ),
    }
    response = client.post(url, posted)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = CardTemplate.objects.filter(position=position).order_by("-version").first()
    first, second = saved.lines.order_by("order")
    assert (first.target, first.threshold, first.maximum, first.planned_amount) == (
        Decimal(4200),
        Decimal(3500),
        Decimal("5000.5"),
        Decimal(6000),
    )
    assert second.target == Decimal("123456789012.345") and second.planned_amount == Decimal(4000)
    assert (second.label, second.level, second.confirmer_position_id) == (
        "Продажи новым клиентам",
        "unit",
        director.pk,
    )
    rows = editor_lines(client.get(url).content.decode())
    assert [r["target"] for r in rows] == ["4200", "123456789012.345"]
    assert [r["planned_amount"] for r in rows] == ["6000", "4000"]
    assert rows[1]["confirmer_position"] == director.pk and rows[1]["label"] == "Продажи новым клиентам"


def test_the_employee_card_editor_round_trips_the_same_values(client, cast):
    client.force_login(cast["users"]["hr"])
    anna = cast["people"]["anna"]
    april = periods.period_create(
        actor=cast["users"]["hr"], organization=cast["company"], kind="month", start=dt.date(2026, 4, 1)
    )
    url = reverse("card_edit", args=[cast["company"].pk, anna.pk]) + f"?period={april.pk}"
    response = client.post(url, {"period": april.pk, **line(cast, target="4200", planned_amount="7500")})
    assert response.status_code == 302
    card_line = Card.objects.get(employee=anna, period=april).lines.get()
    assert (card_line.target, card_line.planned_amount) == (Decimal(4200), Decimal(7500))
    rows = editor_lines(client.get(url).content.decode())
    assert rows[0]["target"] == "4200" and rows[0]["planned_amount"] == "7500"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"weight": "сто"}, "Строка 1, Вес, %"),
        ({"target": "1.2.3"}, "Строка 1, План (цель)"),
        ({"planned_amount": "12 345 678 901 234,5"}, "слишком большое число"),
        ({"target": "123456789012345"}, "слишком большое число"),
        ({"threshold": "0,1234567"}, "не больше 6 знаков после запятой"),
        ({"indicator": "99999999999999999999999"}, "Строка 1, Показатель"),
        ({"scale": "abc"}, "Строка 1, Шкала"),
        ({"confirmer_position": "-1"}, "Строка 1, Кто подтверждает факт"),
        ({"level": "galaxy"}, "Строка 1, Уровень"),
        ({"component": "magic"}, "Строка 1, Компонент"),
    ],
)
def test_a_wrong_value_is_named_by_line_and_field_and_nothing_is_saved(client, cast, values, expected):
    client.force_login(cast["users"]["hr"])
    position = seller(cast)
    url = reverse("template_edit", args=[cast["company"].pk, position.pk])
    response = client.post(url, {"valid_from": "2026-04-01", **line(cast, **values)})
    assert response.status_code == 400
    page = response.content.decode()
    assert expected in page and "Ничего не сохранено" in page
    assert CardTemplate.objects.filter(position=position).count() == 1
    # the line with the error is shown open, with what was typed
    rows = editor_lines(page)
    assert rows[0]["open"] is True


@pytest.mark.parametrize("valid_from", ["", "01.04.2026", "2026-13-01", "x" * 300])
def test_a_wrong_date_or_scheme_names_its_field(client, cast, valid_from):
    client.force_login(cast["users"]["hr"])
    position = seller(cast)
    url = reverse("template_edit", args=[cast["company"].pk, position.pk])
    response = client.post(url, {"valid_from": valid_from, "scheme": "999999999999999999999", **line(cast)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Действует с" in page and "Схема оплаты" in page
    assert CardTemplate.objects.filter(position=position).count() == 1


def test_copy_from_the_template_names_its_version_and_the_card_records_it(client, cast):
    hr = cast["users"]["hr"]
    client.force_login(hr)
    anna = cast["people"]["anna"]
    position = seller(cast)
    v2, _warnings = kpi.card_template_create(
        actor=hr,
        position=position,
        valid_from=dt.date(2026, 4, 1),
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "4200"}],
    )
    # a third version starts inside May: May keeps the second, and the page says so
    kpi.card_template_create(
        actor=hr,
        position=position,
        valid_from=dt.date(2026, 5, 15),
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "5000"}],
    )
    may = periods.period_create(
        actor=hr, organization=cast["company"], kind="month", start=dt.date(2026, 5, 1)
    )
    url = reverse("card_edit", args=[cast["company"].pk, anna.pk])
    page = client.get(url, {"period": may.pk}).content.decode()
    assert "Скопировать из шаблона должности (версия 2, действует с 01.04.2026)" in page
    assert "Версия 3 шаблона вступает в силу 15.05.2026" in page
    page = client.get(url, {"period": may.pk, "copy": "template"}).content.decode()
    assert 'data-testid="copied-version"' in page and "скопированы из версии 2" in page
    assert editor_lines(page)[0]["target"] == "4200"
    assert f'name="from_template" value="{v2.pk}"' in page
    response = client.post(
        url + f"?period={may.pk}", {"period": may.pk, "from_template": v2.pk, **line(cast, target="4200")}
    )
    assert response.status_code == 302
    card = Card.objects.get(employee=anna, period=may)
    assert card.template == v2
    assert "создана по версии 2" in client.get(url, {"period": may.pk}).content.decode()


@pytest.mark.parametrize("copy", ["template", "previous", "", "nonsense", "x" * 500])
@pytest.mark.parametrize("period", ["", "abc", "-1", "99999999999999999999999", "0"])
def test_odd_query_values_of_the_card_editor_never_fail(client, cast, copy, period):
    client.force_login(cast["users"]["hr"])
    url = reverse("card_edit", args=[cast["company"].pk, cast["people"]["anna"].pk])
    assert client.get(url, {"period": period, "copy": copy}).status_code == 404
    response = client.get(url, {"period": cast["period"].pk, "copy": copy})
    assert response.status_code == 200


def test_a_future_version_is_the_one_offered_and_the_list_names_it(client, cast):
    hr = cast["users"]["hr"]
    client.force_login(hr)
    position = seller(cast)
    today = timezone.localdate()
    start = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    kpi.card_template_create(
        actor=hr,
        position=position,
        valid_from=start,
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "4200"}],
    )
    page = client.get(reverse("template_edit", args=[cast["company"].pk, position.pk])).content.decode()
    shown = start.strftime("%d.%m.%Y")
    assert f"версия 2 вступает в силу {shown}; сегодня действует версия 1" in page
    assert editor_lines(page)[0]["target"] == "4200"  # the latest version is the one edited
    following = (start + dt.timedelta(days=32)).replace(day=1)
    assert f'name="valid_from" value="{following.isoformat()}"' in page
    listing = client.get(reverse("templates", args=[cast["company"].pk])).content.decode()
    assert f"v2 с {shown}" in listing


def test_a_retired_indicator_stays_offered_on_the_lines_that_hold_it(client, cast):
    hr = cast["users"]["hr"]
    client.force_login(hr)
    kpi.indicator_update(actor=hr, indicator=cast["indicator"], is_active=False)
    position = seller(cast)
    page = client.get(reverse("template_edit", args=[cast["company"].pk, position.pk])).content.decode()
    found = re.search(r'<script id="editor-data" type="application/json">(.*?)</script>', page, re.S)
    assert [i["label"] for i in json.loads(found.group(1))["indicators"]] == ["SALES — Продажи"]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the editor's script")
def test_the_folded_details_read_as_one_line_in_the_readers_numbers():
    data = {
        "lines": [
            {
                "indicator": "1",
                "level": "unit",
                "threshold": "3500",
                "planned_amount": "6000.5",
                "target": "4200",
            },
            {"indicator": "1", "level": "personal", "target": "123456789012,345", "gate_threshold": "10"},
        ],
        "indicators": [{"id": 1, "label": "SALES — Продажи"}],
        "scales": [],
        "levels": [{"id": "unit", "label": "подразделение"}, {"id": "personal", "label": "личный"}],
        "components": [],
        "positions": [],
        "currency": "RUB",
    }
    program = f"""
    global.document = {{ documentElement: {{ lang: "ru" }},
                         getElementById: () => ({{ textContent: {json.dumps(json.dumps(data))} }}) }};
    // the component as Alpine's CSP build receives it: registered by name on alpine:init
    global.window = {{ Alpine: {{ data: (name, make) => {{ window[name] = make; }} }} }};
    global.document.addEventListener = (event, run) => {{ if (event === "alpine:init") run(); }};
    require({json.dumps(str(SCRIPT))});
    const editor = window.cardEditor();
    console.log(JSON.stringify(editor.lines.map((line) => editor.summary(line))));
    """
    done = subprocess.run([shutil.which("node"), "-e", program], capture_output=True, text=True, check=True)
    first, second = (text.replace("\u00a0", " ") for text in json.loads(done.stdout))
    assert first == "подразделение · порог 3 500 · план. сумма 6 000,5 RUB"
    assert second == "личный · план 123 456 789 012,345 · ворота"
