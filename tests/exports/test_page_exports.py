"""Exports of the pages' tables (?format=xlsx|csv on the page): my team and the people list — the page's
rows for each viewer, the page's 404s, filters kept, no pay where the page hides it, names inert."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motiva.org.models import Assignment, Employee
from tests.exports.helpers import csv_rows, xlsx_rows
from tests.web.test_access import PAY, SALARIES, money_of

pytestmark = pytest.mark.django_db


def team(cast, query=""):
    return reverse("team", args=[cast["company"].pk]) + query


def people(cast, query=""):
    return reverse("staff_people", args=[cast["company"].pk]) + query


def test_my_team_export_is_the_managers_team(client, cast):
    client.force_login(cast["users"]["boss"])
    page = client.get(team(cast))
    assert "format=xlsx" in page.content.decode()
    rows = xlsx_rows(client.get(team(cast, "?format=xlsx")))
    assert {r[2].split()[0] for r in rows[1:]} == {"Аннина", "Борисов"}
    anna = next(r for r in rows[1:] if r[2].startswith("Аннина"))
    assert (
        str(anna[5]) == str(PAY["anna"]).rstrip("0").rstrip(".") or abs(anna[5] - float(PAY["anna"])) < 0.01
    )
    csv = csv_rows(client.get(team(cast, f"?format=csv&period={cast['period'].pk}&sort=name")))
    assert [r[2].split()[0] for r in csv[1:]] == ["Аннина", "Борисов"]
    csv = csv_rows(client.get(team(cast, f"?format=csv&period={cast['period'].pk}&sort=-name")))
    assert [r[2].split()[0] for r in csv[1:]] == ["Борисов", "Аннина"]


def test_my_team_export_answers_where_the_page_does(client, cast):
    for user in ("anna", "auditor", "outsider"):
        client.force_login(cast["users"][user])
        assert client.get(team(cast)).status_code == 404
        assert client.get(team(cast, "?format=csv")).status_code == 404
    client.force_login(cast["users"]["boss"])
    assert client.get(team(cast, "?format=doc")).status_code == 400
    assert client.get(team(cast, "?format=csv"), HTTP_SEC_FETCH_SITE="cross-site").status_code == 403


def test_people_export_has_every_matching_person_and_salary_only_where_visible(client, cast):
    client.force_login(cast["users"]["hr"])
    assert "format=csv" in client.get(people(cast, "?q=Аннина")).content.decode()
    rows = xlsx_rows(client.get(people(cast, "?format=xlsx")))
    assert len(rows) == 1 + 9
    assert "Salary" in rows[0] or "Оклад" in rows[0] or len(rows[0]) == 10
    csv = csv_rows(client.get(people(cast, "?format=csv&q=Аннина")))
    assert len(csv) == 2 and csv[1][0] == "7"
    assert any(v in ";".join(csv[1]) for v in money_of("anna"))
    client.force_login(cast["users"]["auditor"])
    response = client.get(people(cast, "?format=csv"))
    text = response.content.decode("utf-8-sig")
    assert len(csv_rows(response)) == 10
    for name in SALARIES:
        assert not any(v in text for v in money_of(name)), name


def test_a_manager_exports_only_his_subtree(client, cast):
    client.force_login(cast["users"]["boss"])
    response = client.get(people(cast, "?format=csv&status=active&sort=-number"))
    rows = csv_rows(response)
    assert [r[0] for r in rows[1:]] == ["8", "7", "5"]
    text = response.content.decode("utf-8-sig")
    assert not any(v in text for v in money_of("carl"))
    client.force_login(cast["users"]["outsider"])
    assert client.get(people(cast, "?format=csv")).status_code == 404


def test_people_filters_and_bad_values(client, cast):
    client.force_login(cast["users"]["hr"])
    sales = Assignment.objects.filter(employee=cast["people"]["anna"]).first().unit_id
    rows = csv_rows(client.get(people(cast, f"?format=csv&unit={sales}")))
    assert {r[1].split()[0] for r in rows[1:]} == {"Аннина", "Борисов", "Начальников"}
    assert len(csv_rows(client.get(people(cast, "?format=csv&status=terminated")))) == 1
    assert len(csv_rows(client.get(people(cast, "?format=csv&status=future")))) == 1
    assert client.get(people(cast, "?format=csv&status=bogus")).status_code == 200
    assert client.get(people(cast, "?format=xml")).status_code == 400


def test_formula_and_control_characters_in_names(client, cast):
    Employee.objects.filter(pk=cast["people"]["anna"].pk).update(last_name="=1+2", first_name="＠cmd\x07")
    client.force_login(cast["users"]["hr"])
    rows = csv_rows(client.get(people(cast, "?format=csv&sort=number")))
    anna = next(r for r in rows if r[0] == "7")
    assert anna[1].startswith("'=1+2") and "\x07" not in anna[1]
    sheet = xlsx_rows(client.get(people(cast, "?format=xlsx&sort=number")))
    assert next(r for r in sheet if r[0] == "7")[1].startswith("=1+2")
    client.force_login(cast["users"]["boss"])
    csv = csv_rows(client.get(team(cast, "?format=csv")))
    assert any(r[2].startswith("'=1+2") and "\x07" not in r[2] for r in csv[1:])


def facts(cast, query=""):
    return reverse("facts", args=[cast["company"].pk, cast["period"].pk]) + query


def test_fact_grid_export_is_the_shown_grid(client, cast):
    client.force_login(cast["users"]["hr"])
    assert "format=xlsx" in client.get(facts(cast)).content.decode()
    rows = xlsx_rows(client.get(facts(cast, "?format=xlsx&level=personal&kind=fact")))
    assert rows[0][:3] == ("Табельный номер", "Сотрудник", "Подразделение")
    assert rows[0][3].startswith("Продажи")
    by_number = {r[0]: r[3] for r in rows[1:]}
    assert by_number == {"5": 100, "6": 100, "7": 110, "8": 90, "9": 120}
    csv = csv_rows(client.get(facts(cast, "?format=csv&level=personal&q=Аннина")))
    assert [r[0] for r in csv[1:]] == ["7"] and csv[1][3] == "110"
    assert len(csv_rows(client.get(facts(cast, "?format=csv&missing=1")))) == 1
    plans = csv_rows(client.get(facts(cast, "?format=csv&kind=plan")))
    assert plans[0] == csv_rows(client.get(facts(cast, "?format=csv")))[0]  # kind is the page's choice
    sales = Assignment.objects.filter(employee=cast["people"]["anna"]).first()
    csv = csv_rows(client.get(facts(cast, f"?format=csv&unit={sales.unit_id}&indicator=999999")))
    assert len(csv) >= 1  # an unknown indicator is named on the page and left out, never a 500
    assert client.get(facts(cast, "?format=csv&page=2")).status_code == 200


def test_fact_grid_export_answers_where_the_page_does(client, cast):
    client.force_login(cast["users"]["boss"])
    rows = csv_rows(client.get(facts(cast, "?format=csv&level=personal")))
    assert {r[0] for r in rows[1:]} <= {"5", "7", "8"}
    for user in ("anna", "auditor", "outsider"):
        client.force_login(cast["users"][user])
        assert (
            client.get(facts(cast)).status_code == client.get(facts(cast, "?format=csv")).status_code == 404
        )
    client.force_login(cast["users"]["hr"])
    assert client.get(facts(cast, "?format=ods")).status_code == 400
    assert client.get(facts(cast, "?format=csv"), HTTP_REFERER="https://evil.example/").status_code == 403
