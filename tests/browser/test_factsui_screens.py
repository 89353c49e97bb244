"""The fact grid and the confirmation page in a real browser, at 1 280 × 800 and 390 × 844: the header row and
the first column stay in place while the grid scrolls, the page itself never scrolls sideways on a phone,
and the confirmer confirms everything shown with one button. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from motiva.periods.models import IndicatorValue, PeriodStatus
from motiva.periods.services import period_transition
from tests.browser.support import SHOTS, login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SIZES = {"d": {"width": 1280, "height": 800}, "m": {"width": 390, "height": 844}}


def open_page(browser, base: str, username: str, size: str, path: str):
    context, page = login(browser, base, username, SIZES[size]["width"], SIZES[size]["height"])
    page.goto(base + path)
    return context, page


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def test_the_grid_and_the_confirmations_on_a_desktop_and_a_phone(browser, live_server, cast):
    period, company = cast["period"], cast["company"].pk
    for status in (PeriodStatus.REVIEW, PeriodStatus.FACT_COLLECTION):
        period_transition(actor=cast["users"]["hr"], period=period, to_status=status)
    SHOTS.mkdir(parents=True, exist_ok=True)
    grid = f"/o/{company}/periods/{period.pk}/facts/"
    for user in ("hr", "boss"):
        for size in SIZES:
            context, page = open_page(browser, live_server.url, user, size, grid)
            assert page.locator('[data-testid="fact-grid"]').is_visible()
            assert "Продажи" in page.locator("thead").inner_text()
            if size == "m":
                assert no_sideways_scroll(page)
                # The grid scrolls inside its frame; the first column stays where it was.
                first = page.locator("tbody th").first
                before = first.bounding_box()["x"]
                page.locator(".grid-wrap").evaluate("e => e.scrollLeft = 400")
                assert abs(first.bounding_box()["x"] - before) < 1
            page.screenshot(path=str(SHOTS / f"factsui-grid-{user}-{size}.png"), full_page=size == "d")
            context.close()
    confirmations = f"/o/{company}/confirmations/"
    for size in SIZES:
        context, page = open_page(browser, live_server.url, "gd", size, confirmations)
        assert page.locator('[data-testid="confirmations"] tbody tr').count() == 5
        if size == "m":
            assert no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / f"factsui-confirmations-{size}.png"), full_page=size == "d")
        if size == "m":
            page.get_by_role("button", name="Подтвердить все показанные (5)").click()
            page.wait_for_load_state("networkidle")
            assert "Подтверждено фактов: 5" in page.content()
            page.screenshot(path=str(SHOTS / "factsui-confirmations-done-m.png"))
        context.close()
    assert not IndicatorValue.objects.filter(period=period, confirmed_at__isnull=True).exists()
