"""Numbers, money and percentages in the reader's locale (ru: 12 345,67; en: 12,345.67)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value: Any, currency: str = "") -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    text = number_format(number.quantize(Decimal("0.01")), 2, use_l10n=True, force_grouping=True)
    return f"{text}\u00a0{currency}" if currency else text


@register.filter
def pct(value: Any, places: int = 2) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    quantum = Decimal(1).scaleb(-int(places))
    text = number_format(
        number.quantize(quantum).normalize() if number == number.to_integral() else number.quantize(quantum),
        None,
        use_l10n=True,
        force_grouping=True,
    )
    return f"{text}\u00a0%"


@register.filter
def num(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    normalized = number.normalize()
    places = max(0, -normalized.as_tuple().exponent) if isinstance(normalized.as_tuple().exponent, int) else 0
    return number_format(normalized, places, use_l10n=True, force_grouping=True)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None
