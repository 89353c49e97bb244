"""The employee card export (its lines, no pay) and my card: the card page's access, both formats."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.exports.helpers import csv_rows, xlsx_rows
from tests.web.test_access import money_of

pytestmark = pytest.mark.django_db


def card(cast, who, query=""):
    return reverse("employee_card", args=[cast["company"].pk, cast["people"][who].pk]) + query


def test_an_employee_exports_her_own_card_lines(client, cast):
    client.force_login(cast["users"]["anna"])
    assert "format=xlsx" in client.get(card(cast, "anna")).content.decode()
    rows = xlsx_rows(client.get(card(cast, "anna", "?format=xlsx")))
    assert rows[0][0] in ("Показатель", "Indicator") and len(rows) == 2
    assert rows[1][0].startswith("Продажи") and rows[1][3] == 100 and rows[1][5] == 110
    response = client.get(card(cast, "anna", f"?format=csv&period={cast['period'].pk}"))
    text = response.content.decode("utf-8-sig")
    assert csv_rows(response)[1][5] == "110"
    assert not any(v in text for v in money_of("anna"))
    mine = client.get(reverse("my_card") + "?format=csv")
    assert mine.status_code == 302 and "format=csv" in mine["Location"]
    assert client.get(mine["Location"]).content == client.get(card(cast, "anna", "?format=csv")).content


def test_others_cards_are_404_as_on_the_page(client, cast):
    client.force_login(cast["users"]["anna"])
    for who in ("boris", "carl", "boss"):
        assert client.get(card(cast, who)).status_code == 404
        assert client.get(card(cast, who, "?format=csv")).status_code == 404
    client.force_login(cast["users"]["boss"])
    assert csv_rows(client.get(card(cast, "boris", "?format=csv")))[1][5] == "90"
    assert client.get(card(cast, "carl", "?format=csv")).status_code == 404
    client.force_login(cast["users"]["outsider"])
    assert client.get(card(cast, "anna", "?format=xlsx")).status_code == 404


def test_bad_format_bad_period_and_cross_site(client, cast):
    client.force_login(cast["users"]["anna"])
    assert client.get(card(cast, "anna", "?format=json")).status_code == 400
    assert client.get(card(cast, "anna", "?format=csv&period=abc")).status_code == 200
    refused = client.get(card(cast, "anna", "?format=csv"), HTTP_SEC_FETCH_SITE="cross-site")
    assert refused.status_code == 403 and refused.content == b""
