"""What every page does with posted text: numbers typed the way people type them, and a service
call whose refusal becomes messages in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from motiva.calc.models import AdjustmentKind
from motiva.core.errors import InvalidInput
from motiva.engine.numbers import NotANumber, parse_decimal


def parse_number(text: str | None) -> Decimal | None:
    """ "1 234,5", "1234.5" or "-1 000,50" as a Decimal; None when empty. Anything else — letters, NaN,
    infinity, digits other than 0–9 ("٣", "３", "²") — raises NotANumber (a ValueError) saying why.
    The reader itself is motiva.engine.numbers.parse_decimal, shared with the engine and the files."""
    return parse_decimal(text)


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


class NumberField(forms.Field):
    """A number typed the way people type it ("1 234,5"), through the one parser; ASCII digits only."""

    default_error_messages = {
        "invalid": _("Enter a number, e.g. 1 234,50."),
        "digit": _("“%(char)s” is not one of the digits 0–9: enter the number with the digits 0–9."),
    }

    def to_python(self, value: Any) -> Decimal | None:
        try:
            return parse_number(value)
        except NotANumber as error:
            if error.reason == "digit":
                raise forms.ValidationError(
                    self.error_messages["digit"], code="digit", params={"char": error.char}
                ) from None
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class AdjustmentForm(forms.Form):
    """A manual adjustment (an amount, + or −) or a disciplinary reduction (the sanction's date and
    order, and an amount or a percent of the bonus)."""

    personnel_number = forms.CharField(label=_("Personnel number"), max_length=40)
    kind = forms.ChoiceField(label=_("Kind"), choices=AdjustmentKind.choices, initial=AdjustmentKind.MANUAL)
    amount = NumberField(label=_("Amount"), required=False, help_text=_("Negative for a reduction."))
    percent = NumberField(
        label=_("Percent of the bonus"),
        required=False,
        help_text=_("For a disciplinary reduction instead of an amount."),
    )
    applied_on = forms.DateField(label=_("Sanction date"), required=False)
    order_number = forms.CharField(label=_("Order number"), max_length=40, required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False
    )  # the service says why it is needed
