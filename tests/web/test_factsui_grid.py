"""The fact grid: each person shows only the indicators on their card for the level; a value for any other
cell is refused, naming it; each role is offered only the levels it enters or confirms; filters and every
GET parameter, odd values included; company and unit plans; a query count that does not grow with people."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from motiva.kpi import services as kpi
from motiva.kpi.models import Card
from motiva.org import services as org
from motiva.periods.models import IndicatorValue, PeriodStatus
from motiva.periods.services import period_transition

pytestmark = pytest.mark.django_db


def position_of(employee):
    return employee.assignments.get().position


@pytest.fixture
def grid(cast):
    """March back in fact collection. Anna's card: sales and calls; Carl's: sales, the service unit's
    quality (confirmed by the head of service) and the company's EBITDA; the others: sales only."""
    admin, hr = cast["users"]["admin"], cast["users"]["hr"]
    period, company, ratio = cast["period"], cast["company"], cast["scale"]
    for status in (PeriodStatus.REVIEW, PeriodStatus.FACT_COLLECTION):
        period_transition(actor=hr, period=period, to_status=status)
    calls = kpi.indicator_create(actor=admin, organization=company, code="CALLS", name="Звонки клиентам")
    quality = kpi.indicator_create(actor=admin, organization=company, code="QUALITY", name="Качество сервиса")
    ebitda = kpi.indicator_create(actor=admin, organization=company, code="EBITDA", name="EBITDA компании")
    people = cast["people"]
    sales = cast["indicator"]

    def line(indicator, weight, **extra):
        return {"indicator": indicator, "weight": weight, "scale": ratio, "target": "100", **extra}

    kpi.card_replace_lines(
        actor=admin,
        card=Card.objects.get(period=period, employee=people["anna"]),
        lines=[line(sales, "60"), line(calls, "40")],
    )
    kpi.card_replace_lines(
        actor=admin,
        card=Card.objects.get(period=period, employee=people["carl"]),
        lines=[
            line(sales, "50"),
            line(quality, "30", level="unit", confirmer_position=position_of(people["boss2"])),
            line(ebitda, "20", level="company"),
        ],
    )
    return {**cast, "calls": calls, "quality": quality, "ebitda": ebitda}


def url(cast, **params):
    base = reverse("facts", args=[cast["company"].pk, cast["period"].pk])
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return base + ("?" + query if query else "")


def get(client, cast, user, **params):
    client.force_login(cast["users"][user])
    return client.get(url(cast, **params))


def cell(indicator, scope_key):
    return f"c:{indicator.pk}:{scope_key}"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_each_person_shows_only_the_indicators_on_their_card(client, grid):
    anna, boris = grid["people"]["anna"], grid["people"]["boris"]
    page = get(client, grid, "hr").content.decode()
    assert f'name="{cell(grid["calls"], f"employee:{anna.pk}")}"' in page
    assert f'name="{cell(grid["calls"], f"employee:{boris.pk}")}"' not in page  # not on his card
    assert f'name="{cell(grid["indicator"], f"employee:{boris.pk}")}"' in page
    # Columns are named; the code is on hover.
    assert re.search(r'<th class="n" title="CALLS"[^>]*>Звонки клиентам', page)
    assert "Качество сервиса" not in page  # a unit-level indicator is not a personal column
    # A manager's grid has only the columns of his people's cards: the calls (Anna) and sales.
    page = get(client, grid, "boss2").content.decode()
    assert "Звонки клиентам" not in page and "Карлов" in page and "Аннина" not in page


