"""Input hygiene where numbers are typed: the fact grid (cells typed or pasted as a block from Excel),
every form field, loads of many values, formulas of computed indicators. Digits other than 0–9 are
refused naming the cell or field, a block with the same cell twice is refused naming both, and nothing
is saved when anything is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from motiva.core.errors import InvalidInput
from motiva.kpi import services as kpi
from motiva.periods import services as periods
from motiva.periods.models import IndicatorValue
from motiva.web.forms import AdjustmentForm, NumberField
from tests.web import test_factsui_grid as factsui
from tests.web.test_factsui_grid import cell, url

pytestmark = pytest.mark.django_db

grid = factsui.grid  # the fact grid's fixture: March in fact collection, Anna's card with CALLS


def _post(client, grid, data):
    client.force_login(grid["users"]["hr"])
    with translation.override("en"):
        return client.post(url(grid), data, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize("typed", ["٣٥", "３５", "3²", "1 2٣4,5"])
def test_the_grid_refuses_foreign_digits_naming_the_cell_and_saves_nothing(client, grid, typed):
    anna, boris = grid["people"]["anna"], grid["people"]["boris"]
    before = IndicatorValue.objects.get(indicator=grid["indicator"], employee=boris, kind="fact").value
    response = _post(
        client,
        grid,
        {
            cell(grid["calls"], f"employee:{anna.pk}"): "40",
            cell(grid["indicator"], f"employee:{boris.pk}"): typed,
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Борисов" in text and "is not one of the digits 0–9" in text
    assert not IndicatorValue.objects.filter(indicator=grid["calls"]).exists()  # Anna's good cell neither
    assert (
        IndicatorValue.objects.get(indicator=grid["indicator"], employee=boris, kind="fact").value == before
    )


def test_a_block_with_the_same_cell_twice_is_refused_naming_both_values(client, grid):
    anna = grid["people"]["anna"]
    name = cell(grid["calls"], f"employee:{anna.pk}")
    response = _post(client, grid, {name: ["40", "55"]})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Звонки клиентам · Аннина" in text and "“40”" in text and "“55”" in text and "twice" in text
    assert not IndicatorValue.objects.filter(indicator=grid["calls"]).exists()
    response = _post(client, grid, {name: ["40", "40"]})  # the same value twice is not ambiguous
    assert response.status_code == 302
    assert IndicatorValue.objects.get(indicator=grid["calls"], employee=anna).value == Decimal(40)


@pytest.mark.parametrize(
    "field", [forms.IntegerField(), forms.DecimalField(), forms.FloatField(), NumberField()]
)
@pytest.mark.parametrize("typed", ["٣", "３", "²", "1৩"])
def test_every_number_field_refuses_foreign_digits(field, typed):
    with pytest.raises(forms.ValidationError) as caught:
        field.clean(typed)
    assert caught.value.code == "digit"
    assert field.clean("3") == 3


def test_the_adjustment_form_names_the_field():
    form = AdjustmentForm(data={"personnel_number": "7", "kind": "manual", "amount": "５00", "reason": "x"})
    assert not form.is_valid()
    assert form.errors.as_data()["amount"][0].code == "digit"


def test_model_forms_like_the_admins_refuse_them_too():
    """The admin's model forms use Django's own fields; the guard installed at start-up covers them."""
    from django.forms import modelform_factory

    from motiva.org.models import Assignment

    form_class = modelform_factory(Assignment, fields=["salary", "fte"])
    for name, typed in (("salary", "٥٠٠٠٠"), ("fte", "١")):
        with pytest.raises(forms.ValidationError) as caught:
            form_class.base_fields[name].clean(typed)
        assert caught.value.code == "digit"
    assert form_class.base_fields["salary"].clean("50000") == Decimal(50000)


@pytest.fixture
def sales(actor, organization):
    return kpi.indicator_create(actor=actor, organization=organization, code="SALES", name="Продажи")


def test_a_load_with_the_same_cell_twice_names_both_rows(actor, organization, sales):
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 6, 1)
    )
    rows = [
        {"indicator": sales, "period": period, "kind": "fact", "value": Decimal(10)},
        {"indicator": sales, "period": period, "kind": "plan", "value": Decimal(12)},
        {"indicator": sales, "period": period, "kind": "fact", "value": Decimal(11)},
    ]
    with pytest.raises(InvalidInput) as refusal:
        periods.values_load(actor=actor, rows=rows)
    assert [p.field for p in refusal.value.problems] == ["row 3"]
    assert refusal.value.messages("en")[0].startswith("Rows 1 and 3: the same cell (SALES")
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize("source", ["SALES / 0", "SALES / (2 - 2)", "SALES * 100000000000000000000"])
def test_a_computed_indicator_with_a_formula_that_cannot_be_computed_is_refused_at_save(
    actor, organization, sales, source
):
    with pytest.raises(InvalidInput) as refusal:
        kpi.indicator_create(
            actor=actor,
            organization=organization,
            code="BAD",
            name="Bad",
            formula=source,
            monitoring_only=True,
        )
    problem = refusal.value.problems[0]
    assert problem.code in {"division_by_zero", "too_large"} and problem.field.startswith("formula:")
    assert "character" in refusal.value.messages("en")[0]
    kpi.indicator_create(
        actor=actor,
        organization=organization,
        code="GOOD",
        name="Good",
        formula="SALES / 2",
        monitoring_only=True,
    )


def test_typed_get_parameters_read_ascii_digits_only(rf, client, cast):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.urls import reverse
    from django.utils import timezone

    from motiva.web.staff import _month

    def month(raw):
        request = rf.get("/", {"month": raw})
        request.session = {}
        request._messages = FallbackStorage(request)
        return _month(request), [str(m) for m in request._messages]

    assert month("2026-03") == (dt.date(2026, 3, 1), [])
    this_month = timezone.localdate().replace(day=1)
    for raw in ("٢٠٢٦-٠٣", "２０２６-０３"):  # int() would have read March 2026
        shown, said = month(raw)
        assert shown == this_month and len(said) == 1
    client.force_login(cast["users"]["boss"])
    run_url = reverse("run", args=[cast["company"].pk, cast["run"].pk])
    for page in ("٣", "３", "²", "1" * 30, "-1", "2"):
        assert client.get(run_url, {"page": page}).status_code == 200
