"""Indicator library (kind "indicators"): upsert by code through indicator_create / indicator_update.

check() applies the service's own rules (motiva.kpi.services: the code pattern, the name, the choices, the
formula parsed and checked by the engine's formula language) so the preview names them; a formula may use
the codes of indicators defined by earlier rows of the same file. What the service finds only while
writing (a cycle of formulas, a monitoring-only indicator still weighted on cards) is raised from
apply_batch and the framework rolls the whole file back. An empty optional cell of an existing indicator
leaves that value as it is.
"""

from __future__ import annotations

from dataclasses import replace

from motiva.core.access import can_configure
from motiva.core.errors import InvalidInput, problem
from motiva.engine import formula as formula_language
from motiva.imports.base import Field, Importer, Planned, RowRef, register
from motiva.imports.kinds.common import Seen, boolean, choice, number, text, words_for
from motiva.kpi import services
from motiva.kpi.models import Direction, Indicator, IndicatorKind, Periodicity

FIELDS = [
    Field(
        "code",
        "Code",
        "Код",
        required=True,
        aliases=("indicator code", "код показателя"),
        example="SALES",
        help_en="The key: a letter first, then letters, digits, “_” (up to 40)",
        help_ru="Ключ: сначала буква, затем буквы, цифры, «_» (до 40)",
    ),
    Field("name", "Name", "Название", required=True, aliases=("indicator", "показатель"), example="Продажи"),
    Field("definition", "Definition", "Определение", aliases=("description", "описание"), example=""),
    Field(
        "unit_of_measure",
        "Unit of measure",
        "Единица измерения",
        aliases=("unit", "ед. изм."),
        example="руб.",
    ),
    Field(
        "direction",
        "Direction",
        "Направление",
        example="больше — лучше",
        help_en="higher is better or lower is better (empty: higher for a new indicator, unchanged for an existing one)",
        help_ru="больше — лучше или меньше — лучше (пусто — больше для нового, без изменений для существующего)",
    ),
    Field(
        "kind",
        "Kind",
        "Вид",
        aliases=("indicator kind", "вид показателя"),
        example="количественный",
        help_en="quantitative, discrete levels, binary event, penalty points or rating (empty: quantitative for a new indicator)",
        help_ru="количественный, дискретные уровни, бинарное событие, штрафные баллы или оценка "
        "(пусто — количественный для нового)",
    ),
    Field(
        "formula",
        "Formula",
        "Формула",
        example="",
        help_en="Computed from other indicators' codes, e.g. REVENUE - COST (empty: entered, not computed)",
        help_ru="Вычисляется из кодов других показателей, например REVENUE - COST (пусто — вводится)",
    ),
    Field(
        "periodicity",
        "Periodicity",
        "Периодичность",
        example="месяц",
        help_en="month, quarter, half-year or year (empty: month for a new indicator)",
        help_ru="месяц, квартал, полугодие или год (пусто — месяц для нового)",
    ),
    Field("data_source", "Data source", "Источник данных", aliases=("source", "источник"), example="1С"),
    Field(
        "monitoring_only",
        "Monitoring only",
        "Только мониторинг",
        aliases=("monitoring", "мониторинг"),
        example="нет",
        help_en="yes or no: watched, never paid on (empty: no for a new indicator)",
        help_ru="да или нет: наблюдается, не оплачивается (пусто — нет для нового)",
    ),
    Field(
        "benchmark",
        "Benchmark",
        "Ориентир",
        aliases=("бенчмарк",),
        example="",
        help_en="A number (empty: none)",
        help_ru="Число (пусто — нет)",
    ),
]
LABELS = {
    "name": "Название",
    "definition": "Определение",
    "unit_of_measure": "Единица измерения",
    "direction": "Направление",
    "kind": "Вид",
    "formula": "Формула",
    "periodicity": "Периодичность",
    "data_source": "Источник данных",
    "monitoring_only": "Только мониторинг",
    "benchmark": "Ориентир",
}
DIRECTIONS = {
    **words_for(Direction),
    "higher": Direction.HIGHER,
    "lower": Direction.LOWER,
    "lower is better": Direction.LOWER,
    "больше": Direction.HIGHER,
    "меньше": Direction.LOWER,
    "меньше — лучше": Direction.LOWER,
    "больше - лучше": Direction.HIGHER,
    "меньше - лучше": Direction.LOWER,
    "прямой": Direction.HIGHER,
    "обратный": Direction.LOWER,
}
KINDS = {
    **words_for(IndicatorKind),
    "дискретный": IndicatorKind.DISCRETE,
    "бинарный": IndicatorKind.BINARY,
    "штрафной": IndicatorKind.PENALTY,
    "оценка": IndicatorKind.RATING,
    "рейтинг": IndicatorKind.RATING,
    "rating": IndicatorKind.RATING,
    "discrete": IndicatorKind.DISCRETE,
    "binary": IndicatorKind.BINARY,
    "penalty": IndicatorKind.PENALTY,
}
PERIODICITIES = {
    **words_for(Periodicity),
    "полгода": Periodicity.HALF_YEAR,
    "half year": Periodicity.HALF_YEAR,
}
TEXTS = ("definition", "unit_of_measure", "formula", "data_source")


