"""Stale page state: a value, a card or a scale/scheme saved from a page that is no longer current is
refused with 409, the page shows the current value (and who changed it), and nothing is written."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.periods.models import IndicatorValue, PeriodStatus
from motiva.periods.services import period_transition, value_set

pytestmark = pytest.mark.django_db


def open_collection(cast):
    period = cast["period"]
    period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.REVIEW)
    period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.FACT_COLLECTION)
    return period


def grid_url(cast):
    return reverse("facts", args=[cast["company"].pk, cast["period"].pk])


def cell(cast, name):
    return f"{cast['indicator'].pk}:employee:{cast['people'][name].pk}"


def shown_versions(page: str) -> dict[str, str]:
    """The hidden `was:` fields of a rendered grid: what the page state was."""
    return dict(re.findall(r'name="(was:[^"]+)" value="([^"]*)"', page))


def fact(cast, name):
    return IndicatorValue.objects.get(period=cast["period"], employee=cast["people"][name], kind="fact")


def test_the_second_of_two_saves_from_the_same_page_state_gets_409_and_writes_nothing(client, cast):
    open_collection(cast)
    client.force_login(cast["users"]["hr"])
    state = shown_versions(client.get(grid_url(cast)).content.decode())
    assert f"was:{cell(cast, 'anna')}" in state
    client.force_login(cast["users"]["boss"])
    first = client.post(grid_url(cast), {**state, f"c:{cell(cast, 'anna')}": "125"})
    assert first.status_code == 302 and fact(cast, "anna").value == Decimal(125)
    client.force_login(cast["users"]["hr"])
    second = client.post(grid_url(cast), {**state, f"c:{cell(cast, 'anna')}": "130"})
    assert second.status_code == 409
    assert fact(cast, "anna").value == Decimal(125)  # nothing written
    page = second.content.decode()
    assert 'data-testid="grid-conflict"' in page and 'data-testid="cell-conflict"' in page
    conflict = page[page.index('data-testid="cell-conflict"') :].split("</div>", 1)[0]
    assert "125" in conflict and "Boss" in conflict  # the current value and who changed it
    assert 'value="130"' in page  # the user's own value is kept in the cell
    # Saving the refused page again means "replace the current value": it now carries its version.
    third = client.post(grid_url(cast), {**shown_versions(page), f"c:{cell(cast, 'anna')}": "130"})
    assert third.status_code == 302 and fact(cast, "anna").value == Decimal(130)


def test_a_conflict_in_one_cell_saves_no_other_cell(client, cast):
    open_collection(cast)
    client.force_login(cast["users"]["hr"])
    state = shown_versions(client.get(grid_url(cast)).content.decode())
    value_set(
        actor=cast["users"]["boss"],
        indicator=cast["indicator"],
        period=cast["period"],
        kind="fact",
        value=Decimal(99),
        scope="employee",
        employee=cast["people"]["anna"],
    )
    response = client.post(
        grid_url(cast), {**state, f"c:{cell(cast, 'anna')}": "130", f"c:{cell(cast, 'boris')}": "77"}
    )
    assert response.status_code == 409
    assert fact(cast, "anna").value == Decimal(99) and fact(cast, "boris").value == Decimal(90)


def test_a_cell_left_untouched_is_not_a_save_even_if_it_changed_meanwhile(client, cast):
    open_collection(cast)
    client.force_login(cast["users"]["hr"])
    page = client.get(grid_url(cast)).content.decode()
    state = shown_versions(page)
    value_set(
        actor=cast["users"]["boss"],
        indicator=cast["indicator"],
        period=cast["period"],
        kind="fact",
        value=Decimal(95),
        scope="employee",
        employee=cast["people"]["boris"],
    )
    # Boris's cell is posted as the page showed it (90); only Anna's was typed.
    response = client.post(
        grid_url(cast), {**state, f"c:{cell(cast, 'anna')}": "111", f"c:{cell(cast, 'boris')}": "90"}
    )
    assert response.status_code == 302
    assert fact(cast, "anna").value == Decimal(111) and fact(cast, "boris").value == Decimal(95)


def test_a_double_click_saving_the_same_value_twice_is_not_a_conflict(client, cast):
    open_collection(cast)
    client.force_login(cast["users"]["hr"])
    state = shown_versions(client.get(grid_url(cast)).content.decode())
    data = {**state, f"c:{cell(cast, 'anna')}": "126"}
    assert client.post(grid_url(cast), data).status_code == 302
    assert client.post(grid_url(cast), data).status_code == 302
    assert fact(cast, "anna").value == Decimal(126)


def test_a_cell_created_by_someone_else_meanwhile_is_a_conflict(client, cast):
    open_collection(cast)
    anna = cast["people"]["anna"]
    IndicatorValue.objects.filter(period=cast["period"], employee=anna).delete()
    client.force_login(cast["users"]["hr"])
    state = shown_versions(client.get(grid_url(cast)).content.decode())
    assert state[f"was:{cell(cast, 'anna')}"] == ":"  # no value yet
    value_set(
        actor=cast["users"]["boss"],
        indicator=cast["indicator"],
        period=cast["period"],
        kind="fact",
        value=Decimal(101),
        scope="employee",
        employee=anna,
    )
    response = client.post(grid_url(cast), {**state, f"c:{cell(cast, 'anna')}": "130"})
    assert response.status_code == 409 and fact(cast, "anna").value == Decimal(101)


def test_a_post_without_versions_still_saves(client, cast):
    open_collection(cast)
    client.force_login(cast["users"]["hr"])
    response = client.post(grid_url(cast), {f"c:{cell(cast, 'anna')}": "131"})
    assert response.status_code == 302 and fact(cast, "anna").value == Decimal(131)


def page_version(page: str) -> str:
    return re.search(r'name="page_version" value="([^"]*)"', page).group(1)


def test_a_comment_saved_over_a_newer_one_gets_409_and_shows_the_current_comment(client, cast):
    from motiva.periods.services import value_annotate

    open_collection(cast)
    value = fact(cast, "anna")
    url = reverse("value", args=[cast["company"].pk, value.pk])
    client.force_login(cast["users"]["hr"])
    seen = page_version(client.get(url).content.decode())
    value_annotate(actor=cast["users"]["boss"], value=value, comment="Проверено по CRM")
    response = client.post(url, {"comment": "Моё пояснение", "page_version": seen})
    assert response.status_code == 409
    value.refresh_from_db()
    assert value.comment == "Проверено по CRM"  # nothing written
    page = response.content.decode()
    assert 'data-testid="value-conflict"' in page and "Проверено по CRM" in page and "Boss" in page
    assert "Моё пояснение" in page  # the user's text is kept in the form
    response = client.post(url, {"comment": "Моё пояснение", "page_version": page_version(page)})
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.comment == "Моё пояснение"


def card_lines(cast, target):
    return {
        "line-0-component": "indicator",
        "line-0-indicator": cast["indicator"].pk,
        "line-0-level": "personal",
        "line-0-weight": "100",
        "line-0-scale": cast["scale"].pk,
        "line-0-target": target,
    }


def test_a_card_saved_from_a_stale_editor_gets_409_and_keeps_the_current_lines(client, cast):
    import datetime as dt

    from motiva.kpi.models import Card
    from motiva.periods import services as periods

    anna = cast["people"]["anna"]
    april = periods.period_create(
        actor=cast["users"]["hr"], organization=cast["company"], kind="month", start=dt.date(2026, 4, 1)
    )
    url = reverse("card_edit", args=[cast["company"].pk, anna.pk]) + f"?period={april.pk}"
    client.force_login(cast["users"]["hr"])
    seen = page_version(client.get(url).content.decode())
    first = client.post(url, {"period": april.pk, "page_version": seen, **card_lines(cast, "100")})
    assert first.status_code == 302
    second = client.post(url, {"period": april.pk, "page_version": seen, **card_lines(cast, "120")})
    assert second.status_code == 409
    assert Card.objects.get(employee=anna, period=april).lines.get().target == Decimal(100)
    page = second.content.decode()
    assert 'data-testid="card-conflict"' in page and "SALES 100 %" in page
    third = client.post(
        url, {"period": april.pk, "page_version": page_version(page), **card_lines(cast, "120")}
    )
    assert third.status_code == 302
    assert Card.objects.get(employee=anna, period=april).lines.get().target == Decimal(120)


def test_a_template_version_made_from_a_stale_editor_gets_409(client, cast):
    from motiva.kpi.models import CardTemplate

    position = cast["people"]["anna"].assignments.get().position
    url = reverse("template_edit", args=[cast["company"].pk, position.pk])
    client.force_login(cast["users"]["hr"])
    seen = page_version(client.get(url).content.decode())
    data = {"valid_from": "2026-04-01", "page_version": seen, **card_lines(cast, "100")}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "valid_from": "2026-05-01"})
    assert response.status_code == 409
    assert CardTemplate.objects.filter(position=position).count() == 2
    assert 'data-testid="card-conflict"' in response.content.decode()


def test_a_scale_saved_from_a_stale_editor_gets_409_and_shows_the_current_parameters(client, cast):
    scale = cast["scale"]
    url = reverse("paycfg_scale_edit", args=[cast["company"].pk, scale.pk])
    client.force_login(cast["users"]["hr"])
    seen = page_version(client.get(url).content.decode())

    def save(points):
        data = {
            "kind": "penalty_points",
            "name": scale.name,
            "base_score": "100",
            "points_per_violation": "1",
            "score_per_point": points,
            "floor": "0",
            "reason": "по новому положению",
            "page_version": seen,
        }
        return client.post(url, data)

    assert save("5").status_code == 302
    response = save("7")
    assert response.status_code == 409
    scale.refresh_from_db()
    assert scale.params["score_per_point"] == "5"
    conflict = response.content.decode().split('data-testid="config-conflict"', 1)[1].split("</div>", 1)[0]
    assert "score_per_point: 5" in conflict


def test_a_scheme_saved_from_a_stale_editor_gets_409(client, cast):
    from motiva.kpi.models import PayScheme
    from tests.web.test_paycfg_schemes import posted

    scheme = PayScheme.objects.get(organization=cast["company"], name="20 %")
    url = reverse("paycfg_scheme_edit", args=[cast["company"].pk, scheme.pk])
    client.force_login(cast["users"]["hr"])
    seen = page_version(client.get(url).content.decode())

    def save(percent):
        fields = {"name": "20 %", "basis": "salary_percent", "percent": percent, "reason": "решение"}
        return client.post(url, {**posted("target_bonus", **fields), "page_version": seen})

    assert save("25").status_code == 302
    response = save("30")
    assert response.status_code == 409
    scheme.refresh_from_db()
    assert scheme.params["percent"] == "25"
    assert "percent: 25" in response.content.decode()
