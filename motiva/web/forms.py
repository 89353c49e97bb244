"""What every page does with posted text: numbers typed the way people type them, and a service
call whose refusal becomes messages in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import get_language

from motiva.core.errors import InvalidInput


def parse_number(text: str | None) -> Decimal | None:
    """"1 234,5", "1234.5" or "-1 000,50" as a Decimal; None when empty. Anything else — letters, NaN,
    infinity — raises ValueError."""
    cleaned = (text or "").replace("\u00a0", "").replace(" ", "").replace(",", ".").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def show_problems(request: HttpRequest, error: InvalidInput) -> None:
    for message in error.messages(get_language() or "ru"):
        messages.error(request, message)


def attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Call a service; on success say so, on refusal show its problems. Nothing is written on refusal
    (the services validate before they write)."""
    try:
        action()
    except InvalidInput as error:
        show_problems(request, error)
        return False
    messages.success(request, success)
    return True
