"""The full loop in a real browser (Debian's chromium, headless, driven by Playwright for Python):
HR builds a card and assigns it; facts are entered and confirmed; a run is calculated; the manager and
then the general director approve; HR and finance sign off and the period closes; the employee sees
the final card and its explanation. Screenshots of the main pages go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from motiva.kpi.models import Card
from motiva.periods.models import IndicatorValue, Period, PeriodStatus
from tests.browser.support import PASSWORD, SHOTS, pass_second_factor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


class Session:
    def __init__(self, browser, base: str, username: str, *, mobile: bool = False) -> None:
        viewport = {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
        self.context = browser.new_context(viewport=viewport, locale="ru-RU")
        self.page = self.context.new_page()
        self.base = base
        self.page.goto(f"{base}/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        pass_second_factor(self.page, base, username)
        self.page.wait_for_url(f"{base}/")

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def submit(self, button_text: str) -> None:
        self.page.get_by_role("button", name=button_text).click()
        self.page.wait_for_load_state("networkidle")

    def close(self) -> None:
        self.context.close()


def test_the_whole_loop_in_a_browser(browser, live_server, cast):
    base = live_server.url
    company = cast["company"].pk
    anna = cast["people"]["anna"]
    position = anna.assignments.get().position

    # HR: a new period, a new version of the sellers' card, assigned to everyone in the position.
    hr = Session(browser, base, "hr")
    hr.shot("01-home-hr")
    hr.go(f"/o/{company}/periods/")
    hr.page.fill("input[name=start]", "2026-04-01")
    hr.submit("Создать")
    april = Period.objects.get(organization=cast["company"], start="2026-04-01")
    hr.go(f"/o/{company}/positions/{position.pk}/template/")
    editor = hr.page.locator("[data-testid=card-editor]")
    editor.locator("input[name=valid_from]").fill("2026-04-01")
    editor.get_by_role("button", name="Добавить строку").click()
    rows = editor.locator("[data-testid=card-line]")
    assert rows.count() == 2
    rows.nth(0).locator("input[name$=-weight]").fill("70")
    assert hr.page.locator("[data-testid=weight-total]").inner_text() == "70 %"
    rows.nth(1).locator("select[name$=-indicator]").select_option(str(cast["indicator"].pk))
    rows.nth(1).locator("input[name$=-weight]").fill("30")
    rows.nth(1).locator("select[name$=-scale]").select_option(str(cast["scale"].pk))
    rows.nth(1).locator("input[name$=-target]").fill("100")
    assert hr.page.locator("[data-testid=weight-total]").inner_text() == "100 %"
    hr.shot("02-card-editor")
    hr.submit("Сохранить")
    assert "действует с 01.04.2026" in hr.page.content()
    hr.page.select_option("select[name=period]", str(april.pk))
    hr.submit("Создать карты")
    assert set(Card.objects.filter(period=april).values_list("employee__last_name", flat=True)) == {
        "Аннина",
        "Борисов",
    }
    hr.go(f"/o/{company}/periods/{april.pk}/")
    hr.submit("Перевести в «цели утверждены»")
    hr.submit("Перевести в «сбор факта»")
    hr.shot("03-period-fact-collection")

    # The manager enters his team's facts, pasting a column copied from Excel.
    boss = Session(browser, base, "boss")
    boss.go(f"/o/{company}/periods/{april.pk}/facts/")
    first = boss.page.locator("input[data-grid]").first
    first.focus()
    boss.page.evaluate("""() => {
        const data = new DataTransfer(); data.setData('text/plain', '95,5\\n120\\n');
        document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
    }""")
    boss.shot("04-fact-grid")
    boss.submit("Сохранить")
    facts = dict(IndicatorValue.objects.filter(period=april).values_list("employee__last_name", "value"))
    assert {k: float(v) for k, v in facts.items()} == {"Аннина": 95.5, "Борисов": 120.0}

    # The general director (the indicator's confirmer) confirms them.
    gd = Session(browser, base, "gd")
    gd.go(f"/o/{company}/periods/{april.pk}/facts/")
    for box in gd.page.locator("input[name=confirm]").all():
        box.check()
    gd.submit("Сохранить")
    assert IndicatorValue.objects.filter(period=april, confirmed_by__username="gd").count() == 2

    # HR calculates.
    hr.go(f"/o/{company}/periods/{april.pk}/")
    hr.submit("Перевести в «проверка»")
    hr.submit("Рассчитать период")
    hr.page.wait_for_selector("[data-testid=results]")
    hr.shot("05-run-results")
    assert "Аннина" in hr.page.inner_text("[data-testid=results]")

    # Two signatures: the manager, then the general director; then HR and finance; finance closes.
    boss.go(f"/o/{company}/periods/{april.pk}/")
    boss.submit("Подписать: непосредственный руководитель")
    boss.go(f"/o/{company}/team/?period={april.pk}")
    boss.shot("06-my-team")
    gd.go(f"/o/{company}/periods/{april.pk}/")
    gd.submit("Подписать: генеральный директор")
    hr.go(f"/o/{company}/periods/{april.pk}/")
    hr.submit("Подписать: подпись HR")
    fin = Session(browser, base, "fin")
    fin.go(f"/o/{company}/periods/{april.pk}/")
    fin.submit("Подписать: подпись финансов")
    fin.page.get_by_label("Подтверждаю: закрыть период и зафиксировать его результаты").check()
    fin.submit("Закрыть период")
    fin.shot("07-period-closed")
    april.refresh_from_db()
    assert april.status == PeriodStatus.CLOSED

    # The employee, on a phone: the final card and how it is computed.
    employee = Session(browser, base, "anna", mobile=True)
    employee.go("/me/")
    with employee.page.expect_navigation():
        employee.page.select_option(
            "select[name=period]", str(april.pk)
        )  # March is still open, so it is shown first
    employee.page.wait_for_selector("[data-testid=result]")
    page = employee.page.content()
    assert "Итог утверждён" in page and "Как считается моя премия" in page
    # 70 % × 95.5 % + 30 % × 95.5 % = 95.5 %; 20 % of 61 111 × 95.5 % = 11 672.20
    assert employee.page.inner_text("[data-testid=result]").replace("\u00a0", " ") == "95,50 %"
    assert employee.page.inner_text("[data-testid=bonus]").replace("\u00a0", " ") == "11 672,20 RUB"
    employee.shot("08-my-card-phone")

    # The indicator library with a chart per scale, and the language switch.
    hr.go(f"/o/{company}/indicators/")
    hr.page.wait_for_selector(f"#scale-{cast['scale'].pk} canvas")
    hr.shot("09-indicator-library")
    with hr.page.expect_navigation():
        hr.page.select_option("select[name=language]", "en")
    assert hr.page.get_by_role("link", name="Periods").is_visible()
    assert "Indicator library" in hr.page.content()
    hr.go(f"/o/{company}/runs/{april.runs.get().pk}/")
    assert "11,672.20" in hr.page.inner_text("[data-testid=results]")  # English number format
    hr.shot("10-run-results-english")
    for session in (hr, boss, gd, fin, employee):
        session.close()
