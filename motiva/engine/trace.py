"""The trace: how a result came about, step by step, as data.

Each step holds the rule in words (Russian and English), the inputs it used and the outcome. The UI,
exports and the CLI all render the same steps, so an employee can redo the bonus by hand.

Steps keep their raw values and format them only when rendered: a run of 100 000 employees makes
millions of steps, and most are stored, not read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
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
    __slots__ = ("_compact", "_inputs", "_outcome", "_params", "en", "ru")

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
        self._outcome = outcome
        self._inputs = inputs
        self._params = params
        self._compact: list[Any] | None = None

    def _named_params(self) -> dict[str, Any]:
        return self._params or {}

    @property
    def rule(self) -> Text:
        return Text(self.ru, self.en, {key: show(value) for key, value in self._named_params().items()})

    @property
    def inputs(self) -> tuple[tuple[str, str], ...]:
        return tuple((name, show(value)) for name, value in (self._inputs or {}).items())

    @property
    def outcome(self) -> str:
        return show(self._outcome)

    def render(self, language: str = "ru") -> str:
        """The step in words for a reader of that language (numbers with a decimal comma in Russian)."""
        russian = language.startswith("ru")
        parts = [
            Text(
                self.ru, self.en, {key: shown(value, russian) for key, value in self._named_params().items()}
            ).render(language)
        ]
        if self._inputs:
            parts.append(
                "; ".join(
                    f"{_input_name(name, russian)} = {shown(value, russian)}"
                    for name, value in self._inputs.items()
                )
            )
        outcome = shown(self._outcome, russian)
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

    def compact(self, catalog: dict[str, list[Any]]) -> list[Any]:
        """[wording id, param values, input values, outcome], numbers as their exact text; the wording
        itself (Russian, English, the names of the params and of the inputs) is kept once per run in
        `catalog`. The id is derived from the wording, so parallel workers agree on it without talking.
        A step is immutable, so its stored form is made once, however many results share it."""
        if self._compact is not None:
            if self._compact[0] not in catalog:
                catalog[self._compact[0]] = _WORDINGS[self._compact[0]]
            return self._compact
        params, inputs = self._params, self._inputs
        key = (self.ru, self.en, tuple(params) if params else (), tuple(inputs) if inputs else ())
        wording_id = _WORDING_IDS.get(key)
        if wording_id is None:
            wording_id = _WORDING_IDS[key] = _wording_id(*key)
        if wording_id not in catalog:
            catalog[wording_id] = _WORDINGS[wording_id]
        self._compact = [
            wording_id,
            [str(v) for v in params.values()] if params else None,
            [str(v) for v in inputs.values()] if inputs else None,
            str(self._outcome),
        ]
        return self._compact

    def __repr__(self) -> str:
        return f"Step({self.render('en')!r})"


class Wording:
    """A step's rule in both languages with the names of its params, fixed where the steps are made.
    Steps made once per employee (a card's totals, the pay) use one: `WORDING(outcome, *values)` is a
    step that carries only its values, which is cheaper to make and to store than `step(...)`."""

    __slots__ = ("en", "entry", "id", "params", "ru", "texts")

    def __init__(self, ru: str, en: str, *params: str) -> None:
        self.ru = ru
        self.en = en
        self.params = params
        self.id = _wording_id(ru, en, params, ())
        self.entry = _WORDINGS[self.id]
        self.texts = _TEXTS[len(params)] if len(params) < len(_TEXTS) else _texts

    def __call__(self, outcome: Any = "", *values: Any) -> Step:
        if len(values) != len(self.params):
            raise TypeError(f"{self.en!r} takes {len(self.params)} values, not {len(values)}")
        # Filled in here rather than by an __init__: a dozen of these are made for every employee.
        made = _new_worded_step(_WordedStep)
        made.ru = self.ru
        made.en = self.en
        made._outcome = outcome
        made._inputs = None
        made._params = None
        made._compact = None
        made._wording = self
        made._values = values
        return made


class _WordedStep(Step):
    """A step made by a Wording (see there)."""

    __slots__ = ("_values", "_wording")
    _values: tuple[Any, ...]
    _wording: Wording

    def _named_params(self) -> dict[str, Any]:
        return dict(zip(self._wording.params, self._values, strict=True))

    def compact(self, catalog: dict[str, list[Any]]) -> list[Any]:
        compact = self._compact
        if compact is None:
            compact = self._compact = [
                self._wording.id,
                self._wording.texts(self._values),
                None,
                str(self._outcome),
            ]
        if compact[0] not in catalog:
            catalog[compact[0]] = self._wording.entry
        return compact


def _texts(values: tuple[Any, ...]) -> list[str]:
    return [str(v) for v in values]


# A step's values as text, written out for the usual counts (a loop over a few values costs more than the values).
def _no_texts(v: tuple[Any, ...]) -> None:
    return None


def _texts_1(v: tuple[Any, ...]) -> list[str]:
    return [str(v[0])]


def _texts_2(v: tuple[Any, ...]) -> list[str]:
    return [str(v[0]), str(v[1])]


def _texts_3(v: tuple[Any, ...]) -> list[str]:
    return [str(v[0]), str(v[1]), str(v[2])]


def _texts_4(v: tuple[Any, ...]) -> list[str]:
    return [str(v[0]), str(v[1]), str(v[2]), str(v[3])]


def _texts_5(v: tuple[Any, ...]) -> list[str]:
    return [str(v[0]), str(v[1]), str(v[2]), str(v[3]), str(v[4])]


# A step's values as text, written out for the usual counts (a loop over a few values costs more than
# the values); named functions, so that a step can be pickled.
_TEXTS: tuple[Callable[[tuple[Any, ...]], list[str] | None], ...] = (
    _no_texts,
    _texts_1,
    _texts_2,
    _texts_3,
    _texts_4,
    _texts_5,
)

_new_worded_step = object.__new__

_WORDING_IDS: dict[tuple[Any, ...], str] = {}  # (ru, en, param names, input names) → wording id
_WORDINGS: dict[str, list[Any]] = {}  # wording id → what the catalog holds for it


def _wording_id(ru: str, en: str, params: tuple[str, ...], inputs: tuple[str, ...]) -> str:
    """Derived from the wording alone, so that every process gives a wording the same id."""
    wording_id = hashlib.blake2s(
        "\x1f".join([ru, en, *params, "\x1e", *inputs]).encode(), digest_size=6
    ).hexdigest()
    _WORDINGS.setdefault(wording_id, [ru, en, list(params), list(inputs)])
    return wording_id


def expand(compact: list[Any], templates: dict[str, list[Any]]) -> Step:
    """The stored form back into a step (numbers come back as text and are shown as stored). Runs
    stored before the wording carried the names keep them with the values: {name: value} and [[name, value]]."""
    wording_id, params, inputs, outcome = compact
    wording = templates[wording_id]
    ru, en = wording[0], wording[1]
    if isinstance(params, list):
        params = dict(zip(wording[2], params, strict=True))
    if inputs and not isinstance(inputs[0], list):
        inputs = list(zip(wording[3], inputs, strict=True))
    return Step(
        ru,
        en,
        _number(outcome),
        {k: _number(v) for k, v in (inputs or [])},
        {k: _number(v) for k, v in (params or {}).items()},
    )


def _number(text: str) -> Any:
    """A stored value back: a number if it was one (its text is a Decimal's own), else the text as
    stored ("03.2026" is a month, "+1" a rating)."""
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    return number if str(number) == text else text


def step(ru: str, en: str, outcome: Any = "", /, inputs: dict[str, Any] | None = None, **params: Any) -> Step:
    return Step(ru, en, outcome, inputs, params or None)
