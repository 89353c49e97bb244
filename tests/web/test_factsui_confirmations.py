"""What awaits my confirmation: the confirmer's list (a card line's confirmer before the indicator's),
filters with odd values, "confirm all shown" as one audited call that refuses closed periods, and the
home page's one entry per period."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent
from motiva.kpi import services as kpi
from motiva.kpi.models import Card
from motiva.periods.models import IndicatorValue, Period, PeriodStatus
from motiva.periods.selectors import values_awaiting_confirmation
from motiva.periods.services import period_transition, value_set, values_confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(cast):
    """March in fact collection: HR entered the five sales facts (the general director's position
    confirms sales) and the service unit's quality, confirmed by the head of service (his card line)."""
    admin, hr = cast["users"]["admin"], cast["users"]["hr"]
    period = cast["period"]
    for status in (PeriodStatus.REVIEW, PeriodStatus.FACT_COLLECTION):
        period_transition(actor=hr, period=period, to_status=status)
    quality = kpi.indicator_create(
        actor=admin, organization=cast["company"], code="QUALITY", name="Качество сервиса"
    )
    carl = cast["people"]["carl"]
    head2 = cast["people"]["boss2"].assignments.get().position
    kpi.card_replace_lines(
        actor=admin,
        card=Card.objects.get(period=period, employee=carl),
        lines=[
            {"indicator": cast["indicator"], "weight": "70", "scale": cast["scale"], "target": "100"},
            {
                "indicator": quality,
                "weight": "30",
                "scale": cast["scale"],
                "target": "100",
                "level": "unit",
                "confirmer_position": head2,
            },
        ],
    )
    value_set(
        actor=hr,
        indicator=quality,
        period=period,
        kind="fact",
        value=95,
        scope="unit",
        unit=cast["units"]["service"],
    )
    return {**cast, "quality": quality}


def page(client, cast, user, **params):
    client.force_login(cast["users"][user])
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(reverse("confirmations", args=[cast["company"].pk]) + ("?" + query if query else ""))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_confirmer_sees_what_awaits_them_and_nobody_else_does(client, waiting):
    response = page(client, waiting, "gd")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {v.indicator.code for v in rows} == {"SALES"} and len(rows) == 5
    # The card line names the head of service as the quality's confirmer.
    rows = page(client, waiting, "boss2").context["rows"]
    assert [(v.indicator.code, v.unit.name) for v in rows] == [("QUALITY", "Сервис")]
    for user in ("boss", "anna", "hr", "auditor", "outsider"):
        assert page(client, waiting, user).status_code == 404


def test_confirm_all_shown_confirms_the_page_in_one_audited_change(client, waiting):
    response = page(client, waiting, "gd", q="Аннина")
    shown = [v.pk for v in response.context["rows"]]
    assert len(shown) == 1
    url = reverse("confirmations", args=[waiting["company"].pk]) + "?q=Аннина"
    response = client.post(url, {"values": shown}, follow=True)
    assert any("Подтверждено фактов: 1" in m for m in messages_of(response))
    anna = IndicatorValue.objects.get(pk=shown[0])
    assert anna.confirmed_by == waiting["users"]["gd"] and anna.confirmed_at is not None
    assert (
        IndicatorValue.objects.filter(indicator=waiting["indicator"], confirmed_at__isnull=True).count() == 4
    )
    # Then everything else shown, at once: the events share one change.
    response = page(client, waiting, "gd")
    shown = [v.pk for v in response.context["rows"]]
    client.post(reverse("confirmations", args=[waiting["company"].pk]), {"values": shown})
    assert not IndicatorValue.objects.filter(
        indicator=waiting["indicator"], confirmed_at__isnull=True
    ).exists()
    events = AuditEvent.objects.filter(
        entity_type="periods.IndicatorValue", entity_id__in=[str(pk) for pk in shown], field="confirmed_by"
    )
    assert events.count() == 4 and len({e.change_id for e in events}) == 1


def test_a_value_that_was_not_shown_is_refused_and_nothing_is_confirmed(client, waiting):
    quality = IndicatorValue.objects.get(indicator=waiting["quality"])
    response = page(client, waiting, "gd")
    shown = [v.pk for v in response.context["rows"]]
    response = client.post(
        reverse("confirmations", args=[waiting["company"].pk]), {"values": [*shown, quality.pk]}, follow=True
    )
    assert any("Подтверждение" in m for m in messages_of(response))
    assert not IndicatorValue.objects.filter(confirmed_at__isnull=False).exists()
    response = client.post(
        reverse("confirmations", args=[waiting["company"].pk]), {"values": "abc"}, follow=True
    )
    assert (
        response.status_code == 200 and not IndicatorValue.objects.filter(confirmed_at__isnull=False).exists()
    )


