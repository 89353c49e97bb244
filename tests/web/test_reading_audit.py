"""The audit log as HR and the auditor read it: one entry per change, the person named, Russian names,
values in the reader's locale, filters parsed by a form (odd values answered on their field)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.core.models import AuditEvent
from motiva.periods import services as periods

pytestmark = pytest.mark.django_db


def text(response, start: str = 'data-testid="audit"') -> str:
    """The page's visible text from `start` on (the log's entries, not its filters), one space between words."""
    body = response.content.decode()
    body = body[body.index(start) :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace("&nbsp;", "\u00a0")


def audit(client, cast, query: str = ""):
    return client.get(reverse("audit", args=[cast["company"].pk]) + query)


def test_it_names_the_person_a_fact_concerns_with_the_indicator_in_words(client, cast):
    client.force_login(cast["users"]["hr"])
    page = text(audit(client, cast, "?entity=periods.IndicatorValue&person=Аннина"))
    assert "Продажи · факт · Март 2026 · Аннина Anna" in page
    assert "employee:" not in page and "SALES fact" not in page
    assert "concerns: Аннина Anna" in page or "касается: Аннина Anna" in page


def test_it_writes_numbers_and_money_for_the_locale(client, cast):
    periods.value_set(
        actor=cast["users"]["hr"],
        indicator=cast["indicator"],
        period=cast["period"],
        kind="fact",
        value=Decimal("93.4"),
        scope="employee",
        employee=cast["people"]["anna"],
    )
    client.force_login(cast["users"]["hr"])
    page = text(audit(client, cast, "?person=Аннина"))
    assert "110 → 93,4" in page  # not 93.4
    assert "61 111,00 RUB" in page  # her salary, thousands separated (a no-break space, read as a space)
    assert "Месячный оклад" in page and "Значение" in page  # field verbose names, not salary / value
    client.cookies["django_language"] = "en"
    page = text(
        client.get(reverse("audit", args=[cast["company"].pk]) + "?person=Аннина", HTTP_ACCEPT_LANGUAGE="en")
    )
    assert "110 → 93.4" in page and "61,111.00" in page


def test_cards_made_for_many_people_at_once_are_one_entry_with_details(client, cast):
    client.force_login(cast["users"]["hr"])
    response = audit(client, cast, "?entity=kpi.Card")
    page = text(response)
    assert response.content.decode().count('data-testid="audit-entry"') == 1  # one entry for the five cards
    assert "KPI cards: 5" in page or "Карты KPI: 5" in page
    for name in ("Аннина", "Борисов", "Карлов", "Начальников", "Сервисов"):
        assert name in page
    events = AuditEvent.objects.filter(entity_type="kpi.Card", organization=cast["company"]).order_by()
    assert events.values("change_id").distinct().count() == 1 and events.count() >= 5 * 3


def test_a_period_transition_reads_its_status_in_words(client, cast):
    client.force_login(cast["users"]["auditor"])
    page = text(audit(client, cast, "?entity=periods.Period"))
    assert "Март 2026" in page
    assert "сбор факта → проверка" in page  # not fact_collection → review


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?person=Никтоневедомов", "person", "Никтоневедомов"),
        ("?who=nobody-at-all", "who", "nobody-at-all"),
        ("?from=2026-13-45", "from", ""),
        ("?to=abc", "to", ""),
        ("?from=31.03.2027&to=2026-03-01", "to", ""),
        ("?entity=no.SuchThing", "entity", ""),
        ("?from=10000-01-01", "from", ""),
        ("?person=" + "я" * 101, "person", ""),
    ],
)
def test_an_unusable_filter_is_named_on_its_field_and_the_page_answers(client, cast, query, field, message):
    client.force_login(cast["users"]["hr"])
    response = audit(client, cast, query)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-testid="error-{field}"' in body
    if message:
        assert message in body


def test_too_many_people_matching_is_an_error_not_a_huge_filter(client, cast, monkeypatch):
    from motiva.web import audit_log

    monkeypatch.setattr(audit_log, "PEOPLE_LIMIT", 2)
    client.force_login(cast["users"]["hr"])
    body = audit(client, cast, "?person=ов").content.decode()  # Директоров, Начальников, Сервисов, Борисов …
    assert 'data-testid="error-person"' in body


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "1.5", "%00"])
def test_odd_pages_and_combined_filters_answer(client, cast, page):
    client.force_login(cast["users"]["hr"])
    assert audit(client, cast, f"?page={page}").status_code == 200
    response = audit(client, cast, f"?person=7&who=hr&from=2020-01-01&to=2100-12-31&q=Март&page={page}")
    assert response.status_code == 200


def test_filters_narrow_by_user_date_and_type(client, cast):
    client.force_login(cast["users"]["hr"])
    by_hr = text(audit(client, cast, "?who=hr"))
    assert (
        "Продажи · факт" in by_hr and "Карты KPI" not in by_hr
    )  # HR entered the facts; admin made the cards
    assert "Найдено изменений: 0" in text(audit(client, cast, "?to=2000-01-01"))


def test_the_log_stays_closed_to_managers_and_employees(client, cast):
    for user in ("boss", "anna", "fin", "gd", "outsider"):
        client.force_login(cast["users"][user])
        assert audit(client, cast, "?person=Аннина").status_code == 404, user


def test_the_auditor_sees_the_person_but_no_salary(client, cast):
    client.force_login(cast["users"]["auditor"])
    page = text(audit(client, cast, "?person=Аннина"))
    assert "Аннина Anna" in page and "•••" in page
    assert "61 111" not in page and "61111" not in page
