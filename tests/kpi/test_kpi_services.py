import datetime as dt
from decimal import Decimal

import pytest

from motiva.core.errors import InvalidInput
from motiva.kpi import services as kpi
from motiva.periods import services as periods

pytestmark = pytest.mark.django_db


def indicator(actor, organization, code, **kwargs):
    return kpi.indicator_create(
        actor=actor, organization=organization, code=code, name=kwargs.pop("name", code), **kwargs
    )


def test_formula_syntax_and_names_are_checked(actor, organization):
    indicator(actor, organization, "TONNES")
    indicator(actor, organization, "HEADCOUNT")
    productivity = indicator(
        actor, organization, "PRODUCTIVITY", formula="TONNES / HEADCOUNT", monitoring_only=True
    )
    assert productivity.is_computed
    with pytest.raises(InvalidInput) as refusal:
        indicator(actor, organization, "BROKEN", formula="TONNES /")
    assert refusal.value.problems[0].field.startswith("formula")
    with pytest.raises(InvalidInput) as refusal:
        indicator(actor, organization, "UNKNOWN", formula="TONNES / WORKERS")
    assert "WORKERS" in refusal.value.messages("ru")[0]


def test_a_cycle_between_computed_indicators_is_named(actor, organization):
    indicator(actor, organization, "A")
    b = indicator(actor, organization, "B", formula="A * 2")
    a = b.organization.indicators.get(code="A")
    with pytest.raises(InvalidInput) as refusal:
        kpi.indicator_update(actor=actor, indicator=a, formula="B + 1")
    assert refusal.value.problems[0].code == "formula_cycle"
    assert "A → B → A" in refusal.value.messages("ru")[0]


def test_indicator_code_must_be_an_identifier(actor, organization):
    with pytest.raises(InvalidInput) as refusal:
        indicator(actor, organization, "1 bad code")
    assert refusal.value.problems[0].field == "code"


def test_scale_parameters_are_validated(actor, organization):
    with pytest.raises(InvalidInput) as refusal:
        kpi.scale_create(
            actor=actor,
            organization=organization,
            name="Коридор",
            kind="corridor",
            params={"threshold_score": "x"},
        )
    assert refusal.value.problems[0].field == "params.threshold_score"


@pytest.fixture
def card_parts(actor, organization, structure):
    ratio = kpi.scale_create(
        actor=actor, organization=organization, name="Факт/план", kind="ratio", params={"cap": "150"}
    )
    corridor = kpi.scale_create(actor=actor, organization=organization, name="Коридор", kind="corridor")
    sales = indicator(actor, organization, "SALES", name="Продажи")
    debt = indicator(actor, organization, "DEBT", name="Превышение лимита ДЗ", direction="lower")
    return {"ratio": ratio, "corridor": corridor, "sales": sales, "debt": debt, **structure}


def lines(parts, sales_weight="60"):
    return [
        {
            "indicator": parts["sales"],
            "weight": sales_weight,
            "scale": parts["ratio"],
            "target": "100",
            "level": "unit",
        },
        {
            "indicator": parts["debt"],
            "weight": "20",
            "scale": parts["corridor"],
            "threshold": "1200",
            "target": "800",
            "maximum": "400",
        },
        {"component": "assessment", "label": "Оценка руководителя", "weight": "20"},
    ]


def test_template_lines_are_validated_with_named_places(actor, card_parts):
    with pytest.raises(InvalidInput) as refusal:
        kpi.card_template_create(
            actor=actor,
            position=card_parts["specialist"],
            valid_from=dt.date(2026, 1, 1),
            lines=lines(card_parts, sales_weight="50"),
        )
    assert [p.code for p in refusal.value.problems] == ["weights_not_100"]
    assert not card_parts["specialist"].card_templates.exists()


def test_inverse_indicator_needs_descending_thresholds(actor, card_parts):
    bad = lines(card_parts)
    bad[1] |= {"threshold": "400", "maximum": "1200"}
    with pytest.raises(InvalidInput) as refusal:
        kpi.card_template_create(
            actor=actor, position=card_parts["specialist"], valid_from=dt.date(2026, 1, 1), lines=bad
        )
    assert {p.field for p in refusal.value.problems} == {"lines[1].target", "lines[1].maximum"}


def test_a_revised_template_never_rewrites_a_past_period(actor, organization, card_parts):
    position = card_parts["specialist"]
    v1, _ = kpi.card_template_create(
        actor=actor, position=position, valid_from=dt.date(2026, 1, 1), lines=lines(card_parts)
    )
    employee = card_parts["boss"]  # any employee will do; give them the specialist's card explicitly
    january = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 1, 1)
    )
    card, _ = kpi.card_create(actor=actor, employee=employee, period=january, template=v1)
    v2, _ = kpi.card_template_create(
        actor=actor,
        position=position,
        valid_from=dt.date(2026, 7, 1),
        lines=lines(card_parts, sales_weight="60"),
    )
    v1.refresh_from_db()
    assert (v1.valid_to, v2.version) == (dt.date(2026, 6, 30), 2)
    assert kpi.template_for(position, dt.date(2026, 3, 1)) == v1
    assert kpi.template_for(position, dt.date(2026, 8, 1)) == v2
    assert [line.weight for line in card.lines.all()] == [Decimal(60), Decimal(20), Decimal(20)]
    with pytest.raises(InvalidInput):
        kpi.card_template_create(
            actor=actor, position=position, valid_from=dt.date(2026, 5, 1), lines=lines(card_parts)
        )


def test_cards_in_a_closed_period_cannot_be_created_or_changed(actor, organization, card_parts):
    template, _ = kpi.card_template_create(
        actor=actor,
        position=card_parts["specialist"],
        valid_from=dt.date(2026, 1, 1),
        lines=lines(card_parts),
    )
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 2, 1)
    )
    card, _ = kpi.card_create(actor=actor, employee=card_parts["boss"], period=period, template=template)
    for status in ["targets_approved", "fact_collection", "review", "calculated", "approved", "closed"]:
        periods.period_transition(actor=actor, period=period, to_status=status)
    with pytest.raises(InvalidInput) as refusal:
        kpi.card_replace_lines(actor=actor, card=card, lines=lines(card_parts))
    assert refusal.value.problems[0].code == "period_locked"
    assert card.lines.get(indicator=card_parts["sales"]).weight == Decimal(60)


def test_more_than_seven_indicators_saves_with_a_warning(actor, organization, card_parts):
    many = [indicator(actor, organization, f"K{i}") for i in range(8)]
    rows = [{"indicator": item, "weight": "12.5"} for item in many]
    _template, warnings = kpi.card_template_create(
        actor=actor, position=card_parts["head"], valid_from=dt.date(2026, 1, 1), lines=rows
    )
    assert [w.code for w in warnings] == ["too_many_indicators"]
