"""Rules found by review: pay notes, two people for two sign-offs, closing needs the approval, new
results need a new approval, own cards and facts, adjustment amounts, managers at any depth."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.calc import adjustments, approvals, runs, selectors
from motiva.calc.models import EmployeeResult
from motiva.core.errors import InvalidInput
from motiva.core.models import Role, RoleAssignment
from motiva.org.models import Assignment
from motiva.periods.models import PeriodStatus

pytestmark = pytest.mark.django_db


def test_a_pay_note_is_shown_only_with_the_pay(client, cast):
    result = EmployeeResult.objects.get(run=cast["run"], employee=cast["people"]["anna"])
    result.problems = [
        *result.problems,
        {
            "code": "disciplinary_cap",
            "field": "adjustments",
            "severity": "warning",
            "ru": "Снижение ограничено 20 %: 777 777 из 888 888",
            "en": "Capped: 777 777 of 888 888",
        },
    ]
    result.save(update_fields=["problems"])
    company, run = cast["company"].pk, cast["run"].pk
    pages = [
        reverse("run", args=[company, run]),
        reverse("employee_card", args=[company, cast["people"]["anna"].pk]),
    ]
    client.force_login(cast["users"]["auditor"])
    for url in pages:
        assert "777 777" not in client.get(url).content.decode()
    assert b"777 777" not in client.get(reverse("run_export", args=[company, run])).content
    client.force_login(cast["users"]["hr"])
    assert "777 777" in client.get(pages[0]).content.decode()


def sign_all(cast):
    for user, kind in (("boss", "manager"), ("boss2", "manager"), ("gd", "executive")):
        approvals.run_sign(actor=cast["users"][user], run=cast["run"], kind=kind)


def test_hr_and_finance_sign_offs_come_from_two_people(cast):
    sign_all(cast)
    RoleAssignment.objects.create(user=cast["users"]["hr"], organization=cast["company"], role=Role.FINANCE)
    approvals.run_sign(actor=cast["users"]["hr"], run=cast["run"], kind="hr")
    with pytest.raises(InvalidInput) as refusal:
        approvals.run_sign(actor=cast["users"]["hr"], run=cast["run"], kind="finance")
    assert refusal.value.problems[0].code == "two_people"


def test_new_results_of_an_approved_period_need_a_new_approval(cast):
    sign_all(cast)
    period = cast["period"]
    period.refresh_from_db()
    assert period.status == PeriodStatus.APPROVED
    with pytest.raises(InvalidInput) as refusal:
        runs.calculation_run_create(
            actor=cast["users"]["hr"], period=period
        )  # the signatures would be revoked without a reason
    assert refusal.value.problems[0].code == "reason_required"
    rerun = runs.calculation_run_create(actor=cast["users"]["hr"], period=period, reason="Проверка пересчёта")
    period.refresh_from_db()
    assert period.status == PeriodStatus.CALCULATED and selectors.latest_run(period) == rerun
    with pytest.raises(InvalidInput):
        approvals.run_sign(
            actor=cast["users"]["hr"], run=rerun, kind="hr"
        )  # the sign-offs wait for the approval
    with pytest.raises(InvalidInput):
        approvals.period_close(actor=cast["users"]["fin"], period=period)


def test_nobody_edits_their_own_card_or_enters_their_own_facts(client, cast):
    from motiva.kpi import services as kpi

    hr = cast["people"]["hr"]
    kpi.card_create(
        actor=cast["users"]["admin"],
        employee=hr,
        period=cast["period"],
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "100"}],
    )
    client.force_login(cast["users"]["hr"])
    assert (
        client.get(
            reverse("card_edit", args=[cast["company"].pk, hr.pk]), {"period": cast["period"].pk}
        ).status_code
        == 404
    )
    from motiva.periods.services import period_transition

    period_transition(actor=cast["users"]["admin"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    period_transition(
        actor=cast["users"]["admin"], period=cast["period"], to_status=PeriodStatus.FACT_COLLECTION
    )
    url = reverse("facts", args=[cast["company"].pk, cast["period"].pk])
    response = client.post(url, {f"c:{cast['indicator'].pk}:employee:{hr.pk}": "150"})
    assert response.status_code == 400


def test_an_adjustment_amount_is_checked_and_approved_once(cast):
    period, anna = cast["period"], cast["people"]["anna"]
    for amount in (Decimal(0), Decimal("0.001"), Decimal("1e20")):
        with pytest.raises(InvalidInput):
            adjustments.adjustment_create(
                actor=cast["users"]["hr"], period=period, employee=anna, amount=amount, reason="Проверка"
            )
    adjustment = adjustments.adjustment_create(
        actor=cast["users"]["hr"], period=period, employee=anna, amount=Decimal("500"), reason="Проверка"
    )
    adjustments.adjustment_approve(actor=cast["users"]["fin"], adjustment=adjustment)
    with pytest.raises(InvalidInput) as refusal:
        adjustments.adjustment_approve(actor=cast["users"]["gd"], adjustment=adjustment)
    assert refusal.value.problems[0].code == "already_approved"


def test_a_manager_sees_the_whole_chain_below_them(client, cast):
    people = cast["people"]
    Assignment.objects.filter(employee=people["boss2"]).update(manager=people["boss"])
    client.force_login(cast["users"]["boss"])
    url = reverse("employee_card", args=[cast["company"].pk, people["carl"].pk])
    assert client.get(url).status_code == 200  # Carl reports to Boss2, who reports to Boss
    client.force_login(cast["users"]["boss2"])
    assert (
        client.get(reverse("employee_card", args=[cast["company"].pk, people["anna"].pk])).status_code == 404
    )


def test_malformed_filters_are_ignored_not_errors(client, cast):
    client.force_login(cast["users"]["hr"])
    company, run = cast["company"].pk, cast["run"].pk
    for query in ("?min=NaN&max=inf", "?page=99999999999999999999", "?min=abc", "?page=-3"):
        assert client.get(reverse("run", args=[company, run]) + query).status_code == 200
        assert client.get(reverse("run_export", args=[company, run]) + query).status_code == 200
    client.force_login(cast["users"]["boss"])
    assert client.get(reverse("team", args=[company]) + "?period=²").status_code == 200


def test_the_subtree_is_the_same_read_by_level_or_at_once(cast, monkeypatch):
    from django.utils import timezone

    from motiva.org import selectors

    people = cast["people"]
    Assignment.objects.filter(employee=people["boss2"]).update(manager=people["boss"])
    today = timezone.localdate()
    by_level = {
        name: set(selectors.subordinates_as_of(people[name], today).values_list("pk", flat=True))
        for name in ("gd", "boss", "anna")
    }
    monkeypatch.setattr(selectors, "LEVEL_LIMIT", 0)
    at_once = {
        name: set(selectors.subordinates_as_of(people[name], today).values_list("pk", flat=True))
        for name in ("gd", "boss", "anna")
    }
    assert by_level == at_once
    assert by_level["boss"] == {people[n].pk for n in ("anna", "boris", "boss2", "carl")}
    assert by_level["anna"] == set() and len(by_level["gd"]) == 8
