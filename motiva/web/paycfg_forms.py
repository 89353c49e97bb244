"""Scale and pay-scheme parameters as form fields: each kind's numbers, choices and tables, turned into
the engine's parameters and back. The engine's validators (parse_scale_params, scheme_problems) decide
what is valid; this module only puts each of their problems next to the field it names."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from motiva.engine.problems import Problem
from motiva.engine.proration import DayBasis, ProrationPolicy, ProrationSpan
from motiva.engine.scales import (
    BinaryParams,
    CorridorParams,
    PenaltyPointsParams,
    RatingParams,
    ThresholdTargetMaxParams,
)
from motiva.engine.schemes import BLOCKS, CATEGORIES
from motiva.engine.types import LEVELS
from motiva.org.models import Category
from motiva.web.forms import NumberField, parse_number

# --------------------------------------------------------------------------------------------------
# Tables of rows (step tables, levels, grades …): a formset each, rows added and removed in the page.


@dataclass(frozen=True)
class Column:
    name: str
    label: Any
    make: Callable[[], forms.Field]


@dataclass
class Table:
    """A table of rows in a form: `prefix` names its inputs (prefix-0-name …)."""

    prefix: str
    label: Any
    columns: tuple[Column, ...]
    help: Any = ""
    formset: Any = None
    errors: list[str] = field(default_factory=list)

    def bind(self, data: Any | None, initial: list[dict[str, Any]] | None) -> Table:
        row_form = type(
            f"{self.prefix}Row",
            (forms.Form,),
            {c.name: c.make() for c in self.columns},
        )
        formset_class = formset_factory(row_form, extra=0)
        self.formset = (
            formset_class(data, prefix=self.prefix)
            if data is not None
            else formset_class(initial=initial or [], prefix=self.prefix)
        )
        return self

    def rows(self) -> list[dict[str, Any]] | None:
        """The cleaned rows (empty rows left out), or None when a row is invalid."""
        if not self.formset.is_valid():
            self.errors += [str(e) for e in self.formset.non_form_errors()]
            return None
        return [
            row
            for row in self.formset.cleaned_data
            if row and any(value not in (None, "", False) for value in row.values())
        ]


LIMIT = Decimal(10) ** 12  # larger numbers are typing errors (and would overflow the money arithmetic)
PLACES = 6


class BoundedNumberField(NumberField):
    """A parameter's number: as typed by people, at most a trillion either way, at most six decimals."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        exponent = value.normalize().as_tuple().exponent
        if abs(value) >= LIMIT or (isinstance(exponent, int) and -exponent > PLACES):
            raise forms.ValidationError(
                _("Enter a number below 1 000 000 000 000 with at most 6 decimals."), code="range"
            )


def number(label: Any, required: bool = False) -> Callable[[], forms.Field]:
    return lambda: BoundedNumberField(
        label=label,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 7, "aria-label": label}),
    )


def short_text(label: Any, required: bool = False, size: int = 12) -> Callable[[], forms.Field]:
    return lambda: forms.CharField(
        label=label,
        required=required,
        max_length=300,
        widget=forms.TextInput(attrs={"size": size, "aria-label": label}),
    )


def flag(label: Any, initial: bool = False) -> Callable[[], forms.Field]:
    return lambda: forms.BooleanField(
        label=label,
        required=False,
        initial=initial,
        widget=forms.CheckboxInput(attrs={"aria-label": label}),
    )


