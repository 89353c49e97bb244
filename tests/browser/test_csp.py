"""The pages pass the Content-Security-Policy in a real browser (Debian's chromium): HR, the general
director and an employee open the main pages; any CSP violation (the securitypolicyviolation event or
the browser's console report), any script error or Alpine expression error fails the test. Then the
interactive bits are used: the menu, the language switch, a select that submits its form, the card
editor, the organization tree and the ECharts charts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from motiva.periods import services as periods
from tests.browser.support import login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# Runs before any page script, outside the page's CSP: collects every violation the page reports.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


class Watcher:
    def __init__(self, page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def console(self, message) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text or "Alpine" in text:
            self.problems.append(f"console {message.type}: {text}")

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        self.page.wait_for_load_state("networkidle")
        self.check(url)

    def check(self, where: str) -> None:
        violations = self.page.evaluate("window.__csp || []")
        assert not violations, (where, violations)
        assert not self.problems, (where, self.problems)


def pages_for(cast, username: str) -> list[str]:
    company = cast["company"].pk
    period = cast["period"].pk
    anna = cast["people"]["anna"].pk
    common = [reverse("home"), reverse("periods", args=[company]), reverse("org_tree", args=[company])]
    if username == "anna":
        return [*common, reverse("my_card")]
    pages = [
        *common,
        reverse("period", args=[company, period]),
        reverse("employee_card", args=[company, anna]),
        reverse("run", args=[company, cast["run"].pk]),
        reverse("staff_people", args=[company]),
        reverse("search", args=[company]) + "?q=Ann",
    ]
    if username == "hr":
        pages += [
            reverse("facts", args=[company, period]),
            reverse("indicators", args=[company]),
            reverse("paycfg_scales", args=[company]),
            reverse("paycfg_scale_new", args=[company]),
            reverse("paycfg_schemes", args=[company]),
            reverse("paycfg_scheme_new", args=[company]),
            reverse("templates", args=[company]),
            reverse("card_edit", args=[company, anna]) + f"?period={period}",
            reverse("worktime_calendar", args=[company]),
            reverse("audit", args=[company]),
        ]
    return pages


@pytest.mark.parametrize("username", ["hr", "gd", "anna"])
def test_the_main_pages_pass_the_policy(browser, live_server, cast, username):
    context, page = login(browser, live_server.url, username)
    try:
        watcher = Watcher(page)
        for path in pages_for(cast, username):
            watcher.visit(live_server.url + path)
    finally:
        context.close()


def test_the_interactive_bits_work_under_the_policy(browser, live_server, cast):
    base = live_server.url
    company = cast["company"].pk
    context, page = login(browser, base, "hr", 390, 844)
    try:
        watcher = Watcher(page)
        # the menu (Alpine, base.html): closed on a phone, opens and closes with the button
        watcher.visit(base + reverse("home"))
        assert not page.locator("#menu").is_visible()
        page.click(".menu-toggle")
        expect(page.locator("#menu.open")).to_be_visible()
        assert page.locator(".menu-toggle").get_attribute("aria-expanded") == "true"
        page.click(".menu-toggle")
        expect(page.locator("#menu")).to_be_hidden()
        # the language switch submits itself on change (static/motiva/app.js)
        page.click(".menu-toggle")
        with page.expect_navigation():
            page.select_option("select[name=language]", "en")
        assert page.evaluate("document.documentElement.lang") == "en"
        watcher.check("language switch")
        page.set_viewport_size({"width": 1280, "height": 900})

        # a select that submits its form: the kind of a new scale
        watcher.visit(base + reverse("paycfg_scale_new", args=[company]))
        kinds = page.locator("#kind-switch select[name=kind] option").evaluate_all(
            "os => os.map(o => o.value)"
        )
        other = next(k for k in kinds if k != page.input_value("#kind-switch select[name=kind]"))
        with page.expect_navigation():
            page.select_option("#kind-switch select[name=kind]", other)
        assert f"kind={other}" in page.url
        watcher.check("kind switch")

        # the organization tree: collapse all, expand all
        watcher.visit(base + reverse("org_tree", args=[company]))
        units = page.locator("details.unit")
        assert units.count() > 1
        page.click("[data-testid=tree-collapse]")
        assert page.evaluate("[...document.querySelectorAll('details.unit')].every(d => !d.open)")
        page.click("[data-testid=tree-expand]")
        assert page.evaluate("[...document.querySelectorAll('details.unit')].every(d => d.open)")
        watcher.check("tree")

        # the card editor: lines from the server, a new line, the live total of the weights
        april = periods.period_create(
            actor=cast["users"]["hr"], organization=cast["company"], kind="month", start=dt.date(2026, 4, 1)
        )
        card_url = reverse("card_edit", args=[company, cast["people"]["anna"].pk])
        watcher.visit(base + card_url + f"?period={april.pk}&copy=previous")
        lines = page.locator("[data-testid=card-line]")
        before = lines.count()
        assert before >= 1
        total = page.locator("[data-testid=weight-total]")
        start = float(total.inner_text().replace("%", "").replace(",", ".").strip())
        page.click("text=Add a line")
        assert lines.count() == before + 1
        page.fill(f"input[name=line-{before}-weight]", "5")
        assert float(total.inner_text().replace("%", "").strip()) == start + 5
        assert page.locator(f"select[name=line-{before}-indicator] option").count() > 1
        # a new line opens with its details; the toggle hides and shows them
        # (expect waits for Alpine's next tick; is_visible() would read the page before it)
        details = page.locator(f"#line-{before}-more")
        expect(details).to_be_visible()
        toggle = page.locator(f"[data-testid=card-line] >> nth={before} >> .ce-toggle")
        toggle.click()
        expect(details).to_be_hidden()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(details).to_be_visible()
        page.locator(f"[data-testid=card-line] >> nth={before} >> .ce-rm").click()
        assert lines.count() == before
        watcher.check("card editor")

        # ECharts draws its charts (a canvas inside each chart box)
        for path, chart in (
            (reverse("run", args=[company, cast["run"].pk]), "#distribution-chart"),
            (reverse("paycfg_scales", args=[company]), ".mini-chart"),
        ):
            watcher.visit(base + path)
            page.wait_for_selector(f"{chart} canvas", state="attached", timeout=10_000)
        watcher.check("charts")
    finally:
        context.close()
