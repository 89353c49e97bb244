"""What a calculation remembers while it runs.

A run asks the same questions thousands of times: the company's and a unit's lines repeat on every card,
most people share their employment and absences, a scheme's formulas and terms are the same for every
member. The caller makes one `Memo` for a piece of work (a slice of a run, a preview, a simulation) and
hands it to the engine's entry points; the engine itself keeps nothing between calls, so two runs in one
process never see each other's answers, and a memo is freed with its work.

Keys are exact texts (a Decimal's digits), never a Decimal's hash: equal Decimals may differ in their
digits (100 and 100.00), which show in the trace, and hashing a Decimal costs more than writing it out.
Objects remembered by `id()` are kept alive with their entry, so their id is not reused while the memo lives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from motiva.engine import formula as formula_language
from motiva.engine.problems import Problem
from motiva.engine.trace import Step
from motiva.engine.types import CardPolicy, ScaleSpec

# A line's score: (score, multiplier, weighted, steps, problems, gate open).
Scored = tuple[Decimal | None, Decimal | None, Decimal, tuple[Step, ...], tuple[Problem, ...], bool | None]


@dataclass(eq=False, slots=True)
class Memo:
    """One calculation's memos; empty when made, filled as the engine computes."""

    # card.score_line: a line's score and steps by the exact text of its inputs.
    lines: dict[tuple[object, ...], Scored] = field(default_factory=dict)
    # card.score_line: a scale's exact text by its id (the scale kept alive beside it).
    scale_texts: dict[int, tuple[ScaleSpec, str]] = field(default_factory=dict)
    # proration: the share of time worked and its steps by dates, FTE text, absences, policy and calendar key.
    shares: dict[tuple[object, ...], tuple[Decimal, tuple[Step, ...]]] = field(default_factory=dict)
    # Parsed formulas by their source (a Formula is immutable, so it is shared).
    formulas: dict[str, formula_language.Formula] = field(default_factory=dict)
    # schemes.card_policy: a scheme's card policy by (id of its parameters, scheme kind, category).
    policies: dict[tuple[int, str, str], tuple[Mapping[str, Any], CardPolicy]] = field(default_factory=dict)
    # schemes, three-level: (percent, level shares) by (id of the parameters, block, grade).
    terms: dict[tuple[int, str, str], tuple[Mapping[str, Any], tuple[Decimal, tuple[Decimal, ...]]]] = field(
        default_factory=dict
    )

    def formula(self, source: str) -> formula_language.Formula:
        """The parsed formula; a source that does not parse raises FormulaError each time it is asked."""
        known = self.formulas.get(source)
        if known is None:
            known = self.formulas[source] = formula_language.parse(source)
        return known
