"""`manage.py simulate FILE`: a scenario calculated without a database and without Django's settings
(no SECRET_KEY, no DEBUG): the engine and the file are all it needs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from motiva.scenarios.loader import Scenario, ScenarioError, check_expectations, load, parse
from motiva.scenarios.render import outcome_dict, outcome_text, summary_table

DESCRIPTION = (
    "Calculate a scenario file (YAML) without a database and print each employee's result, pay and trace."
)


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(prog="manage.py simulate", description=DESCRIPTION)
    found.add_argument("file", help="Scenario file, e.g. examples/workshop_a.yaml")
    found.add_argument("--json", action="store_true", help="Print JSON instead of text.")
    found.add_argument("--lang", default="ru", choices=["ru", "en"], help="Language of the text output.")
    return found


def simulate(
    file: str, *, as_json: bool = False, lang: str = "ru", out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Print the scenario's results; 1 when the file is refused, a result has an error (a KTU out of range,
    a missing plan value …) or the `expect:` numbers are not reproduced."""
    try:
        scenario = load(file)
    except ScenarioError as error:
        for problem in error.problems:
            err.write(f"{problem.field}: {problem.render(lang)}\n")
        return 1
    return report(scenario, as_json=as_json, lang=lang, out=out, err=err)


def simulate_raw(raw: object, *, lang: str = "ru", out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """The same for a file already read (tests misspell thousands of copies of the examples)."""
    try:
        scenario = parse(raw)
    except ScenarioError as error:
        for problem in error.problems:
            err.write(f"{problem.field}: {problem.render(lang)}\n")
        return 1
    return report(scenario, lang=lang, out=out, err=err)


def report(
    scenario: Scenario,
    *,
    as_json: bool = False,
    lang: str = "ru",
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    outcomes = scenario.run()
    differences = check_expectations(scenario, outcomes)
    if as_json:
        out.write(
            json.dumps(
                {
                    "scenario": scenario.name,
                    "currency": scenario.currency,
                    "employees": [outcome_dict(o) for o in outcomes],
                    "expectation_differences": differences,
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    else:
        out.write(f"{scenario.name}\n{scenario.description}\n")
        out.write(summary_table(outcomes, scenario.currency, lang) + "\n")
        for outcome in outcomes:
            out.write("\n" + outcome_text(outcome, scenario.currency, lang) + "\n")
        if scenario.expectations:
            out.write(
                "\n"
                + ("✔ published numbers reproduced" if not differences else "✘ " + "; ".join(differences))
                + "\n"
            )
    errors = [(o.name, p) for o in outcomes for p in o.problems if p.is_error]
    for name, problem in errors:
        err.write(f"{name}: {problem.field}: {problem.render(lang)}\n")
    if differences:
        err.write("the result differs from the expectations in the file\n")
    return 1 if differences or errors else 0


def main(argv: Sequence[str]) -> int:
    options = parser().parse_args(list(argv))
    return simulate(options.file, as_json=options.json, lang=options.lang)
