"""The payroll pages: «Передача в зарплату» of a run and «Виды начислений 1С:ЗУП»."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from motiva.core.audit import AuditEvent
from motiva.payroll.models import AccrualMapping
from tests.payroll.test_payroll import approve, component_names, map_all

pytestmark = pytest.mark.django_db

USERS = ["admin", "gd", "hr", "fin", "auditor", "boss", "boss2", "anna", "boris", "carl", "outsider"]
READERS = {"gd", "hr", "fin"}


def urls(cast):
    company, run = cast["company"].pk, cast["run"].pk
    return {
        "payroll_run": reverse("payroll_run", args=[company, run]),
        "payroll_download": reverse("payroll_download", args=[company, run]) + "?layout=generic&format=csv",
        "payroll_mappings": reverse("payroll_mappings", args=[company]),
    }


@pytest.mark.parametrize("user", USERS)
def test_each_role_status_not_approved(client, cast, user):
    client.force_login(cast["users"][user])
    for name, url in urls(cast).items():
        status = client.get(url).status_code
        want = (409 if name == "payroll_download" else 200) if user in READERS else 404
        assert status == want, f"{user} {name}: {status}"


@pytest.mark.parametrize("user", USERS)
def test_each_role_status_approved(client, cast, user):
    approve(cast)
    client.force_login(cast["users"][user])
    for name, url in urls(cast).items():
        assert client.get(url).status_code == (200 if user in READERS else 404), f"{user} {name}"


def test_another_organizations_run_is_404(client, cast):
    client.force_login(cast["users"]["fin"])
    url = reverse("payroll_run", args=[cast["company"].pk, cast["other_run"].pk])
    assert client.get(url).status_code == 404
    url = reverse("payroll_download", args=[cast["company"].pk, cast["other_run"].pk])
    assert client.get(url + "?layout=generic&format=csv").status_code == 404


def test_not_approved_run_shows_the_notice_and_no_links(client, cast):
    from motiva.payroll.services import NotApproved, ensure_approved

    with pytest.raises(NotApproved) as refused:
        ensure_approved(cast["run"])
    client.force_login(cast["users"]["fin"])
    page = client.get(urls(cast)["payroll_run"]).content.decode()
    assert 'data-testid="payroll-not-approved"' in page and refused.value.ru in page
    assert "payroll/download" not in page
    response = client.get(urls(cast)["payroll_download"])
    assert response.status_code == 409 and refused.value.ru in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.get(urls(cast)["payroll_download"], headers={"Accept-Language": "en"})
    assert response.status_code == 409 and refused.value.en in response.content.decode()
    page = client.get(urls(cast)["payroll_run"], headers={"Accept-Language": "en"}).content.decode()
    assert refused.value.en in page


def test_totals_name_the_unmapped_then_reconcile(client, cast):
    run = approve(cast)
    client.force_login(cast["users"]["fin"])
    page = client.get(urls(cast)["payroll_run"]).content.decode()
    assert 'data-testid="payroll-difference"' in page and 'data-testid="payroll-unmapped"' in page
    for name in component_names(run):
        assert name in page
    map_all(cast, run)
    page = client.get(urls(cast)["payroll_run"]).content.decode()
    assert 'data-testid="payroll-reconciles"' in page and "payroll-unmapped" not in page
    assert "Премия ежемесячная" in page
    for layout, fmt in (("generic", "csv"), ("generic", "xlsx"), ("zup", "csv"), ("indicators", "csv")):
        assert f"layout={layout}&amp;format={fmt}" in page


@pytest.mark.parametrize(
    ("layout", "fmt", "content_type"),
    [
        ("generic", "csv", "text/csv; charset=utf-8"),
        ("generic", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("zup", "csv", "application/zip"),
        ("indicators", "csv", "text/csv; charset=utf-8"),
        ("indicators", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_downloads(client, cast, layout, fmt, content_type):
    run = approve(cast)
    map_all(cast, run)
    client.force_login(cast["users"]["hr"])
    url = reverse("payroll_download", args=[cast["company"].pk, run.pk]) + f"?layout={layout}&format={fmt}"
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == content_type
    assert "no-store" in first["Cache-Control"]
    assert first.content == second.content
    extension = "zip" if layout == "zup" else fmt
    assert f'filename="motiva-payroll-{run.pk}-{layout}.{extension}"' in first["Content-Disposition"]
    if layout == "zup":
        assert zipfile.ZipFile(io.BytesIO(first.content)).namelist() == ["premiya-ПМ.csv"]
    elif fmt == "xlsx":
        assert load_workbook(io.BytesIO(first.content)).active.max_row > 1
    else:
        assert first.content.startswith("\ufeff".encode())


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?layout=generic",
        "?format=csv",
        "?layout=payslip&format=csv",
        "?layout=generic&format=pdf",
        "?layout=zup&format=xlsx",
        "?layout=generic&format=csv&extra=1",
        "?layout=%00&format=csv",
    ],
)
def test_bad_download_parameters_are_400(client, cast, query):
    run = approve(cast)
    client.force_login(cast["users"]["fin"])
    response = client.get(reverse("payroll_download", args=[cast["company"].pk, run.pk]) + query)
    assert response.status_code == 400
    assert response.content.strip()


def test_cross_site_download_is_refused(client, cast):
    run = approve(cast)
    client.force_login(cast["users"]["fin"])
    url = reverse("payroll_download", args=[cast["company"].pk, run.pk]) + "?layout=generic&format=csv"
    assert client.get(url, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.get(url, headers={"Referer": "https://evil.example/x"}).status_code == 403
    assert client.get(url, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


def test_run_page_links_for_readers_only(client, cast):
    run_url = reverse("run", args=[cast["company"].pk, cast["run"].pk])
    link = reverse("payroll_run", args=[cast["company"].pk, cast["run"].pk])
    for user in ("fin", "hr", "gd", "auditor", "boss"):
        client.force_login(cast["users"][user])
        page = client.get(run_url).content.decode()
        assert (link in page) == (user in READERS), user


def test_mapping_page_lists_components_and_finance_saves(client, cast):
    names = sorted(component_names(cast["run"]))
    url = urls(cast)["payroll_mappings"]
    client.force_login(cast["users"]["fin"])
    page = client.get(url).content.decode()
    assert all(name in page for name in names) and "<form" in page
    before = AuditEvent.objects.count()
    response = client.post(
        url,
        {
            "component": names[0],
            "accrual_code": "ПМ",
            "accrual_name": "Премия ежемесячная",
            "cost_centre_source": "fixed",
            "cost_centre_value": "ЦФО-1",
        },
        follow=True,
    )
    assert response.status_code == 200
    mapping = AccrualMapping.objects.get(organization=cast["company"], component=names[0])
    assert (mapping.accrual_code, mapping.cost_centre_value) == ("ПМ", "ЦФО-1")
    assert AuditEvent.objects.count() > before
    assert names[0] in "".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"accrual_code": "", "accrual_name": "Премия", "cost_centre_source": "unit_code"}, "accrual_code"),
        ({"accrual_code": "ПМ", "accrual_name": "", "cost_centre_source": "unit_code"}, "accrual_name"),
        (
            {"accrual_code": "ПМ", "accrual_name": "Премия", "cost_centre_source": "fixed"},
            "cost_centre_value",
        ),
        (
            {"accrual_code": "ПМ", "accrual_name": "Премия", "cost_centre_source": "moon"},
            "cost_centre_source",
        ),
        ({"accrual_code": "П" * 21, "accrual_name": "Премия", "cost_centre_source": "none"}, "accrual_code"),
    ],
)
def test_mapping_errors_at_the_field_change_nothing(client, cast, data, field):
    name = sorted(component_names(cast["run"]))[0]
    client.force_login(cast["users"]["fin"])
    before = AuditEvent.objects.count()
    response = client.post(urls(cast)["payroll_mappings"], {"component": name, **data})
    assert response.status_code == 400
    assert not AccrualMapping.objects.exists() and AuditEvent.objects.count() == before
    forms = [item["form"] for item in response.context["names"] if item["row"].name == name]
    assert forms[0].errors.get(field), forms[0].errors
    assert "field-error" in response.content.decode()


def test_a_new_component_can_be_mapped_and_missing_name_is_refused(client, cast):
    client.force_login(cast["users"]["fin"])
    url = urls(cast)["payroll_mappings"]
    data = {"accrual_code": "ДП", "accrual_name": "Доплата", "cost_centre_source": "none"}
    response = client.post(url, {"component": "", **data})
    assert response.status_code == 400 and response.context["new_form"].errors.get("component")
    client.post(url, {"component": "Разовая премия", **data})
    assert AccrualMapping.objects.get(component="Разовая премия").accrual_code == "ДП"
    assert "Разовая премия" in client.get(url).content.decode()


@pytest.mark.parametrize("user", ["hr", "gd"])
def test_hr_and_executive_read_only(client, cast, user):
    client.force_login(cast["users"][user])
    url = urls(cast)["payroll_mappings"]
    page = client.get(url).content.decode()
    assert 'data-testid="mappings-read-only"' in page and 'name="accrual_code"' not in page
    data = {"component": "X", "accrual_code": "ПМ", "accrual_name": "П", "cost_centre_source": "none"}
    assert client.post(url, data).status_code == 403
    assert not AccrualMapping.objects.exists()


def test_mapping_page_empty_state_without_runs(client, cast):
    from motiva.calc.models import CalculationRun

    CalculationRun.objects.filter(organization=cast["company"]).delete()
    client.force_login(cast["users"]["fin"])
    page = client.get(urls(cast)["payroll_mappings"]).content.decode()
    assert 'data-testid="mappings-empty"' in page
