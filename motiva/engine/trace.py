"""The trace: how a result came about, step by step, as data.

Each step holds the rule in words (Russian and English), the inputs it used and the outcome. The UI,
exports and the CLI all render the same steps, so an employee can redo the bonus by hand.

Steps keep their raw values and format them only when rendered: a run of 100 000 employees makes
millions of steps, and most are stored, not read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from motiva.engine.text import Text, written

SHOWN_PLACES = 4


def show(value: Any, decimal_comma: bool = False) -> str:
    """A number as data: no exponent, no trailing zeros; an intermediate value with a long fraction
    (200 000 / 0.6) is shown to four places with "≈" — the calculation itself keeps every digit.
    With decimal_comma (Russian), 95.5 is written 95,5. A reader's text groups the digits too (`shown`)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        normalized = value.normalize()
        exponent = normalized.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -SHOWN_PLACES:
            text = "≈" + format(value.quantize(Decimal(1).scaleb(-SHOWN_PLACES)).normalize(), "f")
        else:
            text = format(normalized, "f")
        return text.replace(".", ",") if decimal_comma else text
    return str(value)


def shown(value: Any, russian: bool) -> str:
    """A number in a reader's text: as `show` gives it, with the digits grouped as the reader's
    language writes them (80 000 × 15 in Russian, 80,000 × 15 in English)."""
    return written(show(value), russian=russian) if isinstance(value, Decimal) else show(value)


def _input_name(name: str, russian: bool) -> str:
    """An input is named in both languages ("факт / fact"): the reader sees their own."""
    ru, slash, en = name.partition(" / ")
    if not slash:
        return name
    return ru if russian else en


class Step:
    """One step: its rule in both languages, the values the rule names (params), the inputs it used and
    the outcome, all kept raw. The stored form is the storage's business (`motiva.calc.storage`)."""

    __slots__ = ("_inputs", "_params", "en", "outcome_value", "ru")
    wording: Wording | None = None  # the fixed wording a step was made from (see Wording), if any
    values: tuple[Any, ...] = ()  # with a wording: the values of its params, in their order

    def __init__(
        self,
        ru: str,
        en: str,
        outcome: Any = "",
        inputs: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.ru = ru
        self.en = en
        self.outcome_value = outcome
        self._inputs = inputs
        self._params = params

    @property
    def named_params(self) -> dict[str, Any]:
        """The values the rule names, raw ({} when it names none)."""
        return self._params or {}

    @property
    def named_inputs(self) -> dict[str, Any]:
        """The inputs the step used, raw ({} when none)."""
        return self._inputs or {}

    @property
    def rule(self) -> Text:
        return Text(self.ru, self.en, {key: show(value) for key, value in self.named_params.items()})

    @property
    def inputs(self) -> tuple[tuple[str, str], ...]:
        return tuple((name, show(value)) for name, value in (self._inputs or {}).items())

    @property
    def outcome(self) -> str:
        return show(self.outcome_value)

    def render(self, language: str = "ru") -> str:
        """The step in words for a reader of that language (numbers with a decimal comma in Russian)."""
        russian = language.startswith("ru")
        parts = [
            Text(
                self.ru, self.en, {key: shown(value, russian) for key, value in self.named_params.items()}
            ).render(language)
        ]
        if self._inputs:
            parts.append(
                "; ".join(
                    f"{_input_name(name, russian)} = {shown(value, russian)}"
                    for name, value in self._inputs.items()
                )
            )
        outcome = shown(self.outcome_value, russian)
        if outcome:
            parts.append(f"→ {outcome}")
        return " | ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ru": self.rule.render("ru"),
            "en": self.rule.render("en"),
            "inputs": [list(pair) for pair in self.inputs],
            "outcome": self.outcome,
        }

    def __repr__(self) -> str:
        return f"Step({self.render('en')!r})"


class Wording:
    """A step's rule in both languages with the names of its params, fixed where the steps are made.
    Steps made once per employee (a card's totals, the pay) use one: `WORDING(outcome, *values)` is a
    step that carries only its values, which is cheaper to make and to store than `step(...)`."""

    __slots__ = ("en", "params", "ru")

    def __init__(self, ru: str, en: str, *params: str) -> None:
        self.ru = ru
        self.en = en
        self.params = params

    def __call__(self, outcome: Any = "", *values: Any) -> Step:
        if len(values) != len(self.params):
            raise TypeError(f"{self.en!r} takes {len(self.params)} values, not {len(values)}")
        # Filled in here rather than by an __init__: a dozen of these are made for every employee.
        made = _new_worded_step(_WordedStep)
        made.ru = self.ru
        made.en = self.en
        made.outcome_value = outcome
        made._inputs = None
        made._params = None
        made.wording = self
        made.values = values
        return made


class _WordedStep(Step):
    """A step made by a Wording (see there): its values in the order of the wording's params."""

    __slots__ = ("values", "wording")  # slots over the base's defaults
    values: tuple[Any, ...]
    wording: Wording

    @property
    def named_params(self) -> dict[str, Any]:
        return dict(zip(self.wording.params, self.values, strict=True))


_new_worded_step = object.__new__


def step(ru: str, en: str, outcome: Any = "", /, inputs: dict[str, Any] | None = None, **params: Any) -> Step:
    return Step(ru, en, outcome, inputs, params or None)
