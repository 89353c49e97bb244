"""Monitoring-only indicators (tracked, never paid on) are marked as such in the library and the editor,
and the library filters by it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motiva.kpi import services as kpi

pytestmark = pytest.mark.django_db


@pytest.fixture
def headcount(cast):
    return kpi.indicator_create(
        actor=cast["users"]["admin"],
        organization=cast["company"],
        code="HEADCOUNT",
        name="Численность",
        monitoring_only=True,
    )


def test_the_library_marks_and_filters_monitoring_only_indicators(client, cast, headcount):
    client.force_login(cast["users"]["hr"])
    url = reverse("indicators", args=[cast["company"].pk])
    page = client.get(url).content.decode()
    row = page[page.index("HEADCOUNT") :]
    assert "только мониторинг" in row[: row.index("</tr>")]
    sales = page[page.index(">SALES<") :]
    assert "только мониторинг" not in sales[: sales.index("</tr>")]
    monitoring = client.get(url + "?paid=monitoring").content.decode()
    assert "HEADCOUNT" in monitoring and ">SALES<" not in monitoring
    paid = client.get(url + "?paid=paid").content.decode()
    assert "HEADCOUNT" not in paid and ">SALES<" in paid


@pytest.mark.parametrize("odd", ["", "x", "%00", "MONITORING", "paid&paid=monitoring", "я" * 200])
def test_the_paid_filter_takes_any_value(client, cast, headcount, odd):
    client.force_login(cast["users"]["auditor"])
    response = client.get(reverse("indicators", args=[cast["company"].pk]) + f"?paid={odd}")
    assert response.status_code == 200
    page = response.content.decode()
    if odd in ("", "x", "%00", "MONITORING", "я" * 200):
        assert "HEADCOUNT" in page and ">SALES<" in page  # an unknown value filters nothing


def test_the_editor_says_the_indicator_is_not_paid_on(client, cast, headcount):
    client.force_login(cast["users"]["hr"])
    page = client.get(reverse("indicator_edit", args=[cast["company"].pk, headcount.pk])).content.decode()
    assert "только мониторинг" in page[: page.index("</h1>")]
    assert "не оплачивается" in page
    # An indicator paid on a card cannot become monitoring-only: the refusal sits at the checkbox.
    sales = cast["indicator"]
    response = client.post(
        reverse("indicator_edit", args=[cast["company"].pk, sales.pk]),
        {
            "code": "SALES",
            "name": sales.name,
            "direction": "higher",
            "kind": "quantitative",
            "periodicity": "month",
            "monitoring_only": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    marker = page.index('name="monitoring_only"')
    assert "вес до 0" in page[marker : marker + 1200]
    sales.refresh_from_db()
    assert not sales.monitoring_only
