"""Onboarding end to end in a real browser (Debian's chromium, headless, Playwright for Python): HR, never
opening the Django admin, creates a unit and a position, hires a person, makes an indicator, a scale and a
pay scheme, builds and assigns the position's card, enters the fact, changes the salary in the middle of the
month, calculates the period and reads the person's pay and its trace, then transfers them to another manager
from a date. Every value is checked in the database and on the page. Screenshots at 1280 × 800 go to
test-artifacts/screenshots/onboarding-*.png."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from motiva.calc.models import EmployeeResult
from motiva.kpi.models import Card, CardTemplate, Indicator, PayScheme, Scale
from motiva.org.models import Assignment, Employee, Position, Unit
from motiva.periods.models import IndicatorValue, Period, PeriodStatus
from tests.browser.support import login, shot

NBSP = "\u00a0"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def text(page, selector: str) -> str:
    return page.inner_text(selector).replace(NBSP, " ").replace("\u202f", " ")


def submit(page, name: str, scope=None) -> None:
    (scope or page).get_by_role("button", name=name).click()
    page.wait_for_load_state("networkidle")


def test_hr_onboards_a_person_and_pays_them_in_the_browser(browser, live_server, cast):
    base, company = live_server.url, cast["company"].pk
    organization = cast["company"]
    boss, boss2 = cast["people"]["boss"], cast["people"]["boss2"]
    context, page = login(browser, base, "hr")

    # 0. April 2026, the month the person starts in, from the periods page.
    page.get_by_role("link", name="Периоды", exact=True).first.click()
    page.select_option("select[name=kind]", "month")
    page.fill("input[name=start]", "2026-04-01")
    submit(page, "Создать")
    april = Period.objects.get(organization=organization, kind="month", start=dt.date(2026, 4, 1))
    assert april.end == dt.date(2026, 4, 30) and april.status == PeriodStatus.PLANNING

    # 1. A unit under the company, a position in it, and a person hired into it from 1 April.
    page.goto(f"{base}/o/{company}/org/")
    page.get_by_role("link", name="Новое подразделение").click()
    page.fill("input[name=name]", "Склад готовой продукции")
    page.fill("input[name=code]", "WH")
    page.select_option("select[name=parent]", label="Компания (C)")
    page.select_option("select[name=block]", "production")
    submit(page, "Создать подразделение")
    assert "Подразделение «Склад готовой продукции» создано" in page.content()
    unit = Unit.objects.get(organization=organization, code="WH")
    assert unit.parent == cast["units"]["root"]
    page.get_by_role("link", name="Добавить должность").click()
    page.fill("input[name=title]", "Кладовщик")
    page.select_option("select[name=category]", "specialist")
    submit(page, "Создать должность")
    assert "Должность «Кладовщик» создана" in page.content()
    position = Position.objects.get(unit=unit, title="Кладовщик")
    shot(page, "onboarding-01-position")

    page.goto(f"{base}/o/{company}/people/new/")
    page.fill("input[name=personnel_number]", "601")
    page.fill("input[name=last_name]", "Складова")
    page.fill("input[name=first_name]", "Светлана")
    page.select_option("select[name=position]", str(position.pk))
    page.fill("input[name=manager]", boss.personnel_number)
    page.fill("input[name=salary]", "80 000")
    page.fill("input[name=hire_date]", "2026-04-01")
    shot(page, "onboarding-02-hire")
    submit(page, "Принять на работу")
    assert "Складова Светлана принят(а) на работу" in page.content()
    person = Employee.objects.get(organization=organization, personnel_number="601")
    hired = person.assignments.get()
    assert (hired.start_date, hired.salary, hired.unit, hired.position, hired.manager) == (
        dt.date(2026, 4, 1),
        Decimal(80000),
        unit,
        position,
        boss,
    )
    person_url = page.url
    assert re.search(rf"/people/{person.pk}/$", person_url)

    # 2. An indicator of the library, a ratio scale and a target-bonus scheme (20 % of the salary).
    page.goto(f"{base}/o/{company}/indicators/new/")
    page.fill("input[name=code]", "SHIP")
    page.fill("input[name=name]", "Отгрузки в срок")
    page.fill("input[name=unit_of_measure]", "%")
    submit(page, "Сохранить")
    indicator = Indicator.objects.get(organization=organization, code="SHIP")
    assert indicator.name == "Отгрузки в срок" and indicator.confirmer_position_id is None

    page.get_by_role("link", name="Шкалы", exact=True).first.click()
    page.get_by_role("link", name="Новая шкала").click()
    page.select_option("#kind-switch select[name=kind]", "ratio")
    page.wait_for_url(re.compile(r"kind=ratio"))
    page.fill("#id_name", "Склад: факт / план")
    page.fill("input[name=cap]", "120")
    shot(page, "onboarding-03-scale")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(re.compile(r"/scales/\d+/$"))
    scale = Scale.objects.get(organization=organization, name="Склад: факт / план")
    assert scale.kind == "ratio" and Decimal(scale.params["cap"]) == 120

    page.get_by_role("link", name="Схемы премирования", exact=True).first.click()
    page.get_by_role("link", name="Новая схема премирования").click()
    page.select_option("#kind-switch select[name=kind]", "target_bonus")
    page.wait_for_url(re.compile(r"kind=target_bonus"))
    page.fill("#id_name", "Склад: 20 % оклада")
    page.select_option("select[name=basis]", "salary_percent")
    page.fill("input[name=percent]", "20")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(re.compile(r"/schemes/\d+/$"))
    scheme = PayScheme.objects.get(organization=organization, name="Склад: 20 % оклада")
    assert scheme.kind == "target_bonus" and Decimal(scheme.params["percent"]) == 20
    scheme_url = page.url
    # Before the person has a card the preview says so, naming the field (it computes from a card).
    page.select_option("select[name=period]", str(april.pk))
    page.fill("input[name=personnel_number]", "601")
    page.get_by_role("button", name="Рассчитать выплату").click()
    page.wait_for_selector("#preview-result :text('Табельный номер')")
    assert "Табельный номер: ни у кого с таким номером нет карты в периоде Апрель 2026." in text(
        page, "#preview-result"
    )

    # 3. The position's card: one line (the indicator, weight 100, the new scale, plan 100) under the
    #    new scheme, from 1 April; assigned to April, so the person has a card.
    page.goto(f"{base}/o/{company}/org/positions/{position.pk}/")
    page.get_by_role("link", name="открыть шаблон карты должности").click()
    editor = page.locator("[data-testid=card-editor]")
    editor.locator("input[name=valid_from]").fill("2026-04-01")
    editor.locator("select[name=scheme]").select_option(str(scheme.pk))
    rows = editor.locator("[data-testid=card-line]")
    if rows.count() == 0:
        editor.get_by_role("button", name="Добавить строку").click()
    assert rows.count() == 1
    line = rows.nth(0)
    line.locator("select[name$=-indicator]").select_option(str(indicator.pk))
    line.locator("input[name$=-weight]").fill("100")
    line.locator("select[name$=-scale]").select_option(str(scale.pk))
    line.locator("input[name$=-target]").fill("100")
    assert page.locator("[data-testid=weight-total]").inner_text() == "100 %"
    shot(page, "onboarding-04-card-template")
    submit(page, "Сохранить")
    assert "действует с 01.04.2026" in page.content()
    template = CardTemplate.objects.get(position=position)
    assert template.version == 1 and template.scheme == scheme
    assert [(tl.indicator, tl.weight, tl.scale, tl.target) for tl in template.lines.all()] == [
        (indicator, Decimal(100), scale, Decimal(100))
    ]
    page.select_option("select[name=period]", str(april.pk))
    submit(page, "Создать карты")
    assert "Создано карт: 1" in page.content()
    card = Card.objects.get(period=april, employee=person)
    assert card.template == template and Card.objects.filter(period=april).count() == 1

    # 4. The period moves to fact collection; HR enters her fact, 110 against the plan of 100.
    page.goto(f"{base}/o/{company}/periods/{april.pk}/")
    submit(page, "Перевести в «цели утверждены»")
    submit(page, "Перевести в «сбор факта»")
    april.refresh_from_db()
    assert april.status == PeriodStatus.FACT_COLLECTION
    page.goto(f"{base}/o/{company}/periods/{april.pk}/facts/?q=Складова")
    grid = page.locator("[data-testid=fact-grid]")
    row = grid.locator("tbody tr", has_text="Складова Светлана")
    assert row.count() == 1
    row.locator("input[data-grid]").fill("110")
    shot(page, "onboarding-05-fact-grid")
    submit(page, "Сохранить")
    fact = IndicatorValue.objects.get(period=april, employee=person, indicator=indicator, kind="fact")
    assert fact.value == Decimal(110)

    # The scheme's preview now shows her pay under one salary: 80 000 × 20 % × 110 % = 17 600,00.
    page.goto(scheme_url)
    page.select_option("select[name=period]", str(april.pk))
    page.fill("input[name=personnel_number]", "601")
    page.get_by_role("button", name="Рассчитать выплату").click()
    page.wait_for_selector("[data-testid=preview-total]")
    assert text(page, "[data-testid=preview-total]") == "17 600,00 RUB"
    shot(page, "onboarding-06-scheme-preview")

    # 5. Her salary rises to 100 000 from 16 April (the middle of the period).
    page.goto(person_url)
    page.get_by_text("Перевод, смена руководителя, оклада или ставки с даты").click()
    change = page.locator("form:has(input[name=action][value=change])")
    change.locator("input[name=start_date]").fill("2026-04-16")
    change.locator("input[name=salary]").fill("100 000")
    change.locator("input[name=reason]").fill("Приказ № 41-к")
    submit(page, "Записать изменение", change)
    assert "Изменение записано с 16.04.2026" in page.content()
    first, second = Assignment.objects.filter(employee=person).order_by("start_date")
    assert (first.end_date, first.salary) == (dt.date(2026, 4, 15), Decimal(80000))
    assert (second.start_date, second.end_date, second.salary) == (
        dt.date(2026, 4, 16),
        None,
        Decimal(100000),
    )

    # 6. Review, then the period page's "calculate": the run's results and her result with its trace.
    page.goto(f"{base}/o/{company}/periods/{april.pk}/")
    submit(page, "Перевести в «проверка»")
    submit(page, "Рассчитать период")
    page.wait_for_selector("[data-testid=results]")
    # April has 30 days; by calendar days (the scheme's default) the period's salary is
    # (80 000 × 15 days + 100 000 × 15 days) / 30 = 90 000; the target bonus 20 % × 90 000 = 18 000;
    # the ratio scale gives 110 / 100 = 110 % (under the cap of 120 %); pay 18 000 × 110 % = 19 800,00.
    result = EmployeeResult.objects.get(run__period=april, employee=person)
    assert result.result == Decimal(110) and result.pay == Decimal("19800.00")
    results = page.locator("[data-testid=results] tbody tr", has_text="Складова")
    assert results.count() == 1
    cells = results.inner_text().replace(NBSP, " ")
    assert "601" in cells and "110" in cells and "19 800,00" in cells
    shot(page, "onboarding-07-run-results")
    results.get_by_role("link", name=re.compile("Складова")).click()
    page.wait_for_selector("[data-testid=bonus]")
    assert text(page, "[data-testid=bonus]") == "19 800,00 RUB"
    assert text(page, "[data-testid=result]") == "110 %"
    # The salary-change step names both salaries with their days (digits compared without group spaces).
    trace = re.sub(
        r"(?<=\d)[ \u00a0\u202f](?=\d{3}\b)", "", "\n".join(page.locator("details.trace").all_inner_texts())
    )
    salary_step = [s for s in trace.split("\n") if "Оклад за период по дням действия каждого оклада" in s]
    assert len(salary_step) == 1, trace
    assert re.search(r"\b80000(,00)? × 15 дн\. \(с 01\.04\.2026\)", salary_step[0]), salary_step
    assert re.search(r"\b100000(,00)? × 15 дн\. \(с 16\.04\.2026\)", salary_step[0]), salary_step
    assert re.search(r"/ 30 дн\. \| → 90000\b", salary_step[0]), salary_step
    assert re.search(r"20 % оклада 90000\b", trace), trace  # the target bonus uses the weighted salary
    shot(page, "onboarding-08-person-result")
    card_url = page.url

    # 7. Transferred to the head of service from 1 May; her history shows every assignment.
    page.goto(person_url)
    page.get_by_text("Перевод, смена руководителя, оклада или ставки с даты").click()
    change = page.locator("form:has(input[name=action][value=change])")
    change.locator("input[name=start_date]").fill("2026-05-01")
    change.locator("input[name=manager]").fill(boss2.personnel_number)
    change.locator("input[name=reason]").fill("Приказ № 52-к")
    submit(page, "Записать изменение", change)
    assert "Изменение записано с 01.05.2026" in page.content()
    assignments = list(Assignment.objects.filter(employee=person).order_by("start_date"))
    assert [(a.start_date, a.end_date, a.manager, a.salary) for a in assignments] == [
        (dt.date(2026, 4, 1), dt.date(2026, 4, 15), boss, Decimal(80000)),
        (dt.date(2026, 4, 16), dt.date(2026, 4, 30), boss, Decimal(100000)),
        (dt.date(2026, 5, 1), None, boss2, Decimal(100000)),
    ]
    history = text(page, "[data-testid=history]")
    for date in ("01.04.2026", "16.04.2026", "30.04.2026", "01.05.2026"):
        assert date in history, history
    assert "Начальников" in history and "Сервисов" in history, history
    shot(page, "onboarding-09-person-history")
    context.close()

    # Her calculated card on a phone: the pay and the lines fit the 390 px screen.
    context, page = login(browser, base, "hr", 390, 844)
    page.goto(card_url)
    assert text(page, "[data-testid=bonus]") == "19 800,00 RUB"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "onboarding-10-person-result-phone")
    context.close()
