"""Mapping by the kind of pay component: one mapping covers every component of a kind (a scheme paying
per card line makes one per line), a name's mapping wins over its kind's, results stored before the
kind still map by name, and the mappings page lists and saves kinds (finance only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from motiva.calc import runs
from motiva.calc.models import CalculationRun, EmployeeResult, RunSignature
from motiva.calc.storage import stored_component
from motiva.core.audit import AuditEvent
from motiva.core.errors import InvalidInput
from motiva.engine.types import ComponentKind
from motiva.kpi import services as kpi
from motiva.org.models import Position
from motiva.payroll import selectors, services
from motiva.payroll.models import AccrualMapping, PayKind
from motiva.periods import services as periods
from motiva.periods.models import Period, PeriodStatus

pytestmark = pytest.mark.django_db

APRIL = dt.date(2026, 4, 1)
TASKS = ["Задача: отчёт", "Задача: склад", "Задача: обучение", "Задача: аудит", "Задача: переезд"]


def approve(run, signer):
    RunSignature.objects.create(run=run, kind="executive", signer=signer)
    Period.objects.filter(pk=run.period_id).update(status=PeriodStatus.APPROVED)
    run.refresh_from_db()
    run.period.refresh_from_db()
    return run


def save(cast, code="ПМ", name="Премия ежемесячная", **key):
    return services.mapping_save(
        actor=cast["users"]["fin"], organization=cast["company"], accrual_code=code, accrual_name=name, **key
    )


@pytest.fixture
def per_line_run(cast):
    """April: the sellers' card pays each of five task lines by its planned amount (planned_amount): one
    pay component per line, each named by the line's title."""
    admin, company = cast["users"]["admin"], cast["company"]
    scheme = kpi.scheme_create(
        actor=admin, organization=company, name="Плановая сумма", kind="planned_amount", params={}
    )
    indicators = [
        kpi.indicator_create(actor=admin, organization=company, code=f"T{i}", name=f"Задача {i}")
        for i in range(len(TASKS))
    ]
    kpi.card_template_create(
        actor=admin,
        position=Position.objects.get(organization=company, title="Менеджер"),
        valid_from=APRIL,
        scheme=scheme,
        lines=[
            {
                "indicator": indicator,
                "weight": "20",
                "scale": cast["scale"],
                "target": "100",
                "label": title,
                "planned_amount": str(1000 * (i + 1)),
            }
            for i, (indicator, title) in enumerate(zip(indicators, TASKS, strict=True))
        ],
    )
    period = periods.period_create(actor=admin, organization=company, kind="month", start=APRIL)
    sellers = [cast["people"]["anna"], cast["people"]["boris"]]
    kpi.cards_create_for_period(actor=admin, period=period, employees=sellers)
    for status in (PeriodStatus.TARGETS_APPROVED, PeriodStatus.FACT_COLLECTION):
        periods.period_transition(actor=admin, period=period, to_status=status)
    for employee in sellers:
        for indicator in indicators:
            periods.value_set(
                actor=cast["users"]["hr"],
                indicator=indicator,
                period=period,
                kind="fact",
                value=Decimal(90),
                scope="employee",
                employee=employee,
            )
    periods.period_transition(actor=admin, period=period, to_status=PeriodStatus.REVIEW)
    run = runs.calculation_run_create(actor=cast["users"]["hr"], period=period)
    assert run.status == "done"
    return approve(run, cast["users"]["gd"])


def stored(run):
    return [
        c for cs in EmployeeResult.objects.filter(run=run).values_list("components", flat=True) for c in cs
    ]


def test_the_kinds_finance_maps_are_the_engines_without_the_fines():
    assert set(PayKind.values) == {k.value for k in ComponentKind} - {ComponentKind.FINE}


def test_a_run_stores_each_components_kind_beside_its_name(cast):
    run = cast["run"]
    entries = {run.trace_templates[c[0]][0]: run.trace_templates[c[0]] for c in stored(run)}
    assert entries == {"Премия по KPI": ["Премия по KPI", "KPI bonus", "bonus"]}


def test_every_line_component_maps_through_one_kind_mapping(cast, per_line_run):
    run = per_line_run
    names = {stored_component(c, run.trace_templates)[:2] for c in stored(run)}
    assert names == {(f"«{title}»", "line") for title in TASKS}
    totals = services.Totals()
    assert list(services.payroll_rows(run, totals=totals)) == []
    assert set(totals.unmapped) == {f"«{title}»" for title in TASKS}
    assert set(totals.unmapped_kinds.values()) == {"line"}

    save(cast, kind="line", code="ПЗ", name="Премия за задачи")
    totals = services.Totals()
    rows = list(services.payroll_rows(run, totals=totals))
    assert len(rows) == totals.rows == 2 * len(TASKS)
    assert {r[3:5] for r in rows} == {("ПЗ", "Премия за задачи")}
    assert totals.unmapped == {} and totals.reconciles
    assert (
        totals.mapped
        == totals.run_total
        == sum((Decimal(c[1]) for c in stored(run)), Decimal(0))
        == sum(r[8] for r in rows)
    )
    assert totals.by_accrual == {("ПЗ", "Премия за задачи"): totals.run_total}


