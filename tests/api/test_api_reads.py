"""The API's reads: filters and orderings only as listed, traces in the caller's language and without pay
where pay is hidden, Decimals as exact text."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from motiva.calc.models import EmployeeResult

pytestmark = pytest.mark.django_db


def client_of(cast, name):
    client = APIClient()
    client.force_authenticate(cast["users"][name])
    return client


def items(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bogus=1", "bogus"),
        ("ordering=salary", "ordering"),
        ("ordering=-hire", "ordering"),
        ("organization=abc", "organization"),
        ("organization=99999999999999999999", "organization"),
        ("organization=-1", "organization"),
    ],
)
def test_unlisted_filters_and_orderings_are_refused_by_name(cast, query, field):
    answer = client_of(cast, "hr").get(f"/api/v1/people/?{query}")
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert answer.json()["errors"][0]["ru"] and answer.json()["errors"][0]["en"]


def test_filters_and_ordering(cast):
    hr = client_of(cast, "hr")
    numbers = [p["personnel_number"] for p in items(hr.get("/api/v1/people/?ordering=-personnel_number"))]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) == 9
    assert [p["last_name"] for p in items(hr.get("/api/v1/people/?personnel_number=7"))] == ["Аннина"]
    assert items(hr.get(f"/api/v1/people/?organization={cast['other'].pk}")) == []
    units = items(hr.get(f"/api/v1/units/?parent={cast['units']['root'].pk}&ordering=code"))
    assert [(u["code"], u["parent_code"]) for u in units] == [("S", "C"), ("V", "C")]
    periods = items(hr.get("/api/v1/periods/?start_from=2026-03-01&status=calculated"))
    assert [p["name"] for p in periods] == [cast["period"].name]
    assert hr.get("/api/v1/periods/?start_from=March").status_code == 400
    assert hr.get("/api/v1/indicators/?is_active=maybe").status_code == 400
    assert [i["code"] for i in items(hr.get("/api/v1/indicators/?is_active=true"))] == ["SALES"]


def test_a_result_trace_in_the_callers_language_and_without_pay_where_hidden(cast):
    result = EmployeeResult.objects.get(run=cast["run"], employee=cast["people"]["anna"])
    url = f"/api/v1/results/{result.pk}/"
    hr = client_of(cast, "hr").get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert hr["pay"] == "13444.4200"
    assert hr["trace"]["total"] == "13444.4200" or hr["trace"]["total"].startswith("13444.42")
    assert hr["trace"]["components"] and hr["trace"]["pay"]
    assert any("Contribution" in step or "weight" in step for step in hr["trace"]["lines"][0]["steps"])
    auditor = client_of(cast, "auditor").get(url).json()
    assert auditor["pay"] is None
    assert auditor["trace"]["components"] == [] and auditor["trace"]["pay"] == []
    assert auditor["trace"]["total"] is None
    assert auditor["trace"]["lines"][0]["fact"] == hr["trace"]["lines"][0]["fact"]


def test_cards_show_planned_amounts_only_with_the_pay(cast):
    from motiva.kpi.models import CardLine

    CardLine.objects.filter(card__employee=cast["people"]["anna"]).update(planned_amount=12345)
    card = items(client_of(cast, "auditor").get(f"/api/v1/cards/?employee={cast['people']['anna'].pk}"))[0]
    assert card["lines"][0]["planned_amount"] is None
    card = items(client_of(cast, "boss").get(f"/api/v1/cards/?employee={cast['people']['anna'].pk}"))[0]
    assert card["lines"][0]["planned_amount"] == "12345.00"
    assert items(client_of(cast, "boris").get(f"/api/v1/cards/?employee={cast['people']['anna'].pk}")) == []