def test_the_service_refuses_a_closed_period_and_a_fact_the_actor_does_not_confirm(waiting):
    gd = waiting["users"]["gd"]
    awaiting = values_awaiting_confirmation(
        organization_id=waiting["company"].pk,
        position_id=waiting["people"]["gd"].assignments.get().position_id,
        user=gd,
        employee_id=waiting["people"]["gd"].pk,
    )
    values = list(awaiting)
    quality = IndicatorValue.objects.get(indicator=waiting["quality"])
    with pytest.raises(InvalidInput) as refused:
        values_confirm(actor=gd, values=[*values, quality], awaiting=awaiting)
    assert "Качество сервиса · Сервис" in " ".join(refused.value.messages("ru"))
    assert not IndicatorValue.objects.filter(confirmed_at__isnull=False).exists()
    Period.objects.filter(pk=waiting["period"].pk).update(status=PeriodStatus.CLOSED)
    with pytest.raises(InvalidInput) as refused:
        values_confirm(
            actor=gd, values=values, awaiting=awaiting.model.objects.filter(pk__in=[v.pk for v in values])
        )
    assert "закрыт" in " ".join(refused.value.messages("ru"))
    assert not IndicatorValue.objects.filter(confirmed_at__isnull=False).exists()
    with pytest.raises(InvalidInput):
        values_confirm(actor=gd, values=[], awaiting=awaiting)


def test_nobody_confirms_what_they_entered(client, waiting):
    # The head of service enters... nothing here; HR's own entries never wait for HR. The general director
    # changes Anna's sales himself: that fact leaves his list.
    gd = waiting["users"]["gd"]
    anna = waiting["people"]["anna"]
    value_set(
        actor=gd,
        indicator=waiting["indicator"],
        period=waiting["period"],
        kind="fact",
        value=111,
        scope="employee",
        employee=anna,
    )
    rows = page(client, waiting, "gd").context["rows"]
    assert anna.pk not in {v.employee_id for v in rows} and len(rows) == 4


def test_the_filters_and_odd_values(client, waiting):
    period = waiting["period"]
    sales_unit = waiting["units"]["sales"]
    rows = page(client, waiting, "gd", unit=sales_unit.pk).context["rows"]
    assert {v.employee.last_name for v in rows} == {"Аннина", "Борисов", "Начальников"}
    rows = page(client, waiting, "gd", period=period.pk, indicator=waiting["indicator"].pk).context["rows"]
    assert len(rows) == 5
    for params in (
        {"period": "abc"},
        {"period": "999999"},
        {"period": waiting["other_period"].pk},
        {"indicator": "abc"},
        {"indicator": waiting["other_indicator"].pk},
        {"unit": "abc"},
        {"unit": "-5"},
        {"page": "999"},
        {"page": "x"},
        {"q": "%25%25"},
        {"q": "я" * 300},
    ):
        response = page(client, waiting, "gd", **params)
        assert response.status_code == 200, params
    response = page(client, waiting, "gd", period="abc")
    assert any("Период" in m for m in messages_of(response))
    assert len(response.context["rows"]) == 5  # the refused filter is left out


def test_the_home_page_lists_each_periods_confirmations_once(client, waiting):
    client.force_login(waiting["users"]["gd"])
    home = client.get(reverse("home")).content.decode()
    link = reverse("confirmations", args=[waiting["company"].pk]) + f"?period={waiting['period'].pk}"
    assert home.count(link) == 1
    assert "5" in home[home.index(link) : home.index(link) + 300]
    client.force_login(waiting["users"]["boss2"])
    home = client.get(reverse("home")).content.decode()
    assert home.count(link) == 1


def test_the_period_page_links_the_confirmers_list(client, waiting):
    url = reverse("period", args=[waiting["company"].pk, waiting["period"].pk])
    client.force_login(waiting["users"]["gd"])
    assert 'data-testid="to-confirmations"' in client.get(url).content.decode()
    client.force_login(waiting["users"]["anna"])
    assert 'data-testid="to-confirmations"' not in client.get(url).content.decode()
