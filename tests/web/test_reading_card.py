"""The employee's card, "my team" and the home page as their readers see them: the current period,
every sort and period choice (odd values too), "their" wording for HR, levels paid with another period."""

from __future__ import annotations

import datetime as dt
import re
import types

import pytest
from django.urls import reverse
from django.utils import timezone

from motiva.kpi import services as kpi
from motiva.org.models import Block
from motiva.periods import services as periods
from motiva.periods.models import Period, PeriodStatus
from motiva.web import people as people_view

pytestmark = pytest.mark.django_db


def on(monkeypatch, day: dt.date) -> None:
    """The pages' "today"."""
    fake = types.SimpleNamespace(localdate=lambda *a: day, now=timezone.now)
    monkeypatch.setattr(people_view, "timezone", fake)


def visible(response) -> str:
    body = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body[body.index("<main>") :]))


# --- my team ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("name", ["Аннина", "Борисов"]),
        ("-name", ["Борисов", "Аннина"]),
        ("-result", ["Аннина", "Борисов"]),  # 110 before 90
        ("result", ["Борисов", "Аннина"]),
        ("-pay", ["Аннина", "Борисов"]),
        ("pay", ["Борисов", "Аннина"]),
    ],
)
def test_my_team_sorts_by_every_column(client, cast, sort, order):
    client.force_login(cast["users"]["boss"])
    response = client.get(reverse("team", args=[cast["company"].pk]), {"sort": sort})
    assert response.status_code == 200
    names = [r["employee"].last_name for r in response.context["rows"]]
    assert names == order, sort


@pytest.mark.parametrize(
    "sort", ["", "-", "--name", "nam", "name;drop", "ИМЯ", "employee", "pay" * 40, "\x00"]
)
def test_an_unknown_sort_is_named_and_the_team_sorted_by_result(client, cast, sort):
    client.force_login(cast["users"]["boss"])
    response = client.get(reverse("team", args=[cast["company"].pk]), {"sort": sort})
    assert response.status_code == 200
    assert [r["employee"].last_name for r in response.context["rows"]] == ["Аннина", "Борисов"]
    assert ("Сортировка: неизвестный порядок" in visible(response)) == bool(sort)


@pytest.mark.parametrize("period", ["abc", "999999999", "-1", "1e3", "", "1" * 30, "other"])
def test_an_odd_team_period_shows_the_current_one(client, cast, period):
    if period == "other":
        period = str(cast["other_period"].pk)  # another organization's period
    client.force_login(cast["users"]["boss"])
    response = client.get(reverse("team", args=[cast["company"].pk]), {"period": period})
    assert response.status_code == 200
    assert response.context["period"] == cast["period"]
    if period:
        assert "Период: у вашей команды нет такого периода" in visible(response)


# --- the current period ---------------------------------------------------------------------


@pytest.fixture
def april_and_june(cast):
    """A future period with cards, and another one after it (planning)."""
    made = []
    for start in (dt.date(2026, 4, 1), dt.date(2026, 6, 1)):
        period = periods.period_create(
            actor=cast["users"]["admin"], organization=cast["company"], kind="month", start=start
        )
        kpi.cards_create_for_period(
            actor=cast["users"]["admin"], period=period, employees=[cast["people"]["anna"]]
        )
        made.append(period)
    return made


def test_home_and_card_show_the_period_containing_today_not_a_future_one(
    client, cast, april_and_june, monkeypatch
):
    on(monkeypatch, dt.date(2026, 3, 20))
    client.force_login(cast["users"]["anna"])
    home = client.get(reverse("home"))
    assert home.context["my_result"]["period"] == cast["period"]
    card = client.get(reverse("employee_card", args=[cast["company"].pk, cast["people"]["anna"].pk]))
    assert card.context["period"] == cast["period"]


def test_between_periods_the_latest_begun_is_current(client, cast, april_and_june, monkeypatch):
    on(monkeypatch, dt.date(2026, 5, 10))  # April has begun and ended, June is ahead
    client.force_login(cast["users"]["anna"])
    assert client.get(reverse("home")).context["my_result"]["period"] == april_and_june[0]
    on(monkeypatch, dt.date(2025, 1, 10))  # before every period: the nearest one
    assert client.get(reverse("home")).context["my_result"]["period"] == cast["period"]


@pytest.mark.parametrize("period", ["abc", "999999999", "-5", "1.0", "other"])
def test_an_odd_card_period_is_named_and_the_current_one_shown(client, cast, period):
    if period == "other":
        period = str(cast["other_period"].pk)
    client.force_login(cast["users"]["hr"])
    response = client.get(
        reverse("employee_card", args=[cast["company"].pk, cast["people"]["anna"].pk]), {"period": period}
    )
    assert response.status_code == 200
    assert response.context["period"] == cast["period"]
    assert "Период: у этой карты нет такого периода" in visible(response)


# --- whose card -----------------------------------------------------------------------------


