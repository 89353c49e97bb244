"""Security headers on every response.

- Content-Security-Policy (settings.CONTENT_SECURITY_POLICY): scripts only from Motiva's own origin, no
  inline script, no eval (Alpine runs as its CSP build, components in static/motiva/app.js). Styles
  allow 'unsafe-inline' (see docs/security.md, "Security headers").
- Permissions-Policy (settings.PERMISSIONS_POLICY): no camera, microphone, geolocation, payment, USB …
- Referrer-Policy and X-Content-Type-Options (SECURE_REFERRER_POLICY, SECURE_CONTENT_TYPE_NOSNIFF) as
  Django's SecurityMiddleware sets them, also on answers made before it runs; X-Frame-Options from
  XFrameOptionsMiddleware.
- Downloads (a response with Content-Disposition: XLSX/CSV/DOCX exports, attachments) carry
  Cache-Control: no-store, so no browser or proxy keeps a copy of pay data.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DOWNLOAD_TYPES = (
    "text/csv",
    "application/vnd.openxmlformats-officedocument",
    "application/vnd.ms-excel",
    "application/octet-stream",
    "application/pdf",
)


def is_download(response: HttpResponse) -> bool:
    if response.has_header("Content-Disposition"):
        return True
    content_type = response.get("Content-Type", "")
    return content_type.startswith(DOWNLOAD_TYPES)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and not response.has_header("Content-Security-Policy"):
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        if settings.PERMISSIONS_POLICY and not response.has_header("Permissions-Policy"):
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        # Django's SecurityMiddleware sets these too, but answers made above it (/healthz, an outage's
        # 503) would go without them.
        if settings.SECURE_REFERRER_POLICY and not response.has_header("Referrer-Policy"):
            response["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
        if settings.SECURE_CONTENT_TYPE_NOSNIFF and not response.has_header("X-Content-Type-Options"):
            response["X-Content-Type-Options"] = "nosniff"
        if is_download(response) and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