def choice(label: Any, choices: list[tuple[str, Any]], required: bool = False) -> Callable[[], forms.Field]:
    return lambda: forms.ChoiceField(
        label=label, choices=choices, required=required, widget=forms.Select(attrs={"aria-label": label})
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _initial_number(value: Any) -> Any:
    if value is None or value == "":
        return None
    try:
        return parse_number(str(value))
    except ValueError:
        return value


# --------------------------------------------------------------------------------------------------
# Where a problem of the engine goes


@dataclass
class Placed:
    """Problems put next to their fields: form fields, table rows, or the table itself."""

    form: forms.Form
    tables: dict[str, Table]
    general: list[str] = field(default_factory=list)

    def field(self, name: str, message: str) -> bool:
        if name in self.form.fields:
            self.form.add_error(name, message)
            return True
        return False

    def row(self, prefix: str, index: int, column: str | None, message: str) -> bool:
        table = self.tables.get(prefix)
        if table is None:
            return False
        forms_ = table.formset.forms
        if 0 <= index < len(forms_):
            target = column if column in forms_[index].fields else None
            forms_[index].add_error(target, message)
            return True
        table.errors.append(message)
        return True

    def table(self, prefix: str, message: str) -> bool:
        if prefix in self.tables:
            self.tables[prefix].errors.append(message)
            return True
        return False


ROW = re.compile(r"^(?P<key>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<column>\w+)|\[(?P<position>\d+)\])?$")


# --------------------------------------------------------------------------------------------------
# Scales


SCALE_NUMBERS: dict[str, tuple[tuple[str, Any], ...]] = {
    "ratio": (
        ("floor", _("Lowest score, % (empty: no floor)")),
        ("cap", _("Highest score (cap), % (empty: no cap)")),
    ),
    "corridor": (
        ("below_threshold_score", _("Score below the threshold, %")),
        ("threshold_score", _("Score at the threshold, %")),
        ("target_score", _("Score at the target, %")),
        ("maximum_score", _("Score at the maximum and above, %")),
    ),
    "threshold_target_max": (
        ("threshold_score", _("Score from the threshold, %")),
        ("target_score", _("Score from the target, %")),
        ("maximum_score", _("Score from the maximum, %")),
    ),
    "step_table": (("below_score", _("Score below every step, %")),),
    "discrete_levels": (),
    "binary": (
        ("score_if_good", _("Score for the good outcome, %")),
        ("score_if_bad", _("Score for the bad outcome, %")),
    ),
    "penalty_points": (
        ("base_score", _("Score with no violations, %")),
        ("points_per_violation", _("Points per violation")),
        ("score_per_point", _("Score lost per point, %")),
        ("floor", _("Lowest score, %")),
    ),
    "rating": (
        ("rating_m2", _("Score for −2, %")),
        ("rating_m1", _("Score for −1, %")),
        ("rating_0", _("Score for 0, %")),
        ("rating_p1", _("Score for +1 (the norm), %")),
        ("rating_p2", _("Score for +2 (a feat), %")),
    ),
}
RATING_FIELDS = {"-2": "rating_m2", "-1": "rating_m1", "0": "rating_0", "1": "rating_p1", "2": "rating_p2"}
_INCLUSIVE = (
    ("threshold_inclusive", _("A fact exactly at the threshold reaches it")),
    ("target_inclusive", _("A fact exactly at the target reaches it")),
    ("maximum_inclusive", _("A fact exactly at the maximum reaches it")),
)
SCALE_FLAGS: dict[str, tuple[tuple[str, Any], ...]] = {
    "corridor": _INCLUSIVE,
    "threshold_target_max": (("interpolate", _("Linear between the points")), *_INCLUSIVE),
    "discrete_levels": (("as_multiplier", _("The value multiplies the card's result (1.3, 0.8 …)")),),
}
SCALE_DEFAULTS: dict[str, Any] = {
    "corridor": CorridorParams(),
    "threshold_target_max": ThresholdTargetMaxParams(),
    "binary": BinaryParams(),
    "penalty_points": PenaltyPointsParams(),
}
EVENT_CHOICES = [
    ("failure", _("a failure: the line pays when it did not happen")),
    ("achievement", _("an achievement: the line pays when it happened")),
]


def scale_tables(kind: str) -> dict[str, Table]:
    if kind == "step_table":
        return {
            "steps": Table(
                "steps",
                _("Steps, from the highest attainment down"),
                (
                    Column("min_attainment", _("From attainment, % of plan"), number(_("From"), True)),
                    Column("score", _("Score, %"), number(_("Score"), True)),
                    Column("label", _("Label"), short_text(_("Label"), size=18)),
                    Column("inclusive", _("Including the bound"), flag(_("Including"), True)),
                ),
                _(
                    "“Including the bound”: a fact of 105 reaches a step from 105; without it, only a fact above 105 does."
                ),
            )
        }
    if kind == "discrete_levels":
        return {
            "levels": Table(
                "levels",
                _("Levels"),
                (
                    Column("code", _("Code"), short_text(_("Code"), True, 8)),
                    Column("label", _("Label"), short_text(_("Label"), size=24)),
                    Column("value", _("Value"), number(_("Value"), True)),
                ),
                _("A percent score, or a multiplier when the scale multiplies the result."),
            )
        }
    return {}


def scale_form_class(kind: str) -> type[forms.Form]:
    fields: dict[str, forms.Field] = {
        "name": forms.CharField(label=_("Name"), max_length=200),
        "description": forms.CharField(
            label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        ),
        "reason": forms.CharField(label=_("Reason for the change"), required=False, max_length=300),
    }
    for key, label in SCALE_NUMBERS.get(kind, ()):
        fields[key] = number(label)()
    for key, label in SCALE_FLAGS.get(kind, ()):
        fields[key] = flag(label)()
    if kind == "binary":
        fields["event"] = forms.ChoiceField(label=_("The event is"), choices=EVENT_CHOICES)
    if kind == "step_table":
        fields["below_label"] = short_text(_("Label below every step"), size=24)()
    return type("ScaleForm", (forms.Form,), fields)


def scale_initial(
    kind: str, params: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Form and table initial values from stored parameters (a new scale starts from the kind's defaults)."""
    defaults = SCALE_DEFAULTS.get(kind)
    initial: dict[str, Any] = {}
    for key, _label in SCALE_NUMBERS.get(kind, ()):
        if key.startswith("rating_"):
            continue
        value = params.get(key)
        if value is None and defaults is not None:
            value = getattr(defaults, key, None)
        initial[key] = _initial_number(value)
    for key, _label in SCALE_FLAGS.get(kind, ()):
        default = getattr(defaults, key, False) if defaults is not None else False
        initial[key] = bool(params.get(key, default))
    tables: dict[str, list[dict[str, Any]]] = {}
    if kind == "binary":
        initial["event"] = "failure" if params.get("event_is_failure", True) else "achievement"
    if kind == "rating":
        mapping = params.get("mapping") if isinstance(params.get("mapping"), Mapping) else None
        defaults_rating = dict(RatingParams().mapping)
        for point, key in RATING_FIELDS.items():
            value = (mapping or {}).get(point, (mapping or {}).get(f"+{point}"))
            initial[key] = _initial_number(value if mapping else defaults_rating[int(point)])
    if kind == "step_table":
        initial["below_score"] = _initial_number(params.get("below_score", "0"))
        initial["below_label"] = params.get("below_label", "")
        tables["steps"] = [
            {
                "min_attainment": _initial_number(s.get("min_attainment")),
                "score": _initial_number(s.get("score")),
                "label": s.get("label", ""),
                "inclusive": s.get("inclusive", True) is not False,
            }
            for s in params.get("steps") or []
            if isinstance(s, Mapping)
        ] or [
            {"min_attainment": Decimal(105), "score": Decimal(120), "label": "", "inclusive": True},
            {"min_attainment": Decimal(100), "score": Decimal(100), "label": "", "inclusive": True},
            {"min_attainment": Decimal(80), "score": Decimal(50), "label": "", "inclusive": True},
        ]
    if kind == "discrete_levels":
        tables["levels"] = [
            {
                "code": lv.get("code", ""),
                "label": lv.get("label", ""),
                "value": _initial_number(lv.get("value")),
            }
            for lv in params.get("levels") or []
            if isinstance(lv, Mapping)
        ] or [{"code": "", "label": "", "value": None}]
    return initial, tables


def scale_params(kind: str, form: forms.Form, tables: dict[str, Table]) -> dict[str, Any] | None:
    """The engine's parameters from a valid form and its tables (None when some field is invalid)."""
    rows = {prefix: table.rows() for prefix, table in tables.items()}
    if not form.is_valid() or any(r is None for r in rows.values()):
        return None
    data = form.cleaned_data
    params: dict[str, Any] = {}
    if kind == "rating":
        params["mapping"] = {point: _text(data.get(key)) for point, key in RATING_FIELDS.items()}
        params["mapping"] = {k: v for k, v in params["mapping"].items() if v is not None}
    else:
        for key, _label in SCALE_NUMBERS.get(kind, ()):
            if data.get(key) is not None:
                params[key] = _text(data[key])
    for key, _label in SCALE_FLAGS.get(kind, ()):
        params[key] = bool(data.get(key))
    if kind == "binary":
        params["event_is_failure"] = data.get("event") != "achievement"
    if kind == "step_table":
        params["steps"] = [
            {
                "min_attainment": _text(r["min_attainment"]),
                "score": _text(r["score"]),
                "label": r.get("label", ""),
                "inclusive": bool(r.get("inclusive")),
            }
            for r in rows["steps"] or []
        ]
        params.setdefault("below_score", "0")
        params["below_label"] = data.get("below_label", "")
    if kind == "discrete_levels":
        params["levels"] = [
            {
                "code": r["code"].strip(),
                "label": r.get("label") or r["code"].strip(),
                "value": _text(r["value"]),
            }
            for r in rows["levels"] or []
        ]
    return params


def place_scale_problems(placed: Placed, problems: list[Problem], language: str) -> None:
    for problem in problems:
        message = problem.render(language)
        where = problem.field.removeprefix("params.").removeprefix("params")
        if problem.field in ("name", "description") and placed.field(problem.field, message):
            continue
        if where.startswith("mapping."):
            key = RATING_FIELDS.get(where.removeprefix("mapping.").lstrip("+"))
            if key and placed.field(key, message):
                continue
        if where == "event_is_failure" and placed.field("event", message):
            continue
        match = ROW.match(where)
        if match and placed.row(match["key"], int(match["index"]), match["column"], message):
            continue
        if where in ("steps", "levels") and placed.table(where, message):
            continue
        if where and placed.field(where, message):
            continue
        placed.general.append(message)


# --------------------------------------------------------------------------------------------------
# Pay schemes

BLOCK_CHOICES = [
    ("default", _("any block")),
    ("production", _("production")),
    ("administrative", _("administrative")),
]
PERIOD_CHOICES = [
    ("", _("the run's period")),
    ("month", _("month")),
    ("quarter", _("quarter")),
    ("half_year", _("half-year")),
    ("year", _("year")),
]
CATEGORY_ROWS = [*Category.choices, ("default", _("any other category"))]
LEVEL_NAMES = {"company": _("company"), "unit": _("unit"), "personal": _("personal")}
PRORATION_CHOICES = [
    ("", _("proportional to time worked (default)")),
    (ProrationPolicy.PROPORTIONAL.value, _("proportional to time worked")),
    (ProrationPolicy.NONE.value, _("none: full bonus for anyone employed")),
    (ProrationPolicy.LEAVE_MONTH_ZERO.value, _("no bonus for a month with leave")),
    (ProrationPolicy.LEAVE_MONTH_HALF.value, _("half the bonus for a month with leave")),
]
DAY_BASIS_CHOICES = [
    ("", _("calendar days (default)")),
    (DayBasis.CALENDAR.value, _("calendar days")),
    (DayBasis.WORKING.value, _("working days of the production calendar")),
    (DayBasis.HOURS.value, _("working hours")),
]
SPAN_CHOICES = [
    ("", _("each month, averaged (default)")),
    (ProrationSpan.BY_MONTH.value, _("each month, averaged")),
    (ProrationSpan.WHOLE_PERIOD.value, _("the whole period at once")),
]
BASIS_CHOICES = [
    ("salary_percent", _("a percent of the salary")),
    ("salaries", _("a number of salaries")),
    ("fixed", _("a fixed amount")),
]
BONUS_BASE_CHOICES = [("salary", _("the salary of the period")), ("amount", _("a fixed amount"))]
RANK_DIRECTION_CHOICES = [("higher", _("higher is better")), ("lower", _("lower is better"))]
TOTAL_SCALE_CHOICES = [
    ("", _("none: pay by the weighted result")),
    ("step_table", _("step table")),
    ("curve", _("curve through points")),
]

# Each kind's own scalar fields: (params key, field factory). Tables are in scheme_tables.
SCHEME_FIELDS: dict[str, tuple[tuple[str, Callable[[], forms.Field]], ...]] = {
    "fixed_variable": (),
    "target_bonus": (
        ("basis", choice(_("Target bonus is"), BASIS_CHOICES, True)),
        ("percent", number(_("Percent of the salary (when no grade table)"))),
        ("salaries", number(_("Number of salaries"))),
        ("amount", number(_("Fixed amount"))),
    ),
    "three_level": (
        ("top_management_period", choice(_("Directors are paid all levels once per"), PERIOD_CHOICES)),
    ),
    "planned_amount": (
        ("monthly_total", number(_("Planned amount a month at 100 %, split by the weights"))),
    ),
    "ktu_pool": (
        ("ktu_indicator", short_text(_("Indicator holding the KTU"), size=12)),
        ("ktu_step", number(_("KTU step (one share)"))),
        ("share_value", number(_("Value of one share"))),
        ("share_value_formula", short_text(_("Formula of the share value"), size=40)),
        ("fund_formula", short_text(_("Formula of the unit's fund (split by KTU)"), size=40)),
        ("ktu_time_weighted", flag(_("Weigh KTU by the time worked when splitting the fund"))),
    ),
    "coefficient_sum": (),
    "step_bonus": (
        ("bonus_base", choice(_("Bonus base"), BONUS_BASE_CHOICES, True)),
        ("amount", number(_("Fixed amount"))),
    ),
    "annual_salary_percent": (("percent_at_plan", number(_("Percent of the annual salary at plan"))),),
}
COMMON_FIELDS: tuple[tuple[str, Callable[[], forms.Field]], ...] = (
    ("proration", choice(_("Proration"), PRORATION_CHOICES)),
    ("day_basis", choice(_("Days counted"), DAY_BASIS_CHOICES)),
    ("proration_span", choice(_("Share of time over"), SPAN_CHOICES)),
    ("min_result", number(_("No bonus below a result of, %"))),
    ("no_threshold", flag(_("No threshold and no cap: pay by the final % whatever it is"))),
    ("certification_percent", number(_("Certification allowance, % of salary"))),
    ("specialization_percent", number(_("Specialization allowance, % of salary (minimum)"))),
    ("specialization_max", number(_("Specialization allowance, maximum %"))),
    ("fines_indicator", short_text(_("Indicator of documented fines (withheld)"), size=12)),
    ("rank_indicator", short_text(_("Ranking indicator"), size=12)),
    ("rank_direction", choice(_("Ranking order"), [("", "—"), *RANK_DIRECTION_CHOICES])),
    ("total_formula", short_text(_("Formula on the total (result, payout)"), size=30)),
    ("total_scale_kind", choice(_("Scale on the card's total"), TOTAL_SCALE_CHOICES)),
    ("total_below_score", number(_("Payout below every step, %"))),
)
SCHEME_DEFAULTS: dict[str, dict[str, Any]] = {
    "fixed_variable": {
        "variable_share": {"director": "30", "manager": "40", "sales": "80", "default": "20"},
        "caps": {"sales": "150", "default": "120"},
    },
    "target_bonus": {"basis": "salary_percent", "percent": "20"},
    "three_level": {
        "target_bonus_percent": {"default": {"default": "20"}},
        "level_shares": {"default": ["20", "60", "20"]},
    },
    "planned_amount": {"monthly_total": "30000"},
    "ktu_pool": {"ktu_indicator": "KTU", "ktu_step": "0.1", "share_value": "30"},
    "coefficient_sum": {"coefficients": {"K_result": "result / 100"}},
    "step_bonus": {
        "bonus_base": "salary",
        "total_scale": {
            "kind": "step_table",
            "steps": [
                {"min_attainment": "105", "score": "50", "label": "выше плана"},
                {"min_attainment": "100", "score": "30", "label": "план"},
                {"min_attainment": "60", "score": "10", "label": "ниже плана"},
            ],
            "below_score": "0",
        },
    },
    "annual_salary_percent": {"percent_at_plan": "150"},
}


def _grade_table(prefix: str, label: Any, help_text: Any) -> Table:
    return Table(
        prefix,
        label,
        (
            Column("block", _("Block"), choice(_("Block"), BLOCK_CHOICES, True)),
            Column("grade", _("Grade"), short_text(_("Grade"), True, 8)),
            Column("percent", _("Percent of salary"), number(_("Percent"), True)),
        ),
        help_text,
    )


def scheme_tables(kind: str) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    if kind == "target_bonus":
        tables["percent_by_grade"] = _grade_table(
            "percent_by_grade",
            _("Target percent by block and grade"),
            _("Empty: the one percent above for everyone. “default” as the grade covers the other grades."),
        )
    if kind == "three_level":
        tables["target_bonus_percent"] = _grade_table(
            "target_bonus_percent",
            _("Target bonus percent by block and grade"),
            _("“default” as the grade covers the other grades."),
        )
        tables["level_shares"] = Table(
            "level_shares",
            _("Shares of the levels by grade, %"),
            (
                Column("grade", _("Grade"), short_text(_("Grade"), True, 8)),
                Column("company", _("Company"), number(_("Company"), True)),
                Column("unit", _("Unit"), number(_("Unit"), True)),
                Column("personal", _("Personal"), number(_("Personal"), True)),
            ),
            _("Company, unit and personal shares; the grade “default” covers the others."),
        )
    if kind == "coefficient_sum":
        tables["coefficients"] = Table(
            "coefficients",
            _("Coefficients"),
            (
                Column("name", _("Name"), short_text(_("Name"), True, 10)),
                Column("formula", _("Formula"), short_text(_("Formula"), True, 40)),
            ),
            _("Formulas over indicator codes, score_<CODE> and result; pay = salary × their sum."),
        )
        tables["leadership"] = Table(
            "leadership",
            _("Leadership coefficient by place in the ranking"),
            (Column("value", _("Coefficient"), number(_("Coefficient"), True)),),
            _("Row 1 is the first place; places below the last row get 0."),
        )
    tables["seniority_bands"] = Table(
        "seniority_bands",
        _("Seniority allowance"),
        (
            Column("low", _("From, years"), number(_("From"), True)),
            Column("high", _("Below, years (empty: no limit)"), number(_("Below"))),
            Column("percent", _("Percent of salary"), number(_("Percent"), True)),
        ),
    )
    tables["piece_rates"] = Table(
        "piece_rates",
        _("Piece rates"),
        (
            Column("indicator", _("Indicator code"), short_text(_("Indicator"), True, 12)),
            Column("rate", _("Rate"), number(_("Rate"), True)),
        ),
    )
    tables["total_steps"] = Table(
        "total_steps",
        _("Steps of the total scale, from the highest result down"),
        (
            Column("min_attainment", _("From result, %"), number(_("From"), True)),
            Column("score", _("Payout, %"), number(_("Payout"), True)),
            Column("label", _("Label"), short_text(_("Label"), size=14)),
            Column("inclusive", _("Including the bound"), flag(_("Including"), True)),
        ),
    )
    tables["total_points"] = Table(
        "total_points",
        _("Points of the total curve, ascending"),
        (
            Column("result", _("Result, %"), number(_("Result"), True)),
            Column("payout", _("Payout, %"), number(_("Payout"), True)),
        ),
    )
    return tables


def scheme_form_class(kind: str) -> type[forms.Form]:
    fields: dict[str, forms.Field] = {
        "name": forms.CharField(label=_("Name"), max_length=200),
        "description": forms.CharField(
            label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        ),
        "reason": forms.CharField(label=_("Reason for the change"), required=False, max_length=300),
    }
    for key, make in (*SCHEME_FIELDS.get(kind, ()), *COMMON_FIELDS):
        fields[key] = make()
    if kind == "fixed_variable":
        for category, label in CATEGORY_ROWS:
            fields[f"variable_share__{category}"] = number(label)()
    for category, label in CATEGORY_ROWS:
        fields[f"caps__{category}"] = number(label)()
    if kind == "three_level":
        for level in LEVELS:
            for block, label in BLOCK_CHOICES:
                fields[f"level_periods__{level}__{block}"] = choice(label, PERIOD_CHOICES)()
    return type("SchemeForm", (forms.Form,), fields)


def _percent_pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, Mapping):
        return _initial_number(value.get("min")), _initial_number(value.get("max"))
    return _initial_number(value), None


def scheme_initial(
    kind: str, params: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    initial: dict[str, Any] = {}
    for key, _make in (*SCHEME_FIELDS.get(kind, ()), *COMMON_FIELDS):
        value = params.get(key)
        if isinstance(value, bool):
            initial[key] = value
        elif isinstance(value, str | int | float | Decimal) and key not in ("certification_percent",):
            initial[key] = _initial_number(value) if parse_number_safe(value) is not None else value
    if kind == "ktu_pool":
        initial["ktu_time_weighted"] = params.get("ktu_time_weighted", True) is not False
    initial["certification_percent"] = _percent_pair(params.get("certification_percent"))[0]
    initial["specialization_percent"], initial["specialization_max"] = _percent_pair(
        params.get("specialization_percent")
    )
    for key in ("variable_share", "caps"):
        table = params.get(key)
        if isinstance(table, Mapping):
            for category, value in table.items():
                initial[f"{key}__{category}"] = _initial_number(value)
    periods = params.get("level_periods")
    if isinstance(periods, Mapping):
        for level, value in periods.items():
            if isinstance(value, Mapping):
                for block, period in value.items():
                    initial[f"level_periods__{level}__{block}"] = period
            else:
                initial[f"level_periods__{level}__default"] = value
    tables: dict[str, list[dict[str, Any]]] = {}
    for key in ("percent_by_grade", "target_bonus_percent"):
        table = params.get(key)
        if isinstance(table, Mapping):
            tables[key] = [
                {"block": block, "grade": grade, "percent": _initial_number(value)}
                for block, grades in table.items()
                if isinstance(grades, Mapping)
                for grade, value in grades.items()
            ]
    shares = params.get("level_shares")
    if isinstance(shares, Mapping):
        tables["level_shares"] = [
            {
                "grade": grade,
                **{
                    level: _initial_number(row[i]) if isinstance(row, list) and len(row) > i else None
                    for i, level in enumerate(LEVELS)
                },
            }
            for grade, row in shares.items()
        ]
    coefficients = params.get("coefficients")
    if isinstance(coefficients, Mapping):
        tables["coefficients"] = [{"name": k, "formula": str(v)} for k, v in coefficients.items()]
    if isinstance(params.get("leadership"), list):
        tables["leadership"] = [{"value": _initial_number(v)} for v in params["leadership"]]
    if isinstance(params.get("seniority_bands"), list):
        tables["seniority_bands"] = [
            {"low": _initial_number(b[0]), "high": _initial_number(b[1]), "percent": _initial_number(b[2])}
            for b in params["seniority_bands"]
            if isinstance(b, list) and len(b) == 3
        ]
    if isinstance(params.get("piece_rates"), list):
        tables["piece_rates"] = [
            {"indicator": r.get("indicator", ""), "rate": _initial_number(r.get("rate"))}
            for r in params["piece_rates"]
            if isinstance(r, Mapping)
        ]
    total = params.get("total_scale")
    if isinstance(total, Mapping):
        initial["total_scale_kind"] = total.get("kind", "")
        initial["total_below_score"] = _initial_number(total.get("below_score"))
        tables["total_steps"] = [
            {
                "min_attainment": _initial_number(s.get("min_attainment")),
                "score": _initial_number(s.get("score")),
                "label": s.get("label", ""),
                "inclusive": s.get("inclusive", True) is not False,
            }
            for s in total.get("steps") or []
            if isinstance(s, Mapping)
        ]
        tables["total_points"] = [
            {"result": _initial_number(p.get("result")), "payout": _initial_number(p.get("payout"))}
            for p in total.get("points") or []
            if isinstance(p, Mapping)
        ]
    return initial, tables


def parse_number_safe(value: Any) -> Decimal | None:
    try:
        return parse_number(str(value))
    except ValueError:
        return None


_SCHEME_NUMBER_KEYS = {
    "percent",
    "salaries",
    "amount",
    "monthly_total",
    "ktu_step",
    "share_value",
    "percent_at_plan",
    "min_result",
    "certification_percent",
}
_SCHEME_TEXT_KEYS = {
    "basis",
    "bonus_base",
    "top_management_period",
    "ktu_indicator",
    "share_value_formula",
    "fund_formula",
    "proration",
    "day_basis",
    "proration_span",
    "fines_indicator",
    "rank_indicator",
    "rank_direction",
    "total_formula",
}


def scheme_params(kind: str, form: forms.Form, tables: dict[str, Table]) -> dict[str, Any] | None:
    rows = {prefix: table.rows() for prefix, table in tables.items()}
    if not form.is_valid() or any(r is None for r in rows.values()):
        return None
    data = form.cleaned_data
    params: dict[str, Any] = {}
    own = {key for key, _make in SCHEME_FIELDS.get(kind, ())} | {key for key, _make in COMMON_FIELDS}
    for key in own:
        value = data.get(key)
        if key in _SCHEME_NUMBER_KEYS:
            if value is not None:
                params[key] = _text(value)
        elif key in _SCHEME_TEXT_KEYS and value:
            params[key] = value.strip()
    if data.get("no_threshold"):
        params["no_threshold"] = True
    if kind == "ktu_pool" and not data.get("ktu_time_weighted"):
        params["ktu_time_weighted"] = False
    if data.get("specialization_percent") is not None:
        low, high = data["specialization_percent"], data.get("specialization_max")
        params["specialization_percent"] = (
            {"min": _text(low), "max": _text(high)} if high is not None else _text(low)
        )
    for key in ("variable_share", "caps"):
        if key == "variable_share" and kind != "fixed_variable":
            continue
        table = {
            category: _text(data[f"{key}__{category}"])
            for category, _label in CATEGORY_ROWS
            if data.get(f"{key}__{category}") is not None
        }
        if table:
            params[key] = table
    if kind == "three_level":
        periods: dict[str, Any] = {}
        for level in LEVELS:
            by_block = {
                block: data[f"level_periods__{level}__{block}"]
                for block, _label in BLOCK_CHOICES
                if data.get(f"level_periods__{level}__{block}")
            }
            if set(by_block) == {"default"}:
                periods[level] = by_block["default"]
            elif by_block:
                periods[level] = by_block
        if periods:
            params["level_periods"] = periods
        shares = {
            r["grade"].strip(): [_text(r[level]) for level in LEVELS] for r in rows["level_shares"] or []
        }
        if shares:
            params["level_shares"] = shares
    for key in ("percent_by_grade", "target_bonus_percent"):
        if key not in tables:
            continue
        grades: dict[str, dict[str, str | None]] = {}
        for r in rows[key] or []:
            grades.setdefault(r["block"], {})[r["grade"].strip()] = _text(r["percent"])
        if grades:
            params[key] = grades
    if kind == "coefficient_sum":
        coefficients = {r["name"].strip(): r["formula"].strip() for r in rows["coefficients"] or []}
        if coefficients:
            params["coefficients"] = coefficients
        if rows["leadership"]:
            params["leadership"] = [_text(r["value"]) for r in rows["leadership"]]
    if rows["seniority_bands"]:
        params["seniority_bands"] = [
            [_text(r["low"]), _text(r.get("high")), _text(r["percent"])] for r in rows["seniority_bands"]
        ]
    if rows["piece_rates"]:
        params["piece_rates"] = [
            {"indicator": r["indicator"].strip(), "rate": _text(r["rate"])} for r in rows["piece_rates"]
        ]
    total_kind = data.get("total_scale_kind")
    if total_kind == "step_table":
        params["total_scale"] = {
            "kind": "step_table",
            "steps": [
                {
                    "min_attainment": _text(r["min_attainment"]),
                    "score": _text(r["score"]),
                    "label": r.get("label", ""),
                    "inclusive": bool(r.get("inclusive")),
                }
                for r in rows["total_steps"] or []
            ],
            "below_score": _text(data.get("total_below_score")) or "0",
        }
    elif total_kind == "curve":
        params["total_scale"] = {
            "kind": "curve",
            "points": [
                {"result": _text(r["result"]), "payout": _text(r["payout"])}
                for r in rows["total_points"] or []
            ],
        }
    return params


def _row_of(table: Table, column: str, value: str, **more: str) -> int | None:
    for index, row_form in enumerate(table.formset.forms):
        cleaned = getattr(row_form, "cleaned_data", {}) or {}
        if str(cleaned.get(column, "")).strip() == value and all(
            str(cleaned.get(k, "")).strip() == v for k, v in more.items()
        ):
            return index
    return None


def place_scheme_problems(placed: Placed, problems: list[Problem], language: str) -> None:
    for problem in problems:
        message = problem.render(language)
        where = problem.field.removeprefix("params.")
        if where in ("name", "description", "kind", "params"):
            if where != "params" and placed.field(where, message):
                continue
            placed.general.append(message)
            continue
        parts = where.split(".")
        head = parts[0]
        if head in ("variable_share", "caps"):
            if len(parts) > 1 and placed.field(f"{head}__{parts[1]}", message):
                continue
            placed.general.append(message)
            continue
        if head == "level_periods" and len(parts) > 1:
            block = parts[2] if len(parts) > 2 else "default"
            if placed.field(f"level_periods__{parts[1]}__{block}", message):
                continue
        if head in ("percent_by_grade", "target_bonus_percent") and head in placed.tables:
            index = (
                _row_of(placed.tables[head], "block", parts[1], grade=parts[2]) if len(parts) > 2 else None
            )
            if index is not None and placed.row(head, index, "percent", message):
                continue
            placed.table(head, message)
            continue
        if head.startswith("level_shares") and "level_shares" in placed.tables:
            match = re.match(r"^level_shares\.(?P<grade>[^\[]+)(?:\[(?P<i>\d)\])?$", where)
            index = _row_of(placed.tables["level_shares"], "grade", match["grade"]) if match else None
            column = LEVELS[int(match["i"])] if match and match["i"] else None
            if index is not None and placed.row("level_shares", index, column, message):
                continue
            placed.table("level_shares", message)
            continue
        if head == "coefficients" and "coefficients" in placed.tables:
            index = (
                _row_of(placed.tables["coefficients"], "name", ".".join(parts[1:]))
                if len(parts) > 1
                else None
            )
            if index is not None and placed.row("coefficients", index, "formula", message):
                continue
            placed.table("coefficients", message)
            continue
        if head in ("certification_percent", "specialization_percent"):
            key = "specialization_max" if where.endswith(".max") else head
            if placed.field(key, message):
                continue
        if head == "total_scale":
            rest = ".".join(parts[1:])
            match = ROW.match(rest)
            if match and match["key"] in ("steps", "points"):
                prefix = "total_steps" if match["key"] == "steps" else "total_points"
                if placed.row(prefix, int(match["index"]), match["column"], message):
                    continue
            if rest == "below_score" and placed.field("total_below_score", message):
                continue
            if rest in ("steps", "points") and placed.table(
                "total_steps" if rest == "steps" else "total_points", message
            ):
                continue
            placed.field("total_scale_kind", message) or placed.general.append(message)
            continue
        match = ROW.match(where)
        if match:
            columns = {"seniority_bands": ("low", "high", "percent")}
            column = match["column"]
            if match["position"] is not None and match["key"] in columns:
                column = columns[match["key"]][int(match["position"])]
            if placed.row(match["key"], int(match["index"]), column, message):
                continue
        if head in placed.tables and placed.table(head, message):
            continue
        if placed.field(head, message):
            continue
        placed.general.append(message)


CATEGORY_KEYS = CATEGORIES
BLOCK_KEYS = BLOCKS


def describe_scale(kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """A scale's parameters for reading: labelled values and tables (what the editor shows, read-only)."""
    initial, rows = scale_initial(kind, params)
    labels = dict(SCALE_NUMBERS.get(kind, ())) | dict(SCALE_FLAGS.get(kind, ()))
    fields: list[tuple[Any, Any]] = []
    for key, label in labels.items():
        fields.append((label, initial.get(key)))
    if kind == "binary":
        fields.append((_("The event is"), dict(EVENT_CHOICES)[initial["event"]]))
    if kind == "step_table" and initial.get("below_label"):
        fields.append((_("Label below every step"), initial["below_label"]))
    tables = [
        {
            "label": table.label,
            "headers": [c.label for c in table.columns],
            "rows": [[row.get(c.name) for c in table.columns] for row in rows.get(prefix, [])],
        }
        for prefix, table in scale_tables(kind).items()
    ]
    return {"fields": fields, "tables": tables}
