"""How a run's results are stored: rows of RESULT_COLUMNS with their JSON encoded once, line
outcomes shared under a hash of their content, the wording of every step once a run in its
catalog, and COPY on PostgreSQL."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection

from motiva.calc.models import EmployeeResult, LineOutcome
from motiva.engine.batch import EmployeeOutcome
from motiva.engine.problems import Severity
from motiva.engine.trace import Step, Wording


@dataclass
class SlicePart:
    rows: list[tuple[Any, ...]] | bytes  # bytes: COPY text for PostgreSQL
    outcomes: dict[str, str]
    catalog: dict[str, list[str]]
    problems: list[Any]
    hash_total: int
    scale_ids: set[int]
    fetch: float
    compute: float


@dataclass
class RunSummary:
    run_id: int
    catalog: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # the slices' problems, in Russian
    hashes: list[int] = field(default_factory=list)
    scale_ids: set[int] = field(default_factory=set)
    fetch: float = 0.0
    compute: float = 0.0
    store: float = 0.0  # the storing process's time writing rows (with workers, while they compute)
    stored_refs: set[str] = field(default_factory=set)

    def add(self, part: SlicePart) -> list[tuple[Any, ...]]:
        """Takes a slice's figures; returns the rows of its line outcomes not stored yet."""
        self.catalog.update(part.catalog)
        self.problems.extend(p.render("ru") for p in part.problems)
        self.hashes.append(part.hash_total)
        self.scale_ids |= part.scale_ids
        self.fetch += part.fetch
        self.compute += part.compute
        new = [
            (self.run_id, ref, content)
            for ref, content in part.outcomes.items()
            if ref not in self.stored_refs
        ]
        self.stored_refs.update(part.outcomes)
        return new


RESULT_COLUMNS = [
    "run_id",
    "employee_id",
    "card_id",
    "result",
    "level_results",
    "pay",
    "proration",
    "lines",
    "components",
    "trace",
    "problems",
    "has_errors",
]
LINE_COLUMNS = ["run_id", "ref", "content"]


def copy_text(rows: list[tuple[Any, ...]]) -> bytes:
    """Result rows (RESULT_COLUMNS, the last one a boolean) in PostgreSQL's COPY text format, made where
    they are computed (a worker), so that the process storing them only passes the bytes on. No value
    is NULL; JSON holds no raw tab or newline (it escapes them), so only backslashes need doubling."""
    lines = []
    for row in rows:
        lines.append("\t".join(map(str, row[:-1])) + ("\tt\n" if row[-1] else "\tf\n"))
    return "".join(lines).replace("\\", "\\\\").encode()


def store_part(summary: RunSummary, part: SlicePart) -> None:
    """A computed slice into the storing transaction: its line outcomes not stored yet, then its results."""
    started = time.perf_counter()
    _store(LineOutcome, LINE_COLUMNS, summary.add(part))
    _store(EmployeeResult, RESULT_COLUMNS, part.rows)
    summary.store += time.perf_counter() - started


def store_slice(run_id: int, part: SlicePart) -> dict[str, Any]:
    """A slice computed by a Celery worker into the current transaction; its summary for the run's finish
    (`RunSlice.summary`). Line outcomes other slices stored already are skipped (they are the same
    content under the same reference)."""
    started = time.perf_counter()
    _store_once(LineOutcome, LINE_COLUMNS, [(run_id, ref, content) for ref, content in part.outcomes.items()])
    _store(EmployeeResult, RESULT_COLUMNS, part.rows)
    return {
        "catalog": part.catalog,
        "problems": [p.render("ru") for p in part.problems],
        "hash": str(part.hash_total),
        "scale_ids": sorted(part.scale_ids),
        "fetch": part.fetch,
        "compute": part.compute,
        "store": time.perf_counter() - started,
    }


