"""HR configures pay in a real browser (Debian's chromium via Playwright): makes a step scale whose chart
follows the typing and whose bad step is named in place, then a pay scheme with a category table, previews a
person's pay under the unsaved settings and saves the scheme. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from motiva.calc.preview import preview_pay
from motiva.kpi.models import Card, PayScheme, Scale
from motiva.web.templatetags.motiva import money
from tests.browser.support import login, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_hr_makes_a_scale_and_a_scheme_and_previews_a_pay(browser, live_server, cast):
    base, company = live_server.url, cast["company"].pk
    anna = cast["people"]["anna"]
    context, page = login(browser, base, "hr", 1280, 900)

    # A step scale: the menu leads there; the chart is drawn from the defaults.
    page.get_by_role("link", name="Шкалы", exact=True).first.click()
    page.get_by_role("link", name="Новая шкала").click()
    page.select_option("#kind-switch select[name=kind]", "step_table")
    page.wait_for_url(re.compile(r"kind=step_table"))
    page.wait_for_selector("#scale-chart canvas")
    page.fill("#id_name", "Ступени продаж")
    # A step above the previous one is named at its cell while typing, and the chart waits.
    page.fill("input[name=steps-1-min_attainment]", "110")
    page.wait_for_selector("input[name=steps-1-min_attainment] + .live-error")
    assert "от большего" in page.inner_text("input[name=steps-1-min_attainment] + .live-error")
    page.fill("input[name=steps-1-min_attainment]", "100")
    page.wait_for_selector(".live-error", state="detached")  # no string eval: the page's CSP forbids it
    # A fourth step, added as a row.
    page.get_by_role("button", name="Добавить строку").click()
    page.fill("input[name=steps-3-min_attainment]", "60")
    page.fill("input[name=steps-3-score]", "10")
    page.wait_for_timeout(600)
    shot(page, "paycfg-scale-editor")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(re.compile(r"/scales/\d+/$"))
    scale = Scale.objects.get(organization_id=company, name="Ступени продаж")
    assert [s["min_attainment"] for s in scale.params["steps"]] == ["105", "100", "80", "60"]
    assert "Ступени продаж" in page.inner_text("h1")

    # A fixed + variable scheme with its category table, previewed on Anna before it is saved.
    page.get_by_role("link", name="Схемы премирования", exact=True).first.click()
    page.get_by_role("link", name="Новая схема премирования").click()
    page.select_option("#kind-switch select[name=kind]", "fixed_variable")
    page.wait_for_url(re.compile(r"kind=fixed_variable"))
    page.fill("#id_name", "Продажи 70/30")
    page.fill("input[name=variable_share__sales]", "30")
    page.select_option("select[name=period]", str(cast["period"].pk))
    page.fill("input[name=personnel_number]", anna.personnel_number)
    page.get_by_role("button", name="Рассчитать выплату").click()
    page.wait_for_selector("[data-testid=preview-total]")
    shown = page.inner_text("[data-testid=preview-total]")
    card = Card.objects.get(period=cast["period"], employee=anna)
    params = {
        "variable_share": {"director": "30", "manager": "40", "sales": "30", "default": "20"},
        "caps": {"sales": "150", "default": "120"},
    }
    outcome = preview_pay(card, "fixed_variable", params)
    with translation.override("ru"):
        assert shown == money(outcome.pay.total, cast["company"].currency)
    assert "Переменная часть" in page.inner_text("#preview-result")
    assert not PayScheme.objects.filter(name="Продажи 70/30").exists()  # the preview saved nothing
    shot(page, "paycfg-scheme-preview")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(re.compile(r"/schemes/\d+/$"))
    scheme = PayScheme.objects.get(name="Продажи 70/30")
    assert scheme.params["variable_share"]["sales"] == "30"
    context.close()
