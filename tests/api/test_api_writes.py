"""The API's writes: plan and fact values in bulk (all or nothing, the grid's rights, a closed period),
absences and timesheet hours (HR only)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from motiva.org.models import Absence
from motiva.periods.models import IndicatorValue, Period, PeriodStatus
from motiva.worktime.models import Timesheet

pytestmark = pytest.mark.django_db


def client_of(cast, name):
    client = APIClient()
    client.force_authenticate(cast["users"][name])
    return client


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def fact(cast, person):
    return IndicatorValue.objects.get(period=cast["period"], employee=cast["people"][person], kind="fact")


def row(person, value, **more):
    return {
        "indicator": "SALES",
        "kind": "fact",
        "scope": "employee",
        "employee": person,
        "value": value,
        **more,
    }


def values_url(cast, period=None):
    return f"/api/v1/periods/{(period or cast['period']).pk}/values/"


def test_bulk_values_create_change_and_same(cast):
    IndicatorValue.objects.filter(employee=cast["people"]["carl"]).delete()
    answer = post(
        client_of(cast, "hr"),
        values_url(cast),
        {"values": [row("9", "120,5"), row("7", 111.25), row("8", "90")]},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"created": 1, "changed": 1, "same": 1}
    assert fact(cast, "carl").value == Decimal("120.5")
    assert fact(cast, "anna").value == Decimal("111.25")  # a JSON number read as Decimal, not float
    assert fact(cast, "carl").source == "api"


def test_a_bad_row_rejects_all_and_names_its_place(cast):
    answer = post(
        client_of(cast, "hr"),
        values_url(cast),
        {"values": [row("7", "111"), row("8", "девяносто"), row("9", "1", colour="red")]},
    )
    assert answer.status_code == 400
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"values[1].value", "values[2].colour"}
    assert all(e["ru"] and e["en"] for e in answer.json()["errors"])
    assert fact(cast, "anna").value == Decimal(110)  # nothing written


def test_unknown_indicator_and_duplicates_are_refused(cast):
    hr = client_of(cast, "hr")
    answer = post(hr, values_url(cast), {"values": [row("7", "1", indicator="NOPE")]})
    assert [e["field"] for e in answer.json()["errors"]] == ["values[0].indicator"]
    answer = post(hr, values_url(cast), {"values": [row("7", "1"), row("7", "2")]})
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["values[1]"]
    answer = post(hr, values_url(cast), {"values": [row("7", "1.0000001")]})
    assert [e["field"] for e in answer.json()["errors"]] == ["values[0].value"]  # not rounded silently
    answer = post(hr, values_url(cast), {"rows": []})
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "rows"


def test_a_closed_period_is_refused(cast):
    Period.objects.filter(pk=cast["period"].pk).update(status=PeriodStatus.CLOSED)
    answer = post(client_of(cast, "hr"), values_url(cast), {"values": [row("7", "111")]})
    assert answer.status_code == 409
    assert fact(cast, "anna").value == Decimal(110)


def test_a_manager_enters_only_their_subtree(cast):
    boss = client_of(cast, "boss")
    answer = post(boss, values_url(cast), {"values": [row("7", "101"), row("9", "101")]})
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["values[1].employee"]
    assert fact(cast, "anna").value == Decimal(110)
    answer = post(boss, values_url(cast), {"values": [row("7", "101")]})
    assert answer.status_code == 200 and answer.json()["changed"] == 1
    # nobody enters their own personal fact, not even through the API
    answer = post(boss, values_url(cast), {"values": [row("5", "101")]})
    assert answer.status_code == 400


@pytest.mark.parametrize("name", ["anna", "auditor", "admin", "fin"])
def test_who_enters_no_values_is_refused(cast, name):
    answer = post(client_of(cast, name), values_url(cast), {"values": [row("8", "1")]})
    assert answer.status_code in (403, 400)
    assert fact(cast, "boris").value == Decimal(90)


def test_another_organizations_period_is_404(cast):
    answer = post(client_of(cast, "hr"), values_url(cast, cast["other_period"]), {"values": [row("1", "1")]})
    assert answer.status_code == 404


def test_absences_by_hr(cast):
    anna = cast["people"]["anna"]
    url = f"/api/v1/people/{anna.pk}/absences/"
    hr = client_of(cast, "hr")
    answer = post(hr, url, {"kind": "vacation", "start_date": "2026-05-04", "end_date": "2026-05-08"})
    assert answer.status_code == 201, answer.content
    assert Absence.objects.filter(employee=anna, kind="vacation").count() == 1
    listed = hr.get(url)
    assert listed.status_code == 200
    items = listed.json()["results"] if isinstance(listed.json(), dict) else listed.json()
    assert [a["start_date"] for a in items] == ["2026-05-04"]
    overlap = post(hr, url, {"kind": "sick", "start_date": "2026-05-06", "end_date": "2026-05-07"})
    assert overlap.status_code == 400 and overlap.json()["errors"][0]["field"] == "start_date"
    bad = post(hr, url, {"kind": "holiday", "start_date": "05.05.2026", "end_date": "2026-05-08", "x": 1})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"x", "start_date"}
    for name in ("boss", "anna", "auditor", "fin"):
        assert client_of(cast, name).get(url).status_code == 404
        assert post(client_of(cast, name), url, {"kind": "sick"}).status_code == 404
    assert Absence.objects.filter(employee=anna).count() == 1


def test_timesheets_by_hr(cast):
    url = f"/api/v1/periods/{cast['period'].pk}/timesheets/"
    hr = client_of(cast, "hr")
    answer = post(hr, url, {"employee": "7", "hours": "160,5"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["hours"] == "160.50"
    assert Timesheet.objects.get(employee=cast["people"]["anna"]).hours == Decimal("160.5")
    assert post(hr, url, {"employee": "7", "hours": 150}).status_code == 200
    assert Timesheet.objects.get(employee=cast["people"]["anna"]).hours == Decimal(150)
    bad = post(hr, url, {"employee": "7", "hours": "-3"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "hours"
    missing = post(hr, url, {"employee": "nobody", "hours": "1"})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "employee"
    listed = hr.get(url).json()
    items = listed["results"] if isinstance(listed, dict) else listed
    assert [(t["employee"], t["hours"]) for t in items] == [("7", "150.00")]
    for name in ("boss", "anna", "auditor", "fin"):
        assert client_of(cast, name).get(url).status_code == 404
    Period.objects.filter(pk=cast["period"].pk).update(status=PeriodStatus.CLOSED)
    assert post(hr, url, {"employee": "8", "hours": "1"}).status_code == 400


def signed_in(cast, name):
    """A client of the user with credentials the idempotency layer sees (it runs before the view)."""
    client = APIClient()
    client.force_login(cast["users"][name])
    return client


def test_a_retry_with_the_idempotency_key_creates_nothing_twice(cast):
    from motiva.core.models import AuditEvent

    IndicatorValue.objects.filter(employee=cast["people"]["carl"]).delete()
    hr = signed_in(cast, "hr")
    body = {"values": [row("9", "125")]}
    first = post(hr, values_url(cast), body, HTTP_IDEMPOTENCY_KEY="values-retry-0001")
    assert first.status_code == 200 and first.json() == {"created": 1, "changed": 0, "same": 0}
    events = AuditEvent.objects.count()
    again = post(hr, values_url(cast), body, HTTP_IDEMPOTENCY_KEY="values-retry-0001")
    assert again.status_code == 200 and again.json() == first.json()  # the first answer, not redone
    assert again["Idempotent-Replay"] == "true"
    assert IndicatorValue.objects.filter(employee=cast["people"]["carl"], kind="fact").count() == 1
    assert AuditEvent.objects.count() == events
    # the same key with another body is refused; a new request without a key finds the value there
    other = post(
        hr, values_url(cast), {"values": [row("9", "126")]}, HTTP_IDEMPOTENCY_KEY="values-retry-0001"
    )
    assert other.status_code == 422
    assert fact(cast, "carl").value == Decimal(125)
    assert post(hr, values_url(cast), body).json() == {"created": 0, "changed": 0, "same": 1}


def test_an_import_jobs_status_for_its_uploader_and_hr(cast):
    from motiva.imports.models import ImportJob

    job = ImportJob.objects.create(
        organization=cast["company"],
        kind="facts",
        period=cast["period"],
        original_name="facts.csv",
        sha256="a" * 64,
        status="previewing",
        done=5,
        total=20,
        counts={"create": 4, "change": 1},
        problems=[{"field": "Строка 3, столбец C", "ru": "не число", "en": "not a number"}],
        created_by=cast["users"]["boss"],
    )
    url = f"/api/v1/imports/{job.pk}/"
    for name in ("boss", "hr"):
        answer = client_of(cast, name).get(url)
        assert answer.status_code == 200
        data = answer.json()
        assert (data["status"], data["done"], data["total"], data["percent"]) == ("previewing", 5, 20, 25)
        assert data["counts"] == {"create": 4, "change": 1}
        assert data["problems"][0]["field"] == "Строка 3, столбец C"
        assert data["file_name"] == "facts.csv" and data["period"] == cast["period"].pk
    for name in ("anna", "boss2", "auditor", "fin", "outsider"):
        assert client_of(cast, name).get(url).status_code == 404
    assert client_of(cast, "hr").get(f"/api/v1/imports/{job.pk + 1000}/").status_code == 404
