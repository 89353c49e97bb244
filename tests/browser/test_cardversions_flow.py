"""Card templates in a real browser (Debian's chromium via Playwright): HR builds a template with two lines
— a plan of 4200, a long plan value and a planned ruble amount in the line's details — on a 1280 × 800
screen where nothing is cut, assigns it to a period, then applies a newer version to the cards already
made after reading what changes for whom. The editor is also looked at on a 390 × 844 phone.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from motiva.kpi import services as kpi
from motiva.kpi.models import Card, CardTemplate
from motiva.periods import services as periods
from tests.browser.support import login, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# Inputs whose text is wider than the box, and how far the page runs past the screen.
CUT = """() => ({
  cut: [...document.querySelectorAll('[data-testid=card-editor] input[type=text]')]
        .filter((e) => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
        .map((e) => e.name + '=' + e.value),
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  editor: (() => { const f = document.querySelector('[data-testid=card-editor]');
                   return f.scrollWidth - f.clientWidth; })(),
})"""


def test_hr_builds_assigns_and_applies_a_card_template(browser, live_server, cast):
    base, company = live_server.url, cast["company"].pk
    hr_user = cast["users"]["hr"]
    position = cast["people"]["anna"].assignments.get().position
    april = periods.period_create(
        actor=hr_user, organization=cast["company"], kind="month", start=dt.date(2026, 4, 1)
    )
    context, page = login(browser, base, "hr")
    page.goto(f"{base}/o/{company}/positions/{position.pk}/template/")
    editor = page.locator("[data-testid=card-editor]")
    editor.locator("input[name=valid_from]").fill("2026-04-01")
    rows = editor.locator("[data-testid=card-line]")
    assert rows.count() == 1  # version 1: SALES, 100 %
    rows.nth(0).locator("input[name$=-weight]").fill("60")
    rows.nth(0).locator("input[name$=-target]").fill("4200")
    editor.get_by_role("button", name="Добавить строку").click()
    assert rows.count() == 2
    second = rows.nth(1)
    expect(second.locator("input[name$=-planned_amount]")).to_be_visible()  # a new line opens its details
    second.locator("select[name$=-indicator]").select_option(str(cast["indicator"].pk))
    second.locator("input[name$=-weight]").fill("40")
    second.locator("select[name$=-scale]").select_option(str(cast["scale"].pk))
    second.locator("input[name$=-target]").fill("12 345 678,5")
    second.locator("input[name$=-planned_amount]").fill("6 000")
    second.locator("input[name$=-threshold]").fill("10 000 000")
    second.locator("select[name$=-level]").select_option("unit")
    assert page.locator("[data-testid=weight-total]").inner_text() == "100 %"
    measured = page.evaluate(CUT)
    assert measured == {"cut": [], "overflow": 0, "editor": 0}, measured
    shot(page, "cardversions-editor-1280", full=False)
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_load_state("networkidle")
    assert "Версия 2 карты" in page.content()
    v2 = CardTemplate.objects.get(position=position, version=2)
    assert [(line.weight, line.target, line.planned_amount) for line in v2.lines.order_by("order")] == [
        (Decimal(60), Decimal(4200), None),
        (Decimal(40), Decimal("12345678.5"), Decimal(6000)),
    ]
    # The saved values are shown whole, the second line's details folded into a summary.
    rows = page.locator("[data-testid=card-line]")
    assert rows.nth(0).locator("input[name$=-target]").input_value() == "4200"
    assert rows.nth(1).locator("input[name$=-target]").input_value() == "12345678.5"
    summary = rows.nth(1).locator(".ce-sum").inner_text().replace("\u00a0", " ")
    assert "подразделение" in summary and "план. сумма 6 000 RUB" in summary and "порог 10 000 000" in summary
    assert page.evaluate(CUT) == {"cut": [], "overflow": 0, "editor": 0}
    shot(page, "cardversions-editor-saved-1280")

    # Assign it to April: everyone holding the position gets a card.
    page.select_option("select[name=period]", str(april.pk))
    page.get_by_role("button", name="Создать карты").click()
    page.wait_for_load_state("networkidle")
    assert "Создано карт: 2" in page.content()
    assert set(
        Card.objects.filter(period=april, template=v2).values_list("employee__last_name", flat=True)
    ) == {
        "Аннина",
        "Борисов",
    }

    # A third version from May, after May's cards were made from the second: apply it to them.
    may = periods.period_create(
        actor=hr_user, organization=cast["company"], kind="month", start=dt.date(2026, 5, 1)
    )
    kpi.cards_create_for_period(
        actor=hr_user, period=may, employees=[cast["people"]["anna"], cast["people"]["boris"]]
    )
    kpi.card_template_create(
        actor=hr_user,
        position=position,
        valid_from=dt.date(2026, 5, 1),
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "4500"}],
        scheme=v2.scheme,
    )
    page.goto(f"{base}/o/{company}/positions/{position.pk}/template/")
    page.get_by_role("link", name="применить к уже созданным картам…").first.click()
    page.wait_for_load_state("networkidle")
    preview = page.content().replace("\u00a0", " ")
    assert "Изменятся карты: 2" in preview and "Май 2026" in preview
    assert "Продажи: вес, % <del>60</del> → 100" in preview and "− удаляется: Продажи" in preview
    shot(page, "cardversions-apply-preview-1280")
    page.get_by_label("Причина изменения").fill("План с мая — 4 500")
    page.get_by_label("Подтверждаю: дать версию 3 этим картам (2)").check()
    page.get_by_role("button", name="Применить к картам (2)").click()
    page.wait_for_load_state("networkidle")
    assert "Версия 3 применена к картам: 2." in page.content()
    for card in Card.objects.filter(period=may):
        assert card.template.version == 3
        assert [(line.weight, line.target) for line in card.lines.all()] == [(Decimal(100), Decimal(4500))]
    assert all(c.template == v2 for c in Card.objects.filter(period=april))  # April keeps version 2
    context.close()

    # The same editor on a phone: the lines stack, nothing runs off the screen.
    context, page = login(browser, base, "hr", 390, 844)
    page.goto(f"{base}/o/{company}/positions/{position.pk}/template/")
    page.locator("[data-testid=card-line] .ce-toggle").first.click()
    measured = page.evaluate(CUT)
    assert measured["cut"] == [] and measured["overflow"] <= 0, measured
    shot(page, "cardversions-editor-390")
    context.close()
