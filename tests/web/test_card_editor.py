"""The card editor through its pages: validation names the line, a save makes a new version, one
action assigns the template to a whole position."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.kpi.models import Card, CardTemplate
from motiva.periods import services as periods

pytestmark = pytest.mark.django_db


def lines(cast, *weights):
    data = {}
    for i, weight in enumerate(weights):
        data |= {
            f"line-{i}-component": "indicator",
            f"line-{i}-indicator": cast["indicator"].pk,
            f"line-{i}-level": "personal",
            f"line-{i}-weight": weight,
            f"line-{i}-scale": cast["scale"].pk,
            f"line-{i}-target": "100",
        }
    return data


def test_a_template_whose_weights_miss_100_is_refused_and_named(client, cast):
    client.force_login(cast["users"]["hr"])
    position = cast["people"]["anna"].assignments.get().position
    url = reverse("template_edit", args=[cast["company"].pk, position.pk])
    response = client.post(url, {"valid_from": "2026-05-01", **lines(cast, "60", "30")})
    assert response.status_code == 400
    page = response.content.decode()
    assert "100" in page and "Ничего не сохранено" in page
    assert CardTemplate.objects.filter(position=position).count() == 1


def test_a_saved_template_is_a_new_version_and_is_assigned_in_one_action(client, cast):
    client.force_login(cast["users"]["hr"])
    position = cast["people"]["anna"].assignments.get().position
    response = client.post(
        reverse("template_edit", args=[cast["company"].pk, position.pk]),
        {"valid_from": "2026-04-01", **lines(cast, "70", "30,0")},
    )
    assert response.status_code == 302
    versions = list(CardTemplate.objects.filter(position=position).order_by("version"))
    assert [v.version for v in versions] == [1, 2] and versions[0].valid_to == dt.date(2026, 3, 31)
    assert [line.weight for line in versions[1].lines.order_by("order")] == [Decimal(70), Decimal(30)]
    april = periods.period_create(
        actor=cast["users"]["hr"], organization=cast["company"], kind="month", start=dt.date(2026, 4, 1)
    )
    response = client.post(
        reverse("template_assign", args=[cast["company"].pk, position.pk]),
        {"period": april.pk, "scope": "position"},
        follow=True,
    )
    assert "Создано карт: 2" in response.content.decode()
    cards = Card.objects.filter(period=april)
    assert {c.employee.last_name for c in cards} == {"Аннина", "Борисов"}
    assert all(c.lines.count() == 2 for c in cards)


def test_an_employee_card_is_copied_from_the_previous_period_and_saved(client, cast):
    client.force_login(cast["users"]["hr"])
    anna = cast["people"]["anna"]
    april = periods.period_create(
        actor=cast["users"]["hr"], organization=cast["company"], kind="month", start=dt.date(2026, 4, 1)
    )
    url = reverse("card_edit", args=[cast["company"].pk, anna.pk])
    page = client.get(url, {"period": april.pk, "copy": "previous"}).content.decode()
    assert '"weight": "100"' in page  # the March line, offered to the editor
    response = client.post(url + f"?period={april.pk}", {"period": april.pk, **lines(cast, "100")})
    assert response.status_code == 302
    assert Card.objects.get(employee=anna, period=april).lines.get().weight == Decimal(100)


def test_cards_for_a_whole_period_in_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motiva.core.models import AuditEvent
    from motiva.kpi import services as kpi

    hr, company = cast["users"]["hr"], cast["company"]
    people = cast["people"]
    april = periods.period_create(actor=hr, organization=company, kind="month", start=dt.date(2026, 4, 1))
    kpi.card_create(actor=hr, employee=people["anna"], period=april)
    everyone = [people[n] for n in ("anna", "boris", "carl", "boss", "boss2", "hr", "outsider")]
    with CaptureQueriesContext(connection) as few:
        created, skipped = kpi.cards_create_for_period(actor=hr, period=april, employees=everyone)
    assert {c.employee.last_name for c in created} == {"Борисов", "Карлов", "Начальников", "Сервисов"}
    reasons = {employee.last_name: refusal.problems[0].code for employee, refusal in skipped}
    assert reasons == {"Аннина": "duplicate", "Кадрова": "no_template", "Чужаков": "other_organization"}
    boris = Card.objects.get(employee=people["boris"], period=april)
    template = boris.template
    assert boris.scheme == template.scheme and [
        (line.indicator_id, line.weight, line.target) for line in boris.lines.order_by("order")
    ] == [(line.indicator_id, line.weight, line.target) for line in template.lines.order_by("order")]
    assert AuditEvent.objects.filter(
        entity_type="kpi.Card", entity_id=str(boris.pk), field="employee"
    ).exists()
    # The same number of queries for many people as for a few.
    may = periods.period_create(actor=hr, organization=company, kind="month", start=dt.date(2026, 5, 1))
    with CaptureQueriesContext(connection) as one:
        kpi.cards_create_for_period(actor=hr, period=may, employees=[people["boris"]])
    june = periods.period_create(actor=hr, organization=company, kind="month", start=dt.date(2026, 6, 1))
    with CaptureQueriesContext(connection) as many:
        kpi.cards_create_for_period(actor=hr, period=june, employees=everyone)
    assert len(one) == len(many) <= len(few)
