"""Security headers on every response, no-store downloads, and no inline script in the templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from motiva.periods.models import IndicatorValue
from motiva.periods.services import value_annotate

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_secure_headers(response) -> None:
    csp = directives(response)
    assert csp["default-src"] == "default-src 'self'"
    assert csp["script-src"] == "script-src 'self'"  # no 'unsafe-inline', no 'unsafe-eval', no hosts
    assert csp["object-src"] == "object-src 'none'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["base-uri"] == "base-uri 'self'"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_anonymous_pages_carry_the_headers(client):
    for path in (reverse("login"), reverse("healthz"), "/no-such-page/"):
        assert_secure_headers(client.get(path))


def test_signed_in_pages_carry_the_headers(client, cast):
    company = cast["company"].pk
    client.force_login(cast["users"]["hr"])
    for path in (
        reverse("home"),
        reverse("periods", args=[company]),
        reverse("org_tree", args=[company]),
        reverse("period", args=[company, cast["period"].pk]),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure_headers(response)
        assert "no-store" not in response.get("Cache-Control", "")


def test_the_run_export_is_not_stored(client, cast):
    client.force_login(cast["users"]["fin"])
    response = client.get(reverse("run_export", args=[cast["company"].pk, cast["run"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "no-store"
    assert_secure_headers(response)


def test_an_attachment_is_not_stored(client, cast):
    value = IndicatorValue.objects.get(period=cast["period"], employee=cast["people"]["anna"])
    value_annotate(
        actor=cast["users"]["hr"], value=value, comment="CRM", attachment=ContentFile(b"r", name="a.pdf")
    )
    client.force_login(cast["users"]["hr"])
    response = client.get(reverse("value_attachment", args=[cast["company"].pk, value.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_the_policy_can_be_replaced_from_settings(client, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'none'"
    assert client.get(reverse("login"))["Content-Security-Policy"] == "default-src 'none'"


# --- no inline script anywhere the browser would run it ------------------------------------------------

TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_hold_no_inline_script_or_event_handler(path):
    text = path.read_text()
    for match in SCRIPT.finditer(text):
        attributes = match.group(1)
        assert "src=" in attributes or 'type="application/json"' in attributes, (path, match.group(0))
    assert not HANDLER.search(text), (path, HANDLER.search(text).group(0))
    assert "javascript:" not in text.lower(), path
    assert "hx-on" not in text, path  # htmx would need eval for it
    assert "`" not in text or "x-" not in text, path  # Alpine's CSP build has no template literals


@pytest.mark.parametrize("path", sorted((ROOT / "static").rglob("*.js")), ids=lambda p: p.name)
def test_static_scripts_do_not_evaluate_strings(path):
    text = path.read_text()
    assert not re.search(r"\beval\s*\(|new Function\s*\(|setTimeout\s*\(\s*[\"']", text), path


def test_alpine_is_served_as_its_csp_build(settings):
    from django.contrib.staticfiles import finders

    found = finders.find("vendor/alpinejs/cdn.min.js")
    if found is None:
        pytest.skip("node_modules is absent (npm ci not run)")
    assert "@alpinejs" + "/csp" in str(Path(found).resolve()).replace("\\", "/")
