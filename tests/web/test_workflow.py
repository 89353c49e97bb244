"""The period's loop through the pages: facts, a run, two signatures, sign-offs, closing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.calc.models import RunSignature
from motiva.periods.models import IndicatorValue, PeriodStatus

pytestmark = pytest.mark.django_db


def post(client, cast, user, name, **data):
    client.force_login(cast["users"][user])
    return client.post(reverse(name, args=[cast["company"].pk, cast["period"].pk]), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_general_director_approves_only_after_the_managers(client, cast):
    response = post(client, cast, "gd", "period_sign", kind="executive")
    assert any("Сначала результаты подписывают руководители" in m for m in messages_of(response))
    assert not RunSignature.objects.exists()
    post(client, cast, "boss", "period_sign", kind="manager")
    response = post(client, cast, "gd", "period_sign", kind="executive")
    assert any("Сервисов" in m for m in messages_of(response))  # the other manager has not signed yet
    post(client, cast, "boss2", "period_sign", kind="manager")
    post(client, cast, "gd", "period_sign", kind="executive")
    cast["period"].refresh_from_db()
    assert cast["period"].status == PeriodStatus.APPROVED
    assert set(RunSignature.objects.values_list("kind", flat=True)) == {"manager", "executive"}


def test_nobody_signs_a_run_with_their_own_pay(client, cast, django_user_model):
    from motiva.core.models import Role, RoleAssignment

    RoleAssignment.objects.create(
        user=cast["users"]["boss"], organization=cast["company"], role=Role.EXECUTIVE
    )
    post(client, cast, "boss", "period_sign", kind="manager")
    post(client, cast, "boss2", "period_sign", kind="manager")
    response = post(client, cast, "boss", "period_sign", kind="executive")
    assert any("ваша собственная премия" in m for m in messages_of(response))
    assert not RunSignature.objects.filter(kind="executive").exists()


def test_closing_needs_hr_and_finance_and_then_nothing_changes(client, cast):
    for user, kind in (("boss", "manager"), ("boss2", "manager"), ("gd", "executive")):
        post(client, cast, user, "period_sign", kind=kind)
    response = post(client, cast, "hr", "period_close", confirm="1")
    assert any("Перед закрытием нужны подписи" in m for m in messages_of(response))
    post(client, cast, "hr", "period_sign", kind="hr")
    post(client, cast, "fin", "period_sign", kind="finance")
    post(client, cast, "fin", "period_close", confirm="1")
    period = cast["period"]
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED
    # A closed period: the grid refuses, runs are refused, the lifecycle offers nothing.
    client.force_login(cast["users"]["hr"])
    url = reverse("facts", args=[cast["company"].pk, period.pk])
    anna = cast["people"]["anna"]
    before = IndicatorValue.objects.get(period=period, employee=anna).value
    response = client.post(url, {f"c:{cast['indicator'].pk}:employee:{anna.pk}": "150"})
    assert response.status_code == 400
    assert IndicatorValue.objects.get(period=period, employee=anna).value == before
    response = post(client, cast, "hr", "period_run")
    assert any("закрыт" in m for m in messages_of(response))
    assert period.runs.count() == 1
    # The employee sees the final card and its explanation.
    client.force_login(cast["users"]["anna"])
    page = client.get(reverse("employee_card", args=[cast["company"].pk, anna.pk])).content.decode()
    assert "Итог утверждён" in page or "Final result" in page
    assert "Как считается моя премия" in page and "13\u00a0444,42" in page


def test_the_fact_grid_saves_all_or_nothing_and_names_the_bad_cell(client, cast):
    period = cast["period"]
    from motiva.periods.services import period_transition

    period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.REVIEW)
    period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.FACT_COLLECTION)
    anna, boris = cast["people"]["anna"], cast["people"]["boris"]
    code = cast["indicator"].pk
    client.force_login(cast["users"]["boss"])
    url = reverse("facts", args=[cast["company"].pk, period.pk])
    page = client.get(url).content.decode()
    assert "Аннина" in page and "Борисов" in page and "Карлов" not in page  # only his team
    response = client.post(
        url, {f"c:{code}:employee:{anna.pk}": "125,5", f"c:{code}:employee:{boris.pk}": "много"}
    )
    assert response.status_code == 400
    assert (
        "«много» не число" in response.content.decode()
        or "“много” is not a number" in response.content.decode()
    )
    assert IndicatorValue.objects.get(period=period, employee=anna).value == Decimal(110)  # nothing saved
    response = client.post(
        url, {f"c:{code}:employee:{anna.pk}": "125,5", f"c:{code}:employee:{boris.pk}": "95"}
    )
    assert response.status_code == 302
    assert IndicatorValue.objects.get(period=period, employee=anna).value == Decimal("125.5")
    # A cell of someone outside his team is refused even when posted by hand.
    carl = cast["people"]["carl"]
    response = client.post(url, {f"c:{code}:employee:{carl.pk}": "10"})
    assert response.status_code == 400
    assert IndicatorValue.objects.get(period=period, employee=carl).value == Decimal(120)
    # The confirmer (the general director's position) confirms; the author cannot.
    client.force_login(cast["users"]["gd"])
    response = client.post(url, {"confirm": [f"c:{code}:employee:{anna.pk}"]})
    assert response.status_code == 302
    assert IndicatorValue.objects.get(period=period, employee=anna).confirmed_by == cast["users"]["gd"]


def test_a_run_started_from_the_period_page_shows_its_results_and_difference(
    client, cast, django_capture_on_commit_callbacks
):
    from motiva.periods.services import period_transition

    period = cast["period"]
    period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.REVIEW)
    from motiva.periods.services import value_set

    value_set(
        actor=cast["users"]["hr"],
        indicator=cast["indicator"],
        period=period,
        kind="fact",
        value=Decimal(100),
        scope="employee",
        employee=cast["people"]["carl"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, cast, "hr", "period_run")
    response = client.get(response.redirect_chain[-1][0])
    page = response.content.decode()
    assert response.status_code == 200 and "Карлов" in page
    assert "Отличия от расчёта" in page or "Difference against run" in page
    assert "12\u00a0666,60" in page  # Carl: 20 % of 63 333 × 100 %


def test_an_adjustment_is_entered_and_approved_by_two_people_and_counted(
    client, cast, django_capture_on_commit_callbacks
):
    from motiva.calc.models import Adjustment, EmployeeResult
    from motiva.periods.services import period_transition

    period = cast["period"]
    period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.REVIEW)
    url = reverse("adjustment_add", args=[cast["company"].pk, period.pk])
    client.force_login(cast["users"]["hr"])
    response = client.post(
        url, {"personnel_number": "7", "amount": "-1 000,50", "kind": "manual", "reason": ""}, follow=True
    )
    assert any("обоснование" in m for m in messages_of(response)) and not Adjustment.objects.exists()
    client.post(
        url, {"personnel_number": "7", "amount": "-1 000,50", "kind": "manual", "reason": "Возврат аванса"}
    )
    adjustment = Adjustment.objects.get()
    approve = reverse("adjustment_approve", args=[cast["company"].pk, period.pk, adjustment.pk])
    response = client.post(approve, follow=True)
    assert any("другой человек" in m for m in messages_of(response))
    client.force_login(cast["users"]["fin"])
    client.post(approve)
    adjustment.refresh_from_db()
    assert adjustment.approved_by == cast["users"]["fin"]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, cast, "hr", "period_run")
    latest = period.runs.order_by("-id").first()
    assert EmployeeResult.objects.get(run=latest, employee=cast["people"]["anna"]).pay == Decimal(
        "13444.42"
    ) - Decimal("1000.50")


def test_the_period_page_names_whose_facts_are_missing_or_unconfirmed(client, cast):
    from motiva.periods.models import IndicatorValue

    IndicatorValue.objects.filter(period=cast["period"], employee=cast["people"]["carl"]).delete()
    client.force_login(cast["users"]["hr"])
    page = client.get(reverse("period", args=[cast["company"].pk, cast["period"].pk])).content.decode()
    table = page[page.index('data-testid="completeness"') :]
    assert "Карлов" in table  # missing
    assert "Аннина" in table  # entered by HR, not yet confirmed by the director
    client.force_login(cast["users"]["boss"])
    page = client.get(reverse("period", args=[cast["company"].pk, cast["period"].pk])).content.decode()
    assert "Карлов" not in page  # not his team


def test_a_value_takes_a_comment_and_a_document_and_keeps_its_history(client, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from motiva.periods.models import IndicatorValue
    from motiva.periods.services import period_transition

    period = cast["period"]
    period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.REVIEW)
    value = IndicatorValue.objects.get(period=period, employee=cast["people"]["anna"])
    url = reverse("value", args=[cast["company"].pk, value.pk])
    client.force_login(cast["users"]["boss"])
    response = client.post(
        url, {"comment": "По данным CRM", "attachment": SimpleUploadedFile("run.exe", b"MZ")}
    )
    assert response.status_code == 400 and "run.exe" in response.content.decode()
    value.refresh_from_db()
    assert value.comment == "" and not value.attachment
    response = client.post(
        url, {"comment": "По данным CRM", "attachment": SimpleUploadedFile("crm.pdf", b"%PDF-1.4")}
    )
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.comment == "По данным CRM" and value.attachment
    page = client.get(url).content.decode()
    assert "По данным CRM" in page and "crm" in page and "comment" in page  # the history names the field
    download = client.get(reverse("value_attachment", args=[cast["company"].pk, value.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4"
    client.force_login(cast["users"]["carl"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("value_attachment", args=[cast["company"].pk, value.pk])).status_code == 404


def test_a_manager_scores_a_task_line_of_his_report_but_not_his_own(client, cast):
    from motiva.kpi import services as kpi
    from motiva.kpi.models import CardLine, ComponentScore

    anna, boss = cast["people"]["anna"], cast["people"]["boss"]
    from motiva.kpi.models import Card

    card = Card.objects.get(employee=anna, period=cast["period"])
    kpi.card_replace_lines(
        actor=cast["users"]["admin"],
        card=card,
        lines=[
            {"indicator": cast["indicator"], "weight": "70", "scale": cast["scale"], "target": "100"},
            {"component": "tasks", "label": "Задачи месяца", "weight": "30"},
        ],
    )
    task = CardLine.objects.get(card=card, component="tasks")
    client.force_login(cast["users"]["boss"])
    url = reverse("component_score", args=[cast["company"].pk, anna.pk, task.pk])
    page = client.get(reverse("employee_card", args=[cast["company"].pk, anna.pk])).content.decode()
    assert url in page
    response = client.post(url, {"value": "500"}, follow=True)
    assert any("от 0 до 300" in m for m in messages_of(response)) and not ComponentScore.objects.exists()
    client.post(url, {"value": "90"})
    assert ComponentScore.objects.get(card_line=task).value == Decimal(90)
    own = Card.objects.get(employee=boss, period=cast["period"]).lines.first()
    assert (
        client.post(
            reverse("component_score", args=[cast["company"].pk, boss.pk, own.pk]), {"value": "100"}
        ).status_code
        == 404
    )
    client.force_login(cast["users"]["anna"])
    assert client.post(url, {"value": "300"}).status_code == 404
    assert ComponentScore.objects.get(card_line=task).value == Decimal(90)


def test_a_sanction_of_a_month_already_sanctioned_in_another_period_is_refused_on_the_page(client, cast):
    import datetime as dt

    from motiva.calc.models import Adjustment
    from motiva.periods.services import period_create

    march = cast["period"]
    quarter = period_create(
        actor=cast["users"]["hr"], organization=cast["company"], kind="quarter", start=dt.date(2026, 1, 1)
    )
    client.force_login(cast["users"]["hr"])
    sanction = {
        "personnel_number": "7",
        "kind": "disciplinary",
        "amount": "-1 000",
        "reason": "Выговор",
        "applied_on": "2026-03-05",
        "order_number": "3-к",
    }
    client.post(reverse("adjustment_add", args=[cast["company"].pk, march.pk]), sanction)
    assert Adjustment.objects.filter(period=march).count() == 1
    response = client.post(
        reverse("adjustment_add", args=[cast["company"].pk, quarter.pk]),
        {**sanction, "applied_on": "2026-03-20"},
        follow=True,
    )
    assert response.status_code == 200
    assert any(
        f"В марте 2026 у сотрудника уже есть взыскание в периоде «{march.name}»" in m
        for m in messages_of(response)
    )
    assert not Adjustment.objects.filter(period=quarter).exists()
    response = client.post(
        reverse("adjustment_add", args=[cast["company"].pk, quarter.pk]),
        {**sanction, "applied_on": "2026-02-20"},
        follow=True,
    )
    assert Adjustment.objects.filter(period=quarter).count() == 1  # February: allowed
