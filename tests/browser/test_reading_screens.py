"""Reading screens in a real browser on a phone (390 × 844) and a desktop (1280 × 800): the header is one
row on a phone with the sections behind a menu button, the card is a column of stacked lines with plan,
fact and score, and nothing is wider than the screen. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.support import login, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_card_and_header_on_a_phone(browser, live_server, cast):
    context, page = login(browser, live_server.url, "anna", 390, 844)
    try:
        page.goto(live_server.url + reverse("my_card"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator("header.topbar").bounding_box()["height"] < 80  # one row, not four
        assert not page.locator("#menu").is_visible()
        page.click(".menu-toggle")
        assert page.get_by_role("link", name="Моя карта").is_visible()
        page.click(".menu-toggle")
        line = page.locator("table.card-lines tbody tr").first
        # A stacked line, not a table row: no column header, the indicator's name on a line of its own
        # above its plan, fact and score, which sit below it side by side.
        assert not page.locator("table.card-lines thead").is_visible()
        title = line.locator("td.title").bounding_box()
        for label in ("План", "Факт", "Балл"):
            cell = line.locator(f'td[data-label="{label}"]')
            assert cell.is_visible(), label
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, label
            assert box["y"] >= title["y"] + title["height"] - 1, label
        assert "110" in line.inner_text()
        shot(page, "reading-card-employee-390")
        page.goto(live_server.url + "/o/999999/audit/")
        assert page.get_by_text("Страница не найдена").is_visible()
        shot(page, "reading-404-390")
    finally:
        context.close()


def test_hr_reads_the_audit_log_search_and_a_card_on_a_desktop(browser, live_server, cast):
    context, page = login(browser, live_server.url, "hr", 1280, 800)
    company = cast["company"].pk
    try:
        page.fill("header input[name=q]", "Аннина")
        page.press("header input[name=q]", "Enter")
        page.wait_for_url("**/search/**")
        page.get_by_role("link", name="Аннина Anna").click()
        assert page.get_by_text("Как считается премия сотрудника").is_visible()
        shot(page, "reading-card-hr-1280")
        page.goto(live_server.url + reverse("audit", args=[company]) + "?entity=kpi.Card")
        entry = page.locator('[data-testid="audit-entry"]')
        assert entry.count() == 1
        entry.locator("summary").click()
        assert entry.get_by_text("Карлов Carl — Март 2026").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        shot(page, "reading-audit-1280")
    finally:
        context.close()
