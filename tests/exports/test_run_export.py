"""The run results export: the page's rows and columns per viewer, both formats, filters, sanitation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.org.models import Employee
from tests.exports.helpers import csv_rows, xlsx_rows
from tests.web.test_access import PAY, money_of

pytestmark = pytest.mark.django_db


def url(cast, query=""):
    return reverse("run_export", args=[cast["company"].pk, cast["run"].pk]) + query


def test_a_manager_gets_his_subtree_with_pay_fixed_and_total(client, cast):
    client.force_login(cast["users"]["boss"])
    rows = xlsx_rows(client.get(url(cast, "?format=xlsx")))
    assert rows[0][:4] == ("Табельный номер", "Сотрудник", "Результат, %", "Премия, RUB") or rows[0][
        3
    ].startswith("Премия")
    assert len(rows[0]) == 8  # number, name, result, bonus, share, fixed, total, notes
    assert {row[1].split()[0] for row in rows[1:]} == {"Начальников", "Аннина", "Борисов"}
    anna = next(r for r in rows[1:] if r[1].startswith("Аннина"))
    assert Decimal(str(anna[3])) == PAY["anna"]
    csv = csv_rows(client.get(url(cast, "?format=csv")))
    assert [r[1].split()[0] for r in csv[1:]] == ["Аннина", "Борисов", "Начальников"]
    assert csv[1][3] == f"{PAY['anna']}".replace(".", ",")


def test_a_reader_without_pay_gets_no_pay_columns(client, cast):
    client.force_login(cast["users"]["auditor"])
    for fmt, read in (("xlsx", xlsx_rows), ("csv", csv_rows)):
        response = client.get(url(cast, f"?format={fmt}"))
        rows = read(response)
        assert len(rows) == 6 and len(rows[0]) == 4
        content = response.content.decode("utf-8", "replace")
        for name in PAY:
            assert not any(v in content for v in money_of(name)) or fmt == "xlsx"


def test_others_get_404_like_the_page(client, cast):
    for user in ("anna", "outsider"):
        client.force_login(cast["users"][user])
        assert client.get(url(cast, "?format=csv")).status_code == 404
        assert client.get(reverse("run", args=[cast["company"].pk, cast["run"].pk])).status_code == 404


def test_bad_format_and_cross_site(client, cast):
    client.force_login(cast["users"]["hr"])
    response = client.get(url(cast, "?format=pdf"))
    assert response.status_code == 400 and "xlsx" in response.content.decode()
    refused = client.get(url(cast, "?format=csv"), HTTP_SEC_FETCH_SITE="cross-site")
    assert refused.status_code == 403 and refused.content == b""
    assert client.get(url(cast, "?format=csv"), HTTP_ORIGIN="https://evil.example").status_code == 403
    assert client.get(url(cast, "?format=csv"), HTTP_SEC_FETCH_SITE="same-origin").status_code == 200


def test_filters_are_the_pages(client, cast):
    client.force_login(cast["users"]["hr"])
    names = lambda q: [r[1].split()[0] for r in csv_rows(client.get(url(cast, "?format=csv&" + q)))[1:]]  # noqa: E731
    assert names("q=Аннина") == ["Аннина"]
    assert names("q=9") == ["Карлов"]
    assert names("min=105") == ["Аннина", "Карлов"]
    assert names("max=95") == ["Борисов"]
    assert names("min=abc") == names("")
    assert names("problems=1") == []


def test_formula_and_control_characters_in_names(client, cast):
    Employee.objects.filter(pk=cast["people"]["anna"].pk).update(last_name='=HYPERLINK("http://evil","x")')
    Employee.objects.filter(pk=cast["people"]["boris"].pk).update(last_name="Борисов\x01\x1b\u0085")
    client.force_login(cast["users"]["hr"])
    rows = xlsx_rows(client.get(url(cast)))
    evil = next(r for r in rows[1:] if "HYPERLINK" in r[1])
    assert evil[1].startswith("=HYPERLINK")  # a string cell: openpyxl would read a formula cell as "=..." too
    boris = next(r for r in rows[1:] if r[1].startswith("Борисов"))
    assert not any(ch in boris[1] for ch in "\x01\x1b\u0085")
    raw = client.get(url(cast)).content
    import io
    import zipfile

    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")
    csv = csv_rows(client.get(url(cast, "?format=csv")))
    assert any(r[1].startswith("\"'=HYPERLINK") or r[1].startswith("'=HYPERLINK") for r in csv[1:])
