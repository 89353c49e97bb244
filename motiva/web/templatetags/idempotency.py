"""{% idempotency_key %}: a hidden field with a fresh random key, one per rendered form.

Submitting the same rendered form twice (a double click, the browser's retry, "resend" after a lost
answer) sends the same key, and `motiva.web.idempotency.IdempotencyMiddleware` answers the second
submission with the first one's outcome instead of doing the work again. Loaded as a builtin (settings
TEMPLATES), so templates need no {% load %}."""

from __future__ import annotations

import secrets

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from motiva.web.idempotency import FIELD_NAME

register = template.Library()


@register.simple_tag
def idempotency_key() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD_NAME, secrets.token_urlsafe(24))