def test_hr_reads_their_wording_and_the_employee_my(client, cast):
    url = reverse("employee_card", args=[cast["company"].pk, cast["people"]["anna"].pk])
    client.force_login(cast["users"]["hr"])
    page = visible(client.get(url))
    assert "Как считается премия сотрудника" in page
    assert (
        "Как считается моя премия" not in page
        and "Мои результаты" not in page
        and "Моя карта" not in page.split("Аннина")[1]
    )
    client.force_login(cast["users"]["anna"])
    page = visible(client.get(url))
    assert "Как считается моя премия" in page


def test_the_card_speaks_one_language(client, cast):
    url = reverse("employee_card", args=[cast["company"].pk, cast["people"]["anna"].pk])
    client.force_login(cast["users"]["anna"])
    page = visible(client.get(url))
    assert "Result" not in page and "Level" not in page
    assert "факт = 110" in page and "/ fact" not in page and "/ plan" not in page  # the trace's inputs too
    client.cookies["django_language"] = "en"
    page = visible(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Результат" not in page and "Уровень" not in page
    assert "fact = 110" in page and "факт =" not in page and "план =" not in page


# --- levels paid on periods of their own ------------------------------------------------------


def test_levels_paid_with_another_period_are_marked_and_left_out_of_this_result(client, cast, monkeypatch):
    """A three-level scheme paying the company level yearly: in a month, only the personal level is paid."""
    admin = cast["users"]["admin"]
    company = cast["company"]
    scheme = kpi.scheme_create(
        actor=admin,
        organization=company,
        name="Три уровня",
        kind="three_level",
        params={
            "level_periods": {"company": "year", "unit": "month", "personal": "month"},
            "target_bonus_percent": {Block.ADMINISTRATIVE: {"G3": "20"}, Block.PRODUCTION: {"G3": "20"}},
            "level_shares": {"default": ["50", "0", "50"]},
        },
    )
    anna = cast["people"]["anna"]
    position = anna.assignments.get().position
    kpi.card_template_create(
        actor=admin,
        position=position,
        valid_from=dt.date(2026, 5, 1),
        scheme=scheme,
        lines=[
            {
                "indicator": cast["indicator"],
                "weight": "50",
                "scale": cast["scale"],
                "target": "100",
                "level": "company",
            },
            {
                "indicator": cast["indicator"],
                "weight": "50",
                "scale": cast["scale"],
                "target": "100",
                "level": "personal",
            },
        ],
    )
    may = periods.period_create(actor=admin, organization=company, kind="month", start=dt.date(2026, 5, 1))
    kpi.cards_create_for_period(actor=admin, period=may, employees=[anna])
    periods.value_set(
        actor=admin, indicator=cast["indicator"], period=may, kind="fact", value=80, scope="company"
    )
    periods.value_set(
        actor=admin,
        indicator=cast["indicator"],
        period=may,
        kind="fact",
        value=120,
        scope="employee",
        employee=anna,
    )
    client.force_login(cast["users"]["anna"])
    response = client.get(reverse("employee_card", args=[company.pk, anna.pk]), {"period": may.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="paid-elsewhere"') == 1
    assert "оплачивается по итогам года" in body
    dues = response.context["due_results"]
    assert [d["level"] for d in dues] == ["личный"]
    assert str(dues[0]["result"]).startswith("120")  # the personal level alone, not (80 + 120) / 2
    assert 'data-testid="split-levels"' in body
    # so does the manager's team: Anna's row is her personal level
    client.force_login(cast["users"]["boss"])
    team = client.get(reverse("team", args=[company.pk]), {"period": may.pk})
    (row,) = team.context["rows"]
    assert [x["level"] for x in row["levels"]] == ["личный"] and str(row["result"]).startswith("120")
    assert 'data-testid="split-levels"' in team.content.decode()
    client.force_login(cast["users"]["anna"])
    # the home page reads the same: May is current, its result is the personal level's
    on(monkeypatch, dt.date(2026, 5, 15))
    mine = client.get(reverse("home")).context["my_result"]
    assert mine["period"] == may and [d["level"] for d in mine["due"]] == ["личный"]
    assert str(mine["due"][0]["result"]).startswith("120")


# --- what a reader without pay rights sees ----------------------------------------------------


@pytest.mark.parametrize("status", [PeriodStatus.CALCULATED, PeriodStatus.FACT_COLLECTION])
def test_the_auditor_reads_the_scores_and_no_money_on_a_stored_result_and_a_projection(client, cast, status):
    """The same rule for a stored result and a forecast computed on the page: the lines, scores and the
    card's steps, never a pay component, an amount or a pay step; HR reads both."""
    Period.objects.filter(pk=cast["period"].pk).update(status=status)
    url = reverse("employee_card", args=[cast["company"].pk, cast["people"]["anna"].pk])
    client.force_login(cast["users"]["hr"])
    response = client.get(url)
    assert response.context["mode"] == ("calculated" if status == PeriodStatus.CALCULATED else "projection")
    page = visible(response)
    assert "Итоговая результативность" in page and "Целевая премия" in page and "13 444,42" in page
    client.force_login(cast["users"]["auditor"])
    response = client.get(url)
    page = visible(response)
    assert "Итоговая результативность" in page and "110 %" in page
    assert "Целевая премия" not in page and "13 444,42" not in page and "Итого к выплате" not in page
    explained = response.context["explained"]
    assert explained["components"] == [] and explained["pay"] == [] and explained["total"] is None