def test_a_value_for_an_indicator_not_on_the_card_is_refused_and_nothing_is_saved(client, grid):
    anna, boris = grid["people"]["anna"], grid["people"]["boris"]
    client.force_login(grid["users"]["hr"])
    response = client.post(
        url(grid),
        {
            cell(grid["calls"], f"employee:{anna.pk}"): "40",
            cell(grid["calls"], f"employee:{boris.pk}"): "55",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Звонки клиентам · Борисов" in text and "нет в карте" in text
    assert not IndicatorValue.objects.filter(indicator=grid["calls"]).exists()  # Anna's neither
    response = client.post(url(grid), {cell(grid["calls"], f"employee:{anna.pk}"): "40"})
    assert response.status_code == 302
    assert IndicatorValue.objects.get(indicator=grid["calls"], employee=anna).value == Decimal(40)


def test_each_role_is_offered_only_the_levels_it_enters_or_confirms(client, grid):
    options = re.compile(r'<option value="(personal|unit|company)"')
    assert set(options.findall(get(client, grid, "hr").content.decode())) == {"personal", "unit", "company"}
    # The head of service confirms the unit's quality: he has the unit level too, but not the company.
    assert set(options.findall(get(client, grid, "boss2").content.decode())) == {"personal", "unit"}
    # The head of sales enters his people's facts only: no level choice at all.
    page = get(client, grid, "boss").content.decode()
    assert not options.findall(page) and 'name="level" value="personal"' in page
    for user in ("anna", "auditor", "fin", "outsider"):
        assert get(client, grid, user).status_code == 404


def test_a_level_the_viewer_may_not_use_is_named_and_posting_it_is_refused(client, grid):
    service = grid["units"]["service"]
    response = get(client, grid, "boss", level="unit")
    assert response.status_code == 200
    assert any("Уровень" in m and "Подразделения" in m for m in messages_of(response))
    assert response.context["level"] == "personal"
    response = client.post(url(grid, level="unit"), {cell(grid["quality"], f"unit:{service.pk}"): "95"})
    assert response.status_code == 400
    assert not IndicatorValue.objects.filter(indicator=grid["quality"]).exists()
    # The head of service confirms the unit value but does not enter it.
    client.force_login(grid["users"]["boss2"])
    response = client.post(url(grid, level="unit"), {cell(grid["quality"], f"unit:{service.pk}"): "95"})
    assert response.status_code == 400
    assert not IndicatorValue.objects.filter(indicator=grid["quality"]).exists()


def test_hr_enters_unit_and_company_facts_and_plans_in_the_grid(client, grid):
    service, sales_unit = grid["units"]["service"], grid["units"]["sales"]
    response = get(client, grid, "hr", level="unit")
    # Only the units whose people have unit lines.
    assert [r["row"].name for r in response.context["table"]] == ["Сервис"]
    client.force_login(grid["users"]["hr"])
    response = client.post(
        url(grid, level="unit"), {cell(grid["quality"], f"unit:{sales_unit.pk}"): "80"}
    )  # a unit not in the grid
    assert response.status_code == 400
    response = client.post(url(grid, level="unit"), {cell(grid["quality"], f"unit:{service.pk}"): "97,5"})
    assert response.status_code == 302
    value = IndicatorValue.objects.get(indicator=grid["quality"], unit=service, kind="fact")
    assert value.value == Decimal("97.5")
    response = client.post(
        url(grid, level="company", kind="plan"), {cell(grid["ebitda"], "company"): "1 250"}
    )
    assert response.status_code == 302
    plan = IndicatorValue.objects.get(indicator=grid["ebitda"], scope="company", kind="plan")
    assert plan.value == Decimal(1250)
    assert not IndicatorValue.objects.filter(indicator=grid["ebitda"], kind="fact").exists()
    page = get(client, grid, "hr", level="company", kind="plan").content.decode()
    assert "Планы" in page and 'value="1250"' in page.replace("\u00a0", "").replace(" ", "")
    # Nobody but HR enters plans: the head of service is shown facts.
    response = get(client, grid, "boss2", level="unit", kind="plan")
    assert response.status_code == 200 and response.context["kind"] == "fact"


def test_the_filters_narrow_the_rows_and_columns(client, grid):
    anna, boris, carl = (grid["people"][n] for n in ("anna", "boris", "carl"))
    response = get(client, grid, "hr", unit=grid["units"]["sales"].pk)
    names = [r["row"].pk for r in response.context["table"]]
    assert anna.pk in names and boris.pk in names and carl.pk not in names
    response = get(client, grid, "hr", indicator=grid["calls"].pk)
    assert [r["row"].pk for r in response.context["table"]] == [anna.pk]
    assert [c.code for c in response.context["columns"]] == ["CALLS"]
    # Missing only: Anna has no calls yet; Boris has everything his card asks for.
    response = get(client, grid, "hr", missing="1")
    assert [r["row"].pk for r in response.context["table"]] == [anna.pk]
    response = get(client, grid, "hr", q="Карл")
    assert [r["row"].pk for r in response.context["table"]] == [carl.pk]
    response = get(client, grid, "hr", level="unit", missing="1")
    assert [r["row"].name for r in response.context["table"]] == ["Сервис"]
    response = get(client, grid, "hr", level="company", missing="1")
    assert len(response.context["table"]) == 1


ODD_PARAMETERS = [
    {"level": "xyz"},
    {"level": "unit"},
    {"level": ""},
    {"kind": "plan"},
    {"kind": "zzz"},
    {"unit": "abc"},
    {"unit": "999999"},
    {"unit": "-1"},
    {"indicator": "abc"},
    {"indicator": "999999"},
    {"missing": "abc"},
    {"page": "999"},
    {"page": "abc"},
    {"page": "-3"},
    {"q": "%25"},
    {"q": "x" * 300},
    {"level": "company", "q": "zzz", "missing": "1"},
    {"level": "unit", "unit": "abc", "indicator": "0", "page": "0"},
]


@pytest.mark.parametrize("user", ["hr", "boss", "boss2", "gd"])
def test_every_get_parameter_with_odd_values_gives_a_page(client, grid, user):
    for params in ODD_PARAMETERS:
        response = get(client, grid, user, **params)
        assert response.status_code == 200, params
        if params.get("unit") in ("abc", "999999", "-1"):
            assert any("Подразделение" in m for m in messages_of(response)), params
        if params.get("level") == "xyz":
            assert any("xyz" in m for m in messages_of(response)), params


def test_the_grid_of_another_organization_is_not_found(client, grid):
    client.force_login(grid["users"]["hr"])
    other = reverse("facts", args=[grid["company"].pk, grid["other_period"].pk])
    assert client.get(other).status_code == 404


def test_the_number_of_queries_does_not_grow_with_the_people_shown(client, grid):
    client.force_login(grid["users"]["hr"])
    client.get(url(grid))  # warm up (sessions, content types, the grid's remembered summary)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(grid)).status_code == 200
        return len(queries)

    before = count()
    admin, period = grid["users"]["admin"], grid["period"]
    seller = position_of(grid["people"]["anna"])
    hired = [
        org.employee_hire(
            actor=admin,
            organization=grid["company"],
            personnel_number=f"N{n}",
            last_name=f"Новиков{n}",
            first_name="Иван",
            hire_date=dt.date(2024, 1, 1),
            position=seller,
            salary=Decimal(50000),
            manager=grid["people"]["boss"],
        )
        for n in range(12)
    ]
    kpi.cards_create_for_period(actor=admin, period=period, employees=hired)
    cold = count()  # the cards changed: the lines' summary and the row order are read again
    assert cold <= before + 2
    assert count() == before


def test_a_value_with_more_places_than_kept_is_refused_with_the_reason(client, grid):
    client.force_login(grid["users"]["hr"])
    anna = grid["people"]["anna"]
    before = IndicatorValue.objects.get(indicator=grid["indicator"], employee=anna, kind="fact").value
    response = client.post(url(grid), {cell(grid["indicator"], f"employee:{anna.pk}"): "1,0000001"})
    assert response.status_code == 400
    assert "Не больше 6 знаков после запятой" in response.content.decode()
    assert IndicatorValue.objects.get(indicator=grid["indicator"], employee=anna, kind="fact").value == before
