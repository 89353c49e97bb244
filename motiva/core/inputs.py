"""Every Django form field that reads a number (ours, the admin's, third parties') refuses digits
other than 0–9: Django's IntegerField and DecimalField hand the text to int() and Decimal(), which read
"٣", "３" or "৩" as 3. Installed once at start-up (CoreConfig.ready); Motiva's own fields use
motiva.engine.numbers.parse_decimal directly."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from motiva.engine.numbers import foreign_digit

DIGIT_MESSAGE = _("“%(char)s” is not one of the digits 0–9: enter the number with the digits 0–9.")


def install() -> None:
    for field_class in (forms.IntegerField, forms.DecimalField, forms.FloatField):
        original = field_class.__dict__["to_python"]  # each defines its own
        if getattr(original, "ascii_digits_only", False):
            continue

        def to_python(self: forms.Field, value: Any, _original: Any = original) -> Any:
            if isinstance(value, str):
                char = foreign_digit(value)
                if char:
                    raise ValidationError(DIGIT_MESSAGE, code="digit", params={"char": char})
            return _original(self, value)

        to_python.ascii_digits_only = True  # type: ignore[attr-defined]
        field_class.to_python = to_python  # type: ignore[method-assign]