def summary_of_slices(run_id: int, summaries: list[dict[str, Any]]) -> RunSummary:
    """The run's summary from its stored slices' (`store_slice`)."""
    summary = RunSummary(run_id)
    for part in summaries:
        summary.catalog.update(part["catalog"])
        summary.problems.extend(part["problems"])
        summary.hashes.append(int(part["hash"]))
        summary.scale_ids.update(part["scale_ids"])
        summary.fetch += part["fetch"]
        summary.compute += part["compute"]
        summary.store += part["store"]
    return summary


def _store_once(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Rows whose unique key may be stored already (by another slice): those are left as they are."""
    if not rows:
        return
    table = model._meta.db_table
    names = ", ".join(f'"{column}"' for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY into a scratch table, then one INSERT that skips what is there: COPY itself cannot.
            cursor.execute(
                f'CREATE TEMP TABLE "motiva_slice_rows" ON COMMIT DROP AS SELECT {names} FROM "{table}" WITH NO DATA'  # noqa: S608
            )
            with cursor.cursor.copy(f'COPY "motiva_slice_rows" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "motiva_slice_rows" ON CONFLICT DO NOTHING'  # noqa: S608
            )
            cursor.execute('DROP TABLE "motiva_slice_rows"')
            return
        for start in range(0, len(rows), 5000):
            # table and column names are constants of this module, never user input
            cursor.executemany(
                f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({placeholders})',  # noqa: S608
                rows[start : start + 5000],
            )


def _store(model: Any, columns: list[str], rows: list[tuple[Any, ...]] | bytes) -> None:
    """PostgreSQL takes the rows by COPY (no SQL text to build and quote for megabytes of traces),
    given as tuples or already in COPY's text format; other databases by one prepared INSERT executed
    for every row."""
    if not rows:
        return
    table = model._meta.db_table
    names = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                if isinstance(rows, bytes):
                    copy.write(rows)
                else:
                    for row in rows:
                        copy.write_row(row)
            return
        assert not isinstance(rows, bytes)
        placeholders = ", ".join(["%s"] * len(columns))
        for start in range(0, len(rows), 5000):
            # table and column names are constants of this module, never user input
            cursor.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({placeholders})',  # noqa: S608
                rows[start : start + 5000],
            )


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


class StepEncoder:
    """Steps into their stored form: [wording id, param values, input values, outcome], numbers as their
    exact text. The wording itself (Russian, English, the names of the params and of the inputs) goes
    once into `catalog`; its id is derived from the wording alone, so parallel workers agree on it
    without talking. One encoder a slice: a fixed Wording's id is worked out once there."""

    def __init__(self, catalog: dict[str, list[Any]]) -> None:
        self.catalog = catalog
        # by identity (the engine's wordings are its constants): the id and the writer of the values
        self._worded: dict[Wording, tuple[str, Callable[[tuple[Any, ...]], list[str] | None]]] = {}
        self._plain: dict[tuple[Any, ...], str] = {}
        # Steps made without a Wording are few an employee and mostly shared by many (the time worked,
        # remembered in the engine's memo): each is encoded once a slice, kept alive here so that its
        # id is not reused (measured: 2 % of a slice's compute and encode on the 100 000 benchmark).
        self._shared: dict[int, tuple[Step, list[Any]]] = {}

    def _wording_id(self, ru: str, en: str, params: tuple[str, ...], inputs: tuple[str, ...]) -> str:
        wording_id = hashlib.blake2s(
            "\x1f".join([ru, en, *params, "\x1e", *inputs]).encode(), digest_size=6
        ).hexdigest()
        if wording_id not in self.catalog:
            self.catalog[wording_id] = [ru, en, list(params), list(inputs)]
        return wording_id

    def encode(self, step: Step) -> list[Any]:
        wording = step.wording
        if wording is not None:
            try:
                wording_id, texts = self._worded[wording]
            except KeyError:
                wording_id, texts = self._worded[wording] = (
                    self._wording_id(wording.ru, wording.en, wording.params, ()),
                    _TEXTS[len(wording.params)] if len(wording.params) < len(_TEXTS) else _texts,
                )
            return [wording_id, texts(step.values), None, str(step.outcome_value)]
        known = self._shared.get(id(step))
        if known is not None:
            return known[1]
        params, inputs = step.named_params, step.named_inputs
        key = (step.ru, step.en, tuple(params), tuple(inputs))
        wording_id = self._plain.get(key)
        if wording_id is None:
            wording_id = self._plain[key] = self._wording_id(*key)
        encoded = [
            wording_id,
            [str(v) for v in params.values()] if params else None,
            [str(v) for v in inputs.values()] if inputs else None,
            str(step.outcome_value),
        ]
        self._shared[id(step)] = (step, encoded)
        return encoded


# A worded step's values as text, written out for the usual counts: a loop over a few values costs more
# than the values (a run encodes about a dozen such steps an employee).
def _texts(values: tuple[Any, ...]) -> list[str]:
    return [str(v) for v in values]


_TEXTS: tuple[Callable[[tuple[Any, ...]], list[str] | None], ...] = (
    lambda v: None,
    lambda v: [str(v[0])],
    lambda v: [str(v[0]), str(v[1])],
    lambda v: [str(v[0]), str(v[1]), str(v[2])],
    lambda v: [str(v[0]), str(v[1]), str(v[2]), str(v[3])],
    lambda v: [str(v[0]), str(v[1]), str(v[2]), str(v[3]), str(v[4])],
)


def expand_step(stored: list[Any], templates: dict[str, list[Any]]) -> Step:
    """The stored form back into a step (numbers come back as text and are shown as stored). Runs
    stored before the wording carried the names keep them with the values: {name: value} and [[name, value]]."""
    wording_id, params, inputs, outcome = stored
    wording = templates[wording_id]
    ru, en = wording[0], wording[1]
    if isinstance(params, list):
        params = dict(zip(wording[2], params, strict=True))
    if inputs and not isinstance(inputs[0], list):
        inputs = list(zip(wording[3], inputs, strict=True))
    return Step(
        ru,
        en,
        _stored_number(outcome),
        {k: _stored_number(v) for k, v in (inputs or [])},
        {k: _stored_number(v) for k, v in (params or {}).items()},
    )


def _stored_number(text: str) -> Any:
    """A stored value back: a number if it was one (its text is a Decimal's own), else the text as
    stored ("03.2026" is a month, "+1" a rating)."""
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    return number if str(number) == text else text


class RowEncoder:
    """Turns outcomes into rows of RESULT_COLUMNS (JSON already encoded) for one slice. The wording of
    every step used goes once into `catalog`. A line's result (its figures and trace) is stored once a
    run as a LineOutcome, under a hash of its content: the company's and a unit's lines, and lines with
    equal facts, repeat on many cards (the engine then shares their steps), so each is encoded once a
    slice, and an employee's row holds only the line keys and their references."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.catalog: dict[str, list[Any]] = {}
        self.steps = StepEncoder(self.catalog)
        self.outcomes: dict[str, str] = {}  # ref → content (JSON), the line results of this slice
        self._refs: dict[tuple[Any, ...], str] = {}
        # a pay component's name (most are the scheme's constants) and kind → its catalog id
        self._names: dict[tuple[int, str], str] = {}
        self._kept: list[Any] = []  # the names above, kept alive so that their ids are not reused

    def _name(self, name: Any, kind: str) -> str:
        """A pay component's name, rendered in both languages, and its kind (engine.types.ComponentKind)
        go into the catalog once as [ru, en, kind]; rows refer to it. Runs stored before the kind have
        [ru, en] (the payroll hand-off maps those by name only)."""
        entry = [name.render("ru"), name.render("en")]
        if kind:
            entry.append(kind)
        name_id = self._names[(id(name), kind)] = (
            "n" + hashlib.blake2s("\x1f".join(entry).encode(), digest_size=6).hexdigest()
        )
        self.catalog[name_id] = entry
        self._kept.append(name)
        return name_id

    def _line(self, line: Any) -> str:
        key = (line.steps, line.title, line.level, line.indicator_code) if line.steps else None
        ref = self._refs.get(key) if key is not None else None
        if ref is None:
            encode = self.steps.encode
            content = orjson.dumps(
                {
                    "title": line.title,
                    "level": line.level,
                    "weight": str(line.weight),
                    "indicator": line.indicator_code,
                    "fact": None if line.fact is None else str(line.fact),
                    "score": None if line.score is None else str(line.score),
                    "multiplier": None if line.multiplier is None else str(line.multiplier),
                    "weighted": str(line.weighted),
                    "steps": [encode(s) for s in line.steps],
                }
            )
            ref = hashlib.blake2b(content, digest_size=8).hexdigest()
            self.outcomes[ref] = content.decode()
            if key is not None:
                self._refs[key] = ref
        line_key = line.key
        if line_key.isdigit():  # a card line's id: nothing to escape
            return f'{{"key":"{line_key}","ref":"{ref}"}}'
        return f'{{"key":{orjson.dumps(line_key).decode()},"ref":"{ref}"}}'

    def _components(self, pay: Any) -> list[list[Any]]:
        """A result's pay components as [name id, amount, steps]; fines withheld from the salary carry a
        fourth element, 1: they are shown beside the bonus, never as part of it."""
        encode, names = self.steps.encode, self._names
        stored = [
            [
                names.get((id(c.name), c.kind)) or self._name(c.name, c.kind),
                str(c.amount),
                [encode(s) for s in c.steps],
            ]
            for c in pay.components
        ]
        for c in pay.withheld:
            stored.append(
                [
                    names.get((id(c.name), c.kind)) or self._name(c.name, c.kind),
                    str(c.amount),
                    [encode(s) for s in c.steps],
                    1,
                ]
            )
        return stored

    def row(self, outcome: EmployeeOutcome, card_id: int) -> tuple[Any, ...]:
        card = outcome.card
        pay = outcome.pay
        encode = self.steps.encode
        return (
            self.run_id,
            int(outcome.key),
            card_id,
            card.total,
            _json({level: str(value) for level, value in card.level_results.items()}),
            pay.total if pay else Decimal(0),
            pay.proration.quantize(_PRORATION_PLACES) if pay else Decimal(1),
            "[" + ",".join([self._line(line) for line in card.lines]) + "]",
            _json([] if pay is None else self._components(pay)),
            _json(
                {
                    "card": [encode(s) for s in card.steps],
                    "pay": [] if pay is None else [encode(s) for s in pay.steps],
                }
                if pay is None or pay.remuneration is None
                # a scheme with a fixed part: the fixed pay and the remuneration (fixed + variable) as figures too
                else {
                    "card": [encode(s) for s in card.steps],
                    "pay": [encode(s) for s in pay.steps],
                    "remuneration": {"fixed": str(pay.fixed), "total": str(pay.remuneration)},
                }
            ),
            _json(
                [
                    {
                        "code": p.code,
                        "field": p.field,
                        "ru": p.render("ru"),
                        "en": p.render("en"),
                        "severity": p.severity.value,
                    }
                    for p in outcome.problems
                ]
            ),
            any(p.severity is Severity.ERROR for p in outcome.problems),
        )


_PRORATION_PLACES = Decimal("0.000001")


def stored_component(stored: Any, templates: dict[str, Any]) -> tuple[str, str, Decimal, bool]:
    """(Russian name, kind, amount, withheld) of a stored pay component: [name id, amount, steps(, 1 if
    withheld)] with the name id's catalog entry [ru, en(, kind)] in the run's trace_templates. Results
    stored before the kind (engine before 0.2.1: a catalog entry [ru, en], or a {ru, en, amount, steps}
    component) have the kind "" and map by name only."""
    if isinstance(stored, dict):
        return str(stored["ru"]), str(stored.get("kind", "")), Decimal(str(stored["amount"])), False
    name_id, amount = stored[0], stored[1]
    withheld = len(stored) == 4
    entry = templates.get(name_id) or [name_id]
    kind = str(entry[2]) if len(entry) > 2 else ""
    return str(entry[0]), kind, Decimal(str(amount)), withheld
