"""The audit log export: the page's filters and its pay masking, every change (not one page)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from motiva.org.models import Employee
from tests.exports.helpers import csv_rows, xlsx_rows
from tests.web.test_access import SALARIES, variants

pytestmark = pytest.mark.django_db


def audit(cast, query=""):
    return reverse("audit", args=[cast["company"].pk]) + query


def test_the_auditor_gets_no_pay_and_hr_gets_it(client, cast):
    client.force_login(cast["users"]["auditor"])
    assert "format=csv" in client.get(audit(cast, "?person=Аннина")).content.decode()
    for query in ("", "&person=Аннина", "&entity=org.Assignment", "&field=salary"):
        response = client.get(audit(cast, "?format=csv" + query))
        text = response.content.decode("utf-8-sig")
        assert len(csv_rows(response)) > 1, query
        assert not any(v in text for v in variants(SALARIES["anna"])), query
    client.force_login(cast["users"]["hr"])
    text = client.get(audit(cast, "?format=csv&person=Аннина&field=salary")).content.decode("utf-8-sig")
    assert any(v in text for v in variants(SALARIES["anna"]))


def test_filters_are_the_pages(client, cast):
    client.force_login(cast["users"]["hr"])
    everything = csv_rows(client.get(audit(cast, "?format=csv")))
    header = everything[0]
    assert header[0] in ("Когда", "When")
    rows = xlsx_rows(client.get(audit(cast, "?format=xlsx")))
    assert isinstance(rows[1][0], dt.datetime)
    assert len(rows) == len(everything)
    assert len(csv_rows(client.get(audit(cast, "?format=csv&from=2999-01-01")))) == 1
    assert len(csv_rows(client.get(audit(cast, "?format=csv&to=2000-01-01")))) == 1
    by_hr = csv_rows(client.get(audit(cast, "?format=csv&who=hr")))
    assert len(by_hr) > 1 and {r[1] for r in by_hr[1:] if r[1]} == {"hr"}
    assert len(csv_rows(client.get(audit(cast, "?format=csv&q=Аннина")))) > 1
    assert client.get(audit(cast, "?format=csv&from=not-a-date")).status_code == 200
    assert client.get(audit(cast, "?format=csv&page=99")).status_code == 200
    assert client.get(audit(cast, "?format=xls")).status_code == 400


def test_only_those_who_read_the_audit_log(client, cast):
    for user in ("anna", "boss", "fin", "outsider"):
        client.force_login(cast["users"][user])
        assert client.get(audit(cast)).status_code == 404
        assert client.get(audit(cast, "?format=csv")).status_code == 404
    client.force_login(cast["users"]["hr"])
    refused = client.get(audit(cast, "?format=csv"), HTTP_SEC_FETCH_SITE="cross-site")
    assert refused.status_code == 403 and refused.content == b""


def test_names_are_inert(client, cast):
    Employee.objects.filter(pk=cast["people"]["anna"].pk).update(last_name="=cmd|'/c calc'!A0\x01")
    client.force_login(cast["users"]["hr"])
    text = client.get(audit(cast, "?format=csv")).content.decode("utf-8-sig")
    assert "\x01" not in text
    for line in text.split("\r\n"):
        for field in line.split(";"):
            assert not field.lstrip('"').startswith("=")
