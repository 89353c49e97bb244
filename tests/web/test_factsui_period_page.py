"""The period page: group corrections entered and approved by two different people (nobody approves their
own unit's), refused to those without the role and with bad input; closing and recalculating an approved
period say what will happen and ask for confirmation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.calc.models import GroupCorrection
from motiva.core.models import AuditEvent
from motiva.periods.models import PeriodStatus

pytestmark = pytest.mark.django_db


def post(client, cast, user, name, *args, **data):
    client.force_login(cast["users"][user])
    return client.post(reverse(name, args=[cast["company"].pk, cast["period"].pk, *args]), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def period_page(client, cast, user) -> str:
    client.force_login(cast["users"][user])
    return client.get(reverse("period", args=[cast["company"].pk, cast["period"].pk])).content.decode()


def test_a_group_correction_is_entered_and_approved_by_another_person(client, cast):
    service = cast["units"]["service"]
    response = post(
        client,
        cast,
        "hr",
        "group_correction_add",
        unit=service.pk,
        coefficient="0,9",
        reason="Оценки выше KPI",
    )
    assert any("Сервис" in m for m in messages_of(response))
    correction = GroupCorrection.objects.get(period=cast["period"], unit=service)
    assert correction.coefficient == Decimal("0.9") and correction.approved_by is None
    page = period_page(client, cast, "hr")
    block = page[page.index('data-testid="group-corrections"') :]
    assert "× 0,9" in block and "ждёт утверждения другим человеком" in block
    # The author cannot approve their own correction, even by posting.
    response = post(client, cast, "hr", "group_correction_approve", correction.pk)
    assert any("другой человек" in m for m in messages_of(response))
    correction.refresh_from_db()
    assert correction.approved_by is None
    page = period_page(client, cast, "fin")
    assert (
        reverse("group_correction_approve", args=[cast["company"].pk, cast["period"].pk, correction.pk])
        in page
    )
    post(client, cast, "fin", "group_correction_approve", correction.pk)
    correction.refresh_from_db()
    assert correction.approved_by == cast["users"]["fin"]
    response = post(client, cast, "gd", "group_correction_approve", correction.pk)
    assert any("уже утверждена" in m for m in messages_of(response))
    events = AuditEvent.objects.filter(entity_type="calc.GroupCorrection", entity_id=str(correction.pk))
    assert {e.action for e in events} >= {"create", "update"}


def test_nobody_approves_the_correction_of_their_own_unit(client, cast):
    root = cast["units"]["root"]  # finance works in the head office
    post(client, cast, "hr", "group_correction_add", unit=root.pk, coefficient="1,1", reason="Кризисный год")
    correction = GroupCorrection.objects.get(unit=root)
    response = post(client, cast, "fin", "group_correction_approve", correction.pk)
    assert any("в котором работаете вы сами" in m for m in messages_of(response))
    correction.refresh_from_db()
    assert correction.approved_by is None


@pytest.mark.parametrize(
    "data, field",
    [
        ({"unit": "abc", "coefficient": "0,9", "reason": "x"}, "Подразделение"),
        ({"unit": "999999", "coefficient": "0,9", "reason": "x"}, "Подразделение"),
        ({"unit": "SERVICE", "coefficient": "много", "reason": "x"}, "Коэффициент"),
        ({"unit": "SERVICE", "coefficient": "5", "reason": "x"}, "от 0 до 2"),
        ({"unit": "SERVICE", "coefficient": "-0,1", "reason": "x"}, "от 0 до 2"),
        ({"unit": "SERVICE", "coefficient": "0,9", "reason": ""}, "Обоснование"),
        ({"unit": "SERVICE", "coefficient": "NaN", "reason": "x"}, "Коэффициент"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(client, cast, data, field):
    if data["unit"] == "SERVICE":
        data = {**data, "unit": cast["units"]["service"].pk}
    response = post(client, cast, "hr", "group_correction_add", **data)
    assert any(field in m for m in messages_of(response)), messages_of(response)
    assert not GroupCorrection.objects.exists()


def test_another_organizations_unit_is_refused(client, cast):
    from motiva.org.models import Unit

    other_unit = Unit.objects.get(organization=cast["other"])
    post(client, cast, "hr", "group_correction_add", unit=other_unit.pk, coefficient="0,9", reason="x")
    assert not GroupCorrection.objects.exists()


def test_group_corrections_are_refused_and_hidden_without_the_role(client, cast):
    service = cast["units"]["service"]
    for user in ("anna", "boss", "auditor", "outsider"):
        client.force_login(cast["users"][user])
        url = reverse("group_correction_add", args=[cast["company"].pk, cast["period"].pk])
        response = client.post(url, {"unit": service.pk, "coefficient": "0,5", "reason": "x"})
        assert response.status_code == 404
    assert not GroupCorrection.objects.exists()
    post(client, cast, "hr", "group_correction_add", unit=service.pk, coefficient="0,9", reason="Оценки")
    correction = GroupCorrection.objects.get()
    for user in ("anna", "boss", "auditor"):
        client.force_login(cast["users"][user])
        url = reverse("group_correction_approve", args=[cast["company"].pk, cast["period"].pk, correction.pk])
        assert client.post(url).status_code == 404
        assert 'data-testid="group-corrections"' not in period_page(client, cast, user)
    correction.refresh_from_db()
    assert correction.approved_by is None
    client.force_login(cast["users"]["fin"])
    missing = reverse("group_correction_approve", args=[cast["company"].pk, cast["period"].pk, 999999])
    assert client.post(missing).status_code == 404
    assert client.get(missing).status_code == 405


def sign_all(client, cast):
    for user, kind in (
        ("boss", "manager"),
        ("boss2", "manager"),
        ("gd", "executive"),
        ("hr", "hr"),
        ("fin", "finance"),
    ):
        post(client, cast, user, "period_sign", kind=kind)


def test_closing_says_what_happens_and_needs_the_confirmation(client, cast):
    sign_all(client, cast)
    period = cast["period"]
    period.refresh_from_db()
    assert period.status == PeriodStatus.APPROVED
    page = period_page(client, cast, "fin")
    block = page[page.index('data-testid="close-period"') :]
    assert "Закрытие периода окончательно" in block and "сотрудников в расчёте: 5" in block
    assert 'name="confirm"' in block and "required" in block
    response = post(client, cast, "fin", "period_close")
    assert any("Подтверждаю" in m for m in messages_of(response))
    period.refresh_from_db()
    assert period.status == PeriodStatus.APPROVED
    post(client, cast, "fin", "period_close", confirm="1")
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED


def test_recalculating_an_approved_period_says_what_happens(client, cast, django_capture_on_commit_callbacks):
    sign_all(client, cast)
    page = period_page(client, cast, "hr")
    block = page[page.index('data-testid="recalculation-consequences"') :]
    block = block[: block.index("</div>")]
    assert "Результаты периода утверждены" in block and "сейчас их 5" in block
    assert "«рассчитан»" in block and "подпись финансов: Fin" in block  # who signed, by name
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, cast, "hr", "period_run", reason="Исправлен факт")
    assert any("Подтвердите" in m for m in messages_of(response))
    assert cast["period"].runs.count() == 1