def test_a_name_mapping_overrides_the_kind(cast, per_line_run):
    run = per_line_run
    save(cast, kind="line", code="ПЗ", name="Премия за задачи")
    save(cast, component="«Задача: аудит»", code="ПА", name="Премия за аудит", cost_centre_source="none")
    totals = services.Totals()
    rows = list(services.payroll_rows(run, totals=totals))
    audit_amounts = [
        Decimal(c[1]) for c in stored(run) if stored_component(c, run.trace_templates)[0] == "«Задача: аудит»"
    ]
    assert sorted(r[8] for r in rows if r[3] == "ПА") == sorted(audit_amounts) and len(audit_amounts) == 2
    assert all(r[9] == "" for r in rows if r[3] == "ПА") and all(r[9] == "S" for r in rows if r[3] == "ПЗ")
    assert len([r for r in rows if r[3] == "ПЗ"]) == 2 * (len(TASKS) - 1)
    assert totals.reconciles and set(totals.by_accrual) == {
        ("ПЗ", "Премия за задачи"),
        ("ПА", "Премия за аудит"),
    }


def test_results_stored_before_the_kind_still_map_by_name(cast):
    """Engine 0.2.0 stored a name's catalog entry as [ru, en] (and before that, {ru, en, amount, steps}
    components): no kind, so a kind mapping does not reach them, a name mapping does."""
    run = approve(cast["run"], cast["users"]["gd"])
    templates = {
        key: value[:2] if key.startswith("n") else value for key, value in run.trace_templates.items()
    }
    CalculationRun.objects.filter(pk=run.pk).update(trace_templates=templates)
    first = EmployeeResult.objects.filter(run=run).order_by("employee_id").first()
    name_id, amount, steps = first.components[0][:3]
    first.components = [
        {"ru": templates[name_id][0], "en": templates[name_id][1], "amount": amount, "steps": steps}
    ]
    first.save(update_fields=["components"])
    run.refresh_from_db()

    save(cast, kind="bonus")
    totals = services.Totals()
    assert list(services.payroll_rows(run, totals=totals)) == []
    assert list(totals.unmapped) == ["Премия по KPI"] and totals.unmapped_kinds == {"Премия по KPI": ""}
    assert selectors.components_by_name(cast["company"]) == {"Премия по KPI": ""}

    save(cast, component="Премия по KPI", code="ПК", name="Премия по KPI")
    totals = services.Totals()
    rows = list(services.payroll_rows(run, totals=totals))
    assert len(rows) == EmployeeResult.objects.filter(run=run).count() and totals.reconciles
    assert {r[3] for r in rows} == {"ПК"}


def test_mapping_save_refuses_a_bad_kind_and_changes_a_kind_mapping(cast):
    for key, field in (
        ({"kind": "moon"}, "kind"),
        ({"kind": "fine"}, "kind"),  # fines withheld from the salary are never handed over
        ({"kind": "line", "component": "«Задача»"}, "kind"),
        ({}, "component"),
    ):
        with pytest.raises(InvalidInput) as refused:
            save(cast, **key)
        assert [p.field for p in refused.value.problems] == [field], key
    assert not AccrualMapping.objects.exists()
    first = save(cast, kind="line")
    again = save(cast, kind="line", code="ПЗ")
    assert first.pk == again.pk and AccrualMapping.objects.get().accrual_code == "ПЗ"
    assert (again.kind, again.component) == ("line", "")
    named = save(cast, component="«Задача: аудит»")  # a name beside the kind: a row of its own
    assert named.pk != first.pk and AccrualMapping.objects.count() == 2


def url(cast):
    return reverse("payroll_mappings", args=[cast["company"].pk])


def test_the_page_lists_the_kinds_and_the_names_seen(client, cast, per_line_run):
    save(cast, kind="line", code="ПЗ", name="Премия за задачи")
    client.force_login(cast["users"]["fin"])
    response = client.get(url(cast))
    page = response.content.decode()
    for kind, label in PayKind.choices:
        assert f'data-kind="{kind}"' in page and escape(str(label)) in page
    line = next(item for item in response.context["kinds"] if item["row"].kind == "line")
    assert line["row"].names == sorted(f"«{title}»" for title in TASKS)
    assert line["row"].mapping.accrual_code == "ПЗ"
    names = {item["row"].name: item["row"] for item in response.context["names"]}
    assert names["«Задача: аудит»"].via_kind.accrual_code == "ПЗ" and names["«Задача: аудит»"].mapping is None
    assert names["Премия по KPI"].kind == "bonus" and names["Премия по KPI"].via_kind is None
    assert page.count('data-testid="mapping-via-kind"') == len(TASKS)