@register
class IndicatorsImporter(Importer):
    kind = "indicators"
    title_en = "Indicators"
    title_ru = "Показатели"
    fields = FIELDS
    examples = [
        {
            "code": "REVENUE",
            "name": "Выручка",
            "definition": "Выручка без НДС по отгрузке",
            "unit_of_measure": "руб.",
            "direction": "больше — лучше",
            "kind": "количественный",
            "formula": "",
            "periodicity": "месяц",
            "data_source": "1С",
            "monitoring_only": "нет",
            "benchmark": "",
        },
        {
            "code": "REVENUE_K",
            "name": "Выручка, тыс. руб.",
            "definition": "",
            "unit_of_measure": "тыс. руб.",
            "direction": "higher is better",
            "kind": "quantitative",
            "formula": "REVENUE / 1000",
            "periodicity": "month",
            "data_source": "",
            "monitoring_only": "no",
            "benchmark": "",
        },
    ]

    @classmethod
    def allowed(cls, viewer, organization) -> bool:
        return can_configure(viewer, organization.pk)

    def begin(self) -> None:
        self.existing = {i.code: i for i in Indicator.objects.filter(organization=self.organization)}
        self.new_codes: set[str] = set()
        self.seen = Seen()
        self.counts = {"created": 0, "changed": 0}

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list:
        problems: list = []
        code = values.get("code", "").strip()
        old = self.existing.get(code)
        given: dict = {}
        name = values.get("name", "").strip()
        if name:
            given["name"] = name
        for key in TEXTS:
            if values.get(key, "").strip():
                given[key] = values[key].strip()
        for key, words in (("direction", DIRECTIONS), ("kind", KINDS), ("periodicity", PERIODICITIES)):
            if values.get(key, "").strip():
                given[key] = choice(values, key, words, problems)
        if values.get("monitoring_only", "").strip():
            given["monitoring_only"] = boolean(values, "monitoring_only", problems)
        benchmark = number(values, "benchmark", problems)
        if benchmark is not None:
            given["benchmark"] = benchmark
        if code:
            problems += self.seen.check(code, ref, "code")
        if problems:
            return problems
        base = (
            {k: getattr(old, k) for k in services.INDICATOR_FIELDS}
            if old is not None
            else {**services.INDICATOR_DEFAULTS, "code": code, "name": ""}
        )
        data = {**base, **given, "code": code}
        # the service's rules; the formula below, so that codes of earlier rows of this file are known
        problems += services.indicator_problems(self.organization, {**data, "formula": ""}, code)
        if given.get("formula"):
            problems += self._formula_problems(code, given["formula"])
        if problems:
            return problems
        self.new_codes.add(code)
        label = f"{data['name']} ({code})"
        if old is None:
            changes = [("Код", "", code)] + [(LABELS[k], "", self._show(k, v)) for k, v in given.items()]
            return Planned("create", label, changes, ("create", code, given, ref.number))
        diff = {k: v for k, v in given.items() if getattr(old, k) != v}
        if not diff:
            return Planned("same", label)
        changes = [(LABELS[k], self._show(k, getattr(old, k)), self._show(k, v)) for k, v in diff.items()]
        return Planned("change", label, changes, ("change", old.pk, diff, ref.number))

    def _formula_problems(self, code: str, source: str) -> list:
        try:
            parsed = formula_language.parse(source)
        except formula_language.FormulaError as error:
            return [self._column(error.problem)]
        constant = formula_language.check(source)
        if constant:
            return [self._column(p) for p in constant]
        known = set(self.existing) | self.new_codes | {code}
        unknown = sorted(name for name in parsed.names if name not in known)
        if unknown:
            return [
                problem(
                    "unknown_name",
                    "formula",
                    "В формуле неизвестные коды показателей: {names}",
                    "The formula uses unknown indicator codes: {names}",
                    names=", ".join(unknown),
                )
            ]
        return []

    @staticmethod
    def _column(found):
        """The engine names the character ("formula:8"); the column is "formula" (the text says where)."""
        return replace(found, field="formula")

    @staticmethod
    def _show(key, value) -> str:
        if key == "direction":
            return str(Direction(value).label)
        if key == "kind":
            return str(IndicatorKind(value).label)
        if key == "periodicity":
            return str(Periodicity(value).label)
        return text(value)

    def apply_batch(self, planned: list[Planned]) -> None:
        org = self.organization
        for item in planned:
            action, key, data, row = item.payload
            try:
                if action == "create":
                    name = data.get("name", "")
                    fields = {k: v for k, v in data.items() if k != "name"}
                    services.indicator_create(
                        actor=self.actor, organization=org, code=key, name=name, **fields
                    )
                    self.counts["created"] += 1
                else:
                    indicator = Indicator.objects.get(pk=key, organization=org)
                    services.indicator_update(actor=self.actor, indicator=indicator, reason="import", **data)
                    self.counts["changed"] += 1
            except InvalidInput as error:
                raise InvalidInput(
                    [replace(p, field=f"row {row}, {p.field}") for p in error.problems]
                ) from error

    def finish(self) -> dict[str, int]:
        return self.counts
