"""What every browser test shares: Debian's chromium driven headless by Playwright for Python (never a
downloaded browser), one per test module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MOTIVA_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); scripts/test.sh does it when it can"
        )
    if (
        not (ROOT / "node_modules" / "@alpinejs" / "csp").is_dir()
        or not (ROOT / "node_modules" / "echarts").is_dir()
    ):
        pytest.fail("node_modules is missing: run `npm ci` (scripts/test.sh does it when npm is installed)")
    from playwright.sync_api import sync_playwright

    # The Playwright sync API runs an event loop in this thread; the test's own ORM reads are still
    # plain synchronous calls between browser steps. Only for these tests' modules.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