def test_finance_saves_a_kind_mapping(client, cast, per_line_run):
    client.force_login(cast["users"]["fin"])
    before = AuditEvent.objects.count()
    data = {
        "kind": "line",
        "accrual_code": "ПЗ",
        "accrual_name": "Премия за задачи",
        "cost_centre_source": "unit_name",
    }
    response = client.post(url(cast), data, follow=True)
    assert response.status_code == 200
    mapping = AccrualMapping.objects.get(organization=cast["company"], kind="line")
    assert (mapping.component, mapping.accrual_code, mapping.cost_centre_source) == ("", "ПЗ", "unit_name")
    assert AuditEvent.objects.count() > before
    assert str(PayKind.LINE.label) in "".join(str(m) for m in response.context["messages"])
    totals = services.Totals()
    rows = list(services.payroll_rows(per_line_run, totals=totals))
    assert len(rows) == 2 * len(TASKS) and {r[9] for r in rows} == {"Отдел продаж"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "moon", "accrual_code": "ПМ", "accrual_name": "Премия"}, "kind"),
        ({"kind": "fine", "accrual_code": "ПМ", "accrual_name": "Премия"}, "kind"),
        ({"kind": "line", "component": "«Задача: аудит»", "accrual_code": "ПМ", "accrual_name": "П"}, "kind"),
        ({"kind": "line", "accrual_code": "", "accrual_name": "Премия"}, "accrual_code"),
        (
            {"kind": "line", "accrual_code": "ПМ", "accrual_name": "", "cost_centre_source": "moon"},
            "cost_centre_source",
        ),
        (
            {"kind": "line", "accrual_code": "ПМ", "accrual_name": "Премия", "cost_centre_source": "fixed"},
            "cost_centre_value",
        ),
    ],
)
def test_bad_kind_mapping_is_refused_at_the_field_and_nothing_is_written(client, cast, data, field):
    client.force_login(cast["users"]["fin"])
    before = AuditEvent.objects.count()
    response = client.post(url(cast), {"cost_centre_source": "unit_code", **data})
    assert response.status_code == 400
    assert not AccrualMapping.objects.exists() and AuditEvent.objects.count() == before
    forms = [item["form"] for item in response.context["kinds"] if item["form"].is_bound]
    forms += [response.context["new_form"]] if response.context["new_form"].is_bound else []
    assert len(forms) == 1 and forms[0].errors.get(field), [f.errors for f in forms]
    assert "field-error" in response.content.decode()


@pytest.mark.parametrize("user", ["hr", "gd"])
def test_hr_and_the_director_read_the_kinds_but_cannot_save_one(client, cast, user):
    save(cast, kind="bonus", code="ПК", name="Премия по KPI")
    client.force_login(cast["users"][user])
    page = client.get(url(cast)).content.decode()
    assert 'data-testid="mappings-read-only"' in page and 'name="accrual_code"' not in page
    assert 'data-kind="line"' in page and "ПК · Премия по KPI" in page
    data = {"kind": "line", "accrual_code": "ПМ", "accrual_name": "П", "cost_centre_source": "none"}
    assert client.post(url(cast), data).status_code == 403
    assert list(AccrualMapping.objects.values_list("kind", flat=True)) == ["bonus"]


def test_removing_a_names_mapping_lets_its_kind_apply_again(client, cast, per_line_run):
    save(cast, kind="line", code="ПЗ", name="Премия за задачи")
    save(cast, component="«Задача: аудит»", code="ПА", name="Премия за аудит")
    client.force_login(cast["users"]["hr"])
    assert client.post(url(cast), {"delete": "1", "component": "«Задача: аудит»"}).status_code == 403
    client.force_login(cast["users"]["fin"])
    page = client.get(url(cast)).content.decode()
    assert page.count('data-testid="mapping-remove"') == 2
    before = AuditEvent.objects.count()
    response = client.post(url(cast), {"delete": "1", "component": "«Задача: аудит»"}, follow=True)
    assert response.status_code == 200 and AuditEvent.objects.count() > before
    assert list(AccrualMapping.objects.values_list("kind", flat=True)) == ["line"]
    assert {r[3] for r in services.payroll_rows(per_line_run)} == {"ПЗ"}
    before = AuditEvent.objects.count()
    response = client.post(url(cast), {"delete": "1", "kind": "bonus"}, follow=True)  # never mapped
    assert "".join(str(m) for m in response.context["messages"]) and AuditEvent.objects.count() == before
    assert AccrualMapping.objects.count() == 1
    client.post(url(cast), {"delete": "1", "kind": "line"})
    assert not AccrualMapping.objects.exists()


def test_a_name_mapping_matches_whatever_its_spaces_and_line_breaks(cast, per_line_run):
    """The form trims the name it saves and a browser may rewrite a hidden field's line breaks: the
    name's mapping still reaches the component written with other spaces."""
    run = per_line_run
    save(cast, kind="line", code="ПЗ", name="Премия за задачи")
    save(
        cast,
        component="  «Задача:\r\n  аудит»  ",
        code="ПА",
        name="Премия за аудит",
        cost_centre_source="none",
    )
    rows = list(services.payroll_rows(run, totals=services.Totals()))
    assert len([r for r in rows if r[3] == "ПА"]) == 2
