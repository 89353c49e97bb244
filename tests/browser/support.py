"""Helpers of the browser tests: a logged-in page at a screen size, and screenshots."""

from __future__ import annotations

from pathlib import Path

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "x-Secret-123"  # the cast's (tests/base.py)


def login(browser, base: str, username: str, width: int = 1280, height: int = 800):
    """A new browser context logged in as `username`, in Russian: (context, page) on the home page."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    pass_second_factor(page, base, username)
    page.wait_for_url(f"{base}/")
    return context, page


def pass_second_factor(page, base: str, username: str) -> None:
    """Administrators, HR and finance get the code page after the password (motiva.web.otp): enter
    the current code of their test device (tests/otp_support.py), as a person with the app would."""
    page.wait_for_url(lambda url: "/login/" not in url)
    if "/otp/" not in page.url:
        return
    from django.contrib.auth import get_user_model

    from tests.otp_support import code_for

    user = get_user_model().objects.get(username=username)
    if "/otp/setup/" in page.url:
        # not enrolled yet: the page was rendered with a fresh unconfirmed device; enrol it
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tests.otp_support import totp_code

        device = TOTPDevice.objects.get(user=user, confirmed=False)
        page.fill("input[name=code]", totp_code(device))
        page.click("form[action$='/otp/setup/'] button[type=submit]")
        page.click("[data-testid=otp-continue]")
        return
    page.fill("input[name=code]", code_for(user))
    page.click("form[action$='/otp/'] button[type=submit]")


def shot(page, name: str, *, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)
