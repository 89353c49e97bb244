"""No search oracle (issue 12): the auditor sees adjustment amounts masked in the audit log, so the
log's search must not find them either — not the whole amount, not a prefix, not a digit. HR, who may
see pay, finds the adjustment by its amount (which proves the search does look there for them)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.calc import adjustments

pytestmark = pytest.mark.django_db

AMOUNT = "4321.09"


def adjust(cast):
    return adjustments.adjustment_create(
        actor=cast["users"]["hr"],
        period=cast["period"],
        employee=cast["people"]["anna"],
        amount=Decimal(AMOUNT),
        reason="Разовая премия",
    )


@pytest.fixture
def adjustment(cast):
    return adjust(cast)


def found(client, cast, q: str) -> tuple[int, list]:
    response = client.get(reverse("audit", args=[cast["company"].pk]), {"q": q})
    assert response.status_code == 200
    page = response.context["page"]
    return page.paginator.count, [row["change_id"] for row in page]


PROBES = sorted(
    {AMOUNT, "4321", "1.09", ".09", "4321,09"}
    | {AMOUNT[:n] for n in range(1, len(AMOUNT) + 1)}  # prefix by prefix
    | {str(digit) for digit in range(10)}  # and every single digit
)


def test_the_auditor_cannot_find_a_masked_amount_digit_by_digit(client, cast):
    """Every probe gives the auditor the same entries (count and order) before and after the adjustment
    exists: the amount adds nothing to any search result."""
    client.force_login(cast["users"]["auditor"])
    before = {q: found(client, cast, q) for q in PROBES}
    adjust(cast)
    after = {q: found(client, cast, q) for q in PROBES}
    assert after == before
    text = client.get(reverse("audit", args=[cast["company"].pk])).content.decode()
    assert AMOUNT not in text and "4321,09" not in text and "4\u00a0321" not in text


def test_hr_who_sees_pay_does_find_the_adjustment_by_its_amount(client, cast):
    """The same probes do find it for HR: the search looks at the description for those who may."""
    client.force_login(cast["users"]["hr"])
    before = found(client, cast, "4321")[0]
    adjust(cast)
    assert found(client, cast, "4321")[0] == before + 1
    assert found(client, cast, AMOUNT)[0] >= 1


def test_the_entity_and_field_filters_do_not_reveal_the_amount(client, cast, adjustment):
    client.force_login(cast["users"]["auditor"])
    url = reverse("audit", args=[cast["company"].pk])
    for query in (
        {"entity": "calc.Adjustment"},
        {"field": "amount"},
        {"entity": "calc.Adjustment", "q": "4"},
    ):
        text = client.get(url, query).content.decode()
        assert AMOUNT not in text and "4321,09" not in text and "4\u00a0321" not in text, query
