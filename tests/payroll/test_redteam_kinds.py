"""Red-team of payroll mapping by kind: who may save or remove a mapping (and who may even see the page),
another organization's mappings, kinds that are not pay, an ambiguous removal, the download of a run
not approved, and that a kind's and a name's mapping never count one amount twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.calc.models import EmployeeResult
from motiva.core.audit import AuditEvent
from motiva.core.errors import InvalidInput
from motiva.core.models import Role, RoleAssignment
from motiva.payroll import services
from motiva.payroll.models import AccrualMapping
from tests.payroll.test_kinds import TASKS, per_line_run, save  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def url(cast, organization="company"):
    return reverse("payroll_mappings", args=[cast[organization].pk])


SAVE = {"kind": "bonus", "accrual_code": "ХК", "accrual_name": "Взлом", "cost_centre_source": "none"}


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("hr", 403),
        ("gd", 403),
        ("boss", 404),
        ("anna", 404),
        ("auditor", 404),
        ("admin", 404),
        ("outsider", 404),
    ],
)
def test_only_finance_saves_or_removes_and_outsiders_see_no_page(client, cast, user, status):
    kept = save(cast, kind="line", code="ПЗ", name="Премия за задачи")
    named = save(cast, component="Премия по KPI", code="ПК", name="Премия по KPI")
    before = AuditEvent.objects.filter(entity_type="payroll.AccrualMapping").count()
    client.force_login(cast["users"][user])
    page = client.get(url(cast))
    if status == 404:
        assert page.status_code == 404 and "ПЗ" not in page.content.decode()
    for data in (SAVE, {"delete": "1", "kind": "line"}, {"delete": "1", "component": "Премия по KPI"}):
        assert client.post(url(cast), data).status_code == status, data
    assert set(AccrualMapping.objects.values_list("pk", "accrual_code")) == {
        (kept.pk, "ПЗ"),
        (named.pk, "ПК"),
    }
    assert AuditEvent.objects.filter(entity_type="payroll.AccrualMapping").count() == before


def test_finance_of_another_organization_touches_nothing_here(client, cast):
    save(cast, kind="line", code="ПЗ", name="Премия за задачи")
    theirs = services.mapping_save(
        actor=cast["users"]["admin"],
        organization=cast["other"],
        kind="line",
        accrual_code="ЧЗ",
        accrual_name="Ч",
    )
    RoleAssignment.objects.create(
        user=cast["users"]["outsider"], organization=cast["other"], role=Role.FINANCE
    )
    client.force_login(cast["users"]["outsider"])
    assert client.get(url(cast)).status_code == 404
    assert client.post(url(cast), {"delete": "1", "kind": "line"}).status_code == 404
    assert client.post(url(cast), SAVE).status_code == 404
    # in their own organization a removal reaches only their own mapping
    assert client.post(url(cast, "other"), {"delete": "1", "kind": "line"}).status_code == 302
    assert not AccrualMapping.objects.filter(pk=theirs.pk).exists()
    assert list(AccrualMapping.objects.values_list("organization", "kind", "accrual_code")) == [
        (cast["company"].pk, "line", "ПЗ")
    ]


@pytest.mark.parametrize("kind", ["fine", "FINE", "moon", " line; drop", "bonus\x00"])
def test_a_kind_that_is_not_pay_is_never_saved(client, cast, kind):
    client.force_login(cast["users"]["fin"])
    response = client.post(url(cast), {**SAVE, "kind": kind})
    assert response.status_code == 400 and not AccrualMapping.objects.exists()


def test_a_removal_naming_both_a_kind_and_a_name_is_refused(client, cast):
    """The name's removal form posts the name; a request that also names a kind is ambiguous: nothing is
    removed rather than the kind's mapping in place of the name's."""
    save(cast, kind="bonus", code="ПМ", name="Премия ежемесячная")
    save(cast, component="Премия по KPI", code="ПК", name="Премия по KPI")
    with pytest.raises(InvalidInput) as refused:
        services.mapping_delete(
            actor=cast["users"]["fin"], organization=cast["company"], kind="bonus", component="Премия по KPI"
        )
    assert [p.field for p in refused.value.problems] == ["kind"]
    client.force_login(cast["users"]["fin"])
    before = AuditEvent.objects.filter(entity_type="payroll.AccrualMapping").count()
    client.post(url(cast), {"delete": "1", "kind": "bonus", "component": "Премия по KPI"})
    assert (
        AccrualMapping.objects.count() == 2
        and AuditEvent.objects.filter(entity_type="payroll.AccrualMapping").count() == before
    )


def test_a_run_not_approved_is_never_downloaded(client, cast):
    save(cast, kind="bonus")
    client.force_login(cast["users"]["fin"])
    download = reverse("payroll_download", args=[cast["company"].pk, cast["run"].pk])
    for layout, fmt in (("generic", "csv"), ("generic", "xlsx"), ("zup", "csv"), ("indicators", "csv")):
        response = client.get(download, {"layout": layout, "format": fmt})
        assert response.status_code == 409 and b"61111" not in response.content, layout
    with pytest.raises(services.NotApproved):
        list(services.payroll_rows(cast["run"]))


def test_a_kind_and_a_name_mapping_count_every_component_once(cast, per_line_run):  # noqa: F811
    run = per_line_run
    save(cast, kind="line", code="ПЗ", name="Премия за задачи")
    save(cast, component="«Задача: аудит»", code="ПА", name="Премия за аудит")
    save(cast, component="«Задача: склад»", code="ПЗ", name="Премия за задачи")  # same accrual as its kind
    save(cast, component="Нет такой", code="ПН", name="Никому")  # a name no run pays
    components = [
        (result_id, c)
        for result_id, cs in EmployeeResult.objects.filter(run=run).values_list("pk", "components")
        for c in cs
        if len(c) != 4
    ]
    totals = services.Totals()
    rows = list(services.payroll_rows(run, totals=totals))
    assert len(rows) == totals.rows == len(components) == 2 * len(TASKS)
    assert sum(r[8] for r in rows) == totals.mapped == totals.run_total
    assert totals.run_total == sum((Decimal(str(c[1])) for _, c in components), Decimal(0))
    assert sum(totals.by_accrual.values()) == totals.mapped and totals.reconciles and not totals.unmapped
    assert ("ПН", "Никому") not in totals.by_accrual
    per_result = {}
    for r in rows:
        per_result[r[11]] = per_result.get(r[11], 0) + 1
    assert per_result == {pk: len(TASKS) for pk in {pk for pk, _ in components}}
