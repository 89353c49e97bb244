"""HR builds the organization in a real browser (Debian's chromium, headless, Playwright for Python),
without the admin: creates a unit and a position, hires a person into it, and transfers them to another
manager from a date; the person's history shows both assignments. Screenshots of the staff screens at
1280 × 800 and 390 × 844 go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motiva.org.models import Assignment, Employee, Position, Unit
from tests.browser.support import login, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_hr_builds_a_unit_hires_and_transfers_in_the_browser(browser, live_server, cast):
    base = live_server.url
    company = cast["company"].pk
    context, page = login(browser, base, "hr")

    # A unit under the company
    page.goto(f"{base}/o/{company}/org/")
    page.get_by_role("link", name="Новое подразделение").click()
    page.fill("input[name=name]", "Отдел логистики")
    page.fill("input[name=code]", "LOG")
    page.select_option("select[name=parent]", label="Компания (C)")
    page.select_option("select[name=block]", "production")
    shot(page, "staff-unit-new")
    page.get_by_role("button", name="Создать подразделение").click()
    page.wait_for_load_state("networkidle")
    assert "Подразделение «Отдел логистики» создано" in page.content()
    unit = Unit.objects.get(organization=cast["company"], code="LOG")
    assert unit.parent == cast["units"]["root"] and unit.management_level == 1

    # A position in it
    page.get_by_role("link", name="Добавить должность").click()
    page.fill("input[name=title]", "Логист")
    page.select_option("select[name=category]", "specialist")
    page.get_by_role("button", name="Создать должность").click()
    page.wait_for_load_state("networkidle")
    position = Position.objects.get(unit=unit, title="Логист")
    assert "Должность «Логист» создана" in page.content()
    shot(page, "staff-position")

    # A person hired into it, managed by the head of sales
    page.goto(f"{base}/o/{company}/people/new/")
    page.fill("input[name=personnel_number]", "501")
    page.fill("input[name=last_name]", "Логинова")
    page.fill("input[name=first_name]", "Лидия")
    page.select_option("select[name=position]", str(position.pk))
    page.fill("input[name=manager]", cast["people"]["boss"].personnel_number)
    page.fill("input[name=salary]", "58 500")
    page.fill("input[name=hire_date]", "2026-04-01")
    shot(page, "staff-hire")
    page.get_by_role("button", name="Принять на работу").click()
    page.wait_for_load_state("networkidle")
    person = Employee.objects.get(organization=cast["company"], personnel_number="501")
    assert "Логинова Лидия принят(а) на работу" in page.content()
    first = person.assignments.get()
    assert first.manager == cast["people"]["boss"] and first.salary == Decimal("58500") and first.unit == unit

    # Transferred to another manager from 1 June
    page.get_by_text("Перевод, смена руководителя, оклада или ставки с даты").click()
    change = page.locator("form:has(input[name=action][value=change])")
    change.locator("input[name=start_date]").fill("2026-06-01")
    change.locator("input[name=manager]").fill(cast["people"]["boss2"].personnel_number)
    change.locator("input[name=reason]").fill("Приказ № 15-к")
    change.get_by_role("button", name="Записать изменение").click()
    page.wait_for_load_state("networkidle")
    assert "Изменение записано с 01.06.2026" in page.content()
    before, after = Assignment.objects.filter(employee=person).order_by("start_date")
    assert before.end_date == dt.date(2026, 5, 31) and before.manager == cast["people"]["boss"]
    assert after.start_date == dt.date(2026, 6, 1) and after.manager == cast["people"]["boss2"]
    history = page.locator("[data-testid=history]").inner_text()
    assert "01.06.2026" in history and "31.05.2026" in history and "Сервисов" in history
    shot(page, "staff-person")

    # The tree finds her unit, the people list finds her
    page.goto(f"{base}/o/{company}/org/?q=логист")
    assert page.locator("[data-testid=search-results]").inner_text().count("Логист") >= 1
    shot(page, "staff-tree")
    page.goto(f"{base}/o/{company}/people/?q=Логинова")
    assert "Логинова Лидия" in page.locator("[data-testid=people]").inner_text()
    shot(page, "staff-people")
    page.goto(f"{base}/o/{company}/org/units/{unit.pk}/")
    shot(page, "staff-unit")
    context.close()

    # The same screens on a phone: nothing wider than the screen
    context, page = login(browser, base, "hr", 390, 844)
    for name, path in (
        ("staff-tree-phone", f"/o/{company}/org/"),
        ("staff-people-phone", f"/o/{company}/people/"),
        ("staff-person-phone", f"/o/{company}/people/{person.pk}/"),
        ("staff-unit-phone", f"/o/{company}/org/units/{unit.pk}/"),
        ("staff-hire-phone", f"/o/{company}/people/new/"),
    ):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        shot(page, name)
    context.close()
