"""Screenshots at 1 280 × 800 of the new screens no flow test photographs (issue 11, Proof): grades,
the absence calendar, the scale and scheme lists and editors, the header search's results, the period
page with its group corrections, the template's apply preview and the change
requests. Each opens for HR with its own heading and nothing wider than the screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motiva.kpi.models import PayScheme
from motiva.org.models import Grade, Position
from tests.browser.support import login, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_other_new_screens_fit_a_1280_screen(browser, live_server, cast):
    company = cast["company"]
    org = company.pk
    grade = Grade.objects.get(organization=company, code="G3")
    seller = Position.objects.get(unit=cast["units"]["sales"], title="Менеджер")
    scheme = PayScheme.objects.get(organization=company, name="20 %")
    screens = [
        ("gallery-grades", reverse("staff_grades", args=[org])),
        ("gallery-grade", reverse("staff_grade", args=[org, grade.pk])),
        (
            "gallery-unit-absences",
            reverse("staff_unit_absences", args=[org, cast["units"]["sales"].pk]) + "?month=2026-03",
        ),
        ("gallery-scales", reverse("paycfg_scales", args=[org])),
        ("gallery-scale-edit", reverse("paycfg_scale_edit", args=[org, cast["scale"].pk])),
        ("gallery-schemes", reverse("paycfg_schemes", args=[org])),
        ("gallery-scheme-edit", reverse("paycfg_scheme_edit", args=[org, scheme.pk])),
        ("gallery-search", reverse("search", args=[org]) + "?q=Продажи"),
        ("gallery-period", reverse("period", args=[org, cast["period"].pk])),
        ("gallery-template-apply", reverse("template_apply", args=[org, seller.pk])),
        ("gallery-change-requests", reverse("change_requests", args=[org])),
        ("gallery-audit", reverse("audit", args=[org])),
    ]
    context, page = login(browser, live_server.url, "hr", 1280, 800)
    try:
        for name, path in screens:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, name
            assert page.locator("main h1").first.is_visible(), name
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280, name
            shot(page, name)
    finally:
        context.close()
