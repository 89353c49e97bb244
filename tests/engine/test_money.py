from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motiva.engine.money import D, RoundingPolicy, allocate, quantize


def test_it_refuses_floats():
    with pytest.raises(TypeError):
        D(0.1)


def test_it_reads_russian_formatted_numbers():
    assert D("1 500 000,50") == Decimal("1500000.50")
    assert D("82,83") == Decimal("82.83")


def test_it_rejects_text_that_is_not_a_number():
    with pytest.raises(ValueError):
        D("двенадцать")


@pytest.mark.parametrize(
    ("mode", "expected"), [("half_up", "16.57"), ("half_even", "16.56"), ("down", "16.56")]
)
def test_rounding_mode_is_explicit(mode, expected):
    assert quantize(Decimal("16.565"), 2, mode) == Decimal(expected)


def test_policy_rounds_scores_and_money_separately():
    policy = RoundingPolicy(mode="half_up", score_places=1, money_places=0)
    assert policy.score(Decimal("16.566")) == Decimal("16.6")
    assert policy.money(Decimal("6000.5")) == Decimal("6001")


def test_policy_rejects_unknown_mode():
    with pytest.raises(ValueError):
        RoundingPolicy(mode="banker")


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2),
    weights=st.lists(st.decimals(min_value=0, max_value=1000, places=3), min_size=1, max_size=30).filter(
        lambda w: sum(w) > 0
    ),
)
def test_a_split_always_sums_exactly_to_the_fund(total, weights):
    shares = allocate(total, weights, places=2)
    assert sum(shares) == total
    assert len(shares) == len(weights)
