"""Writes to the indicator library, scales, schemes and cards."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from motiva.core import audit
from motiva.core.errors import InvalidInput, problem, raise_if_errors
from motiva.core.models import Organization
from motiva.engine import formula as formula_language
from motiva.engine.money import D
from motiva.engine.problems import Problem, Severity
from motiva.engine.scales import PLAN_VALUES_NEEDED, parse_scale_params
from motiva.engine.scales import ScaleKind as EngineScaleKind
from motiva.engine.schemes import scheme_problems
from motiva.engine.validation import LineDraft, validate_card
from motiva.kpi.models import (
    AccountingStandard,
    Card,
    CardLine,
    CardTemplate,
    CardTemplateLine,
    Component,
    ComponentScore,
    Direction,
    Indicator,
    IndicatorKind,
    Level,
    PayScheme,
    Periodicity,
    Scale,
    ScaleKind,
    SchemeKind,
)
from motiva.org.models import Assignment, Employee, Position
from motiva.org.selectors import assignment_as_of
from motiva.periods.guards import ensure_open
from motiva.periods.models import Period

CODE_PATTERN = re.compile(r"^[^\W\d]\w{0,39}$")
INDICATOR_FIELDS = (
    "code",
    "name",
    "definition",
    "unit_of_measure",
    "direction",
    "kind",
    "formula",
    "data_source",
    "accounting_standard",
    "periodicity",
    "supplier_position",
    "confirmer_position",
    "monitoring_only",
    "benchmark",
    "benchmark_note",
    "initiatives",
    "is_active",
)
PLAN_PERCENT_FIELDS = (
    "threshold_percent",
    "target_percent",
    "maximum_percent",
)  # a point as a percent of the plan (the target)
GATE_FIELDS = (
    "gate_threshold",
    "gate_threshold_percent",
    "gate_cut_to",
    "gate_cut_percent",
)  # a gate on a key indicator
LINE_FIELDS = (
    "order",
    "component",
    "indicator",
    "label",
    "level",
    "weight",
    "scale",
    "threshold",
    "target",
    "maximum",
    "planned_amount",
    "confirmer_position",
    *PLAN_PERCENT_FIELDS,
    *GATE_FIELDS,
)


def _choice(value: Any, choices: Any, field: str, name_ru: str, name_en: str) -> list[Problem]:
    if value not in choices.values:
        return [
            problem(
                "choice",
                field,
                "{name}: недопустимое значение «{v}»",
                "{name_en}: invalid value “{v}”",
                name=name_ru,
                name_en=name_en,
                v=value,
            )
        ]
    return []


def indicator_problems(
    organization: Organization, data: Mapping[str, Any], self_code: str | None
) -> list[Problem]:
    """What is wrong with an indicator's fields (code, name, kind, direction, formula…), each problem naming
    its field; `self_code` is the indicator's own code when it is changed. The page, the admin and the
    import all check with it."""
    problems: list[Problem] = []
    code = str(data.get("code", "")).strip()
    if not CODE_PATTERN.match(code):
        problems.append(
            problem(
                "bad_code",
                "code",
                "Код «{code}» должен начинаться с буквы и содержать только буквы, цифры и «_» (до 40 символов)",
                "Code “{code}” must start with a letter and hold only letters, digits and “_” (up to 40)",
                code=code,
            )
        )
    if not str(data.get("name", "")).strip():
        problems.append(
            problem("required", "name", "Укажите название показателя", "Enter the indicator name")
        )
    problems += _choice(data.get("direction"), Direction, "direction", "Направление", "Direction")
    problems += _choice(data.get("kind"), IndicatorKind, "kind", "Вид", "Kind")
    problems += _choice(
        data.get("accounting_standard"),
        AccountingStandard,
        "accounting_standard",
        "Стандарт учёта",
        "Accounting standard",
    )
    problems += _choice(data.get("periodicity"), Periodicity, "periodicity", "Периодичность", "Periodicity")
    for field in ("supplier_position", "confirmer_position"):
        position = data.get(field)
        if position is not None and position.organization_id != organization.pk:
            problems.append(
                problem(
                    "other_organization",
                    field,
                    "Должность из другой организации",
                    "The position belongs to another organization",
                )
            )
    source = str(data.get("formula", "") or "").strip()
    if source:
        problems += _formula_problems(organization, code, source)
    return problems


def _formula_problems(organization: Organization, code: str, source: str) -> list[Problem]:
    try:
        parsed = formula_language.parse(source)
    except formula_language.FormulaError as error:
        return [error.problem]
    constant = formula_language.check(source)  # `x / 0`, `x / (2 - 2)`: refused now, not at pay time
    if constant:
        return constant
    others = dict(
        Indicator.objects.filter(organization=organization).exclude(code=code).values_list("code", "formula")
    )
    unknown = sorted(name for name in parsed.names if name not in others and name != code)
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
    dependencies = {
        other: formula_language.parse(text).names
        for other, text in others.items()
        if text and not formula_language.check(text)
    }
    dependencies[code] = parsed.names
    cycle = formula_language.find_cycle(dependencies)
    if cycle:
        return [
            problem(
                "formula_cycle",
                "formula",
                "Формулы ссылаются друг на друга по кругу: {cycle}",
                "The formulas refer to each other in a cycle: {cycle}",
                cycle=" → ".join(cycle),
            )
        ]
    return []


INDICATOR_DEFAULTS: dict[str, Any] = {
    "definition": "",
    "unit_of_measure": "",
    "direction": Direction.HIGHER,
    "kind": IndicatorKind.QUANTITATIVE,
    "formula": "",
    "data_source": "",
    "accounting_standard": AccountingStandard.NONE,
    "periodicity": Periodicity.MONTH,
    "supplier_position": None,
    "confirmer_position": None,
    "monitoring_only": False,
    "benchmark": None,
    "benchmark_note": "",
    "initiatives": "",
    "is_active": True,
}


@transaction.atomic
def indicator_create(
    *, actor: Any, organization: Organization, code: str, name: str, **fields: Any
) -> Indicator:
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise TypeError(f"unknown indicator fields: {sorted(unknown)}")
    data = {**INDICATOR_DEFAULTS, **fields, "code": code.strip(), "name": name.strip()}
    problems = indicator_problems(organization, data, None)
    if Indicator.objects.filter(organization=organization, code=data["code"]).exists():
        problems.append(
            problem(
                "duplicate",
                "code",
                "Показатель с кодом {code} уже есть",
                "An indicator with code {code} exists",
                code=code,
            )
        )
    raise_if_errors(problems)
    indicator = Indicator.objects.create(organization=organization, **data)
    audit.record_create(actor=actor, obj=indicator, fields=INDICATOR_FIELDS)
    return indicator


@transaction.atomic
def indicator_update(*, actor: Any, indicator: Indicator, reason: str = "", **changes: Any) -> Indicator:
    unknown = set(changes) - set(INDICATOR_FIELDS)
    if unknown:
        raise TypeError(f"unknown indicator fields: {sorted(unknown)}")
    data = {name: getattr(indicator, name) for name in INDICATOR_FIELDS} | changes
    problems = indicator_problems(indicator.organization, data, indicator.code)
    if "code" in changes and changes["code"] != indicator.code:
        if Indicator.objects.filter(organization=indicator.organization, code=changes["code"]).exists():
            problems.append(
                problem(
                    "duplicate",
                    "code",
                    "Показатель с кодом {code} уже есть",
                    "An indicator with code {code} exists",
                    code=changes["code"],
                )
            )
        used_in = [
            other.code
            for other in Indicator.objects.filter(organization=indicator.organization).exclude(
                pk=indicator.pk
            )
            if other.formula and indicator.code in formula_language.parse(other.formula).names
        ]
        if used_in:
            problems.append(
                problem(
                    "code_in_use",
                    "code",
                    "Код используется в формулах: {codes}",
                    "The code is used in formulas: {codes}",
                    codes=", ".join(used_in),
                )
            )
    if changes.get("monitoring_only") and not indicator.monitoring_only:
        problems += _weighted_lines_of(indicator)
    raise_if_errors(problems)
    audit.apply_changes(actor=actor, obj=indicator, changes=changes, reason=reason)
    return indicator


def _weighted_lines_of(indicator: Indicator) -> list[Problem]:
    """An indicator made monitoring-only must not be paid on any more: refused while a template in force or
    a card of a period not yet closed gives it a weight (set those weights to 0 first)."""
    today = timezone.localdate()
    templates = CardTemplateLine.objects.filter(
        Q(template__valid_to__isnull=True) | Q(template__valid_to__gte=today),
        indicator=indicator,
        weight__gt=0,
    ).count()
    cards = (
        CardLine.objects.filter(indicator=indicator, weight__gt=0)
        .exclude(card__period__status="closed")
        .count()
    )
    if not templates and not cards:
        return []
    return [
        problem(
            "monitoring_only_weight",
            "monitoring_only",
            "Показатель оплачивается в {t} строках шаблонов и {c} строках карт открытых периодов: сначала снимите их вес до 0",
            "The indicator is paid on {t} template lines and {c} card lines of open periods: set their weights to 0 first",
            t=templates,
            c=cards,
        )
    ]


def _scale_problems(
    organization: Organization, name: str, kind: str, params: Any, exclude_pk: int | None
) -> list[Problem]:
    problems = (
        []
        if name.strip()
        else [problem("required", "name", "Укажите название шкалы", "Enter the scale name")]
    )
    _parsed, param_problems = parse_scale_params(kind, params)
    problems += param_problems
    duplicates = Scale.objects.filter(organization=organization, name=name.strip()).exclude(pk=exclude_pk)
    if duplicates.exists():
        problems.append(
            problem("duplicate", "name", "Шкала «{name}» уже есть", "Scale “{name}” exists", name=name)
        )
    return problems


@transaction.atomic
def scale_create(
    *,
    actor: Any,
    organization: Organization,
    name: str,
    kind: str,
    params: Mapping[str, Any] | None = None,
    description: str = "",
) -> Scale:
    params = dict(params or {})
    raise_if_errors(_scale_problems(organization, name, kind, params, None))
    scale = Scale.objects.create(
        organization=organization, name=name.strip(), kind=kind, params=params, description=description
    )
    audit.record_create(actor=actor, obj=scale, fields=["name", "kind", "params", "description"])
    return scale


_PLAN_VALUE_NAMES = {"threshold": "порог", "target": "цель", "maximum": "максимум"}


def _lines_lacking_plan_values(scale: Scale, kind: str) -> list[Problem]:
    """A new kind for a scale in use must find the plan values it needs on every line that uses it (templates in
    force and cards of periods not closed); otherwise those cards could not be calculated."""
    try:
        needed = PLAN_VALUES_NEEDED[EngineScaleKind(kind)]
    except ValueError:
        return []
    today = timezone.localdate()
    problems = []
    for name in needed:
        lacking = Q(**{f"{name}__isnull": True, f"{name}_percent__isnull": True})
        templates = CardTemplateLine.objects.filter(
            Q(template__valid_to__isnull=True) | Q(template__valid_to__gte=today), lacking, scale=scale
        ).count()
        cards = CardLine.objects.filter(lacking, scale=scale).exclude(card__period__status="closed").count()
        if templates or cards:
            problems.append(
                problem(
                    "plan_value_missing",
                    "kind",
                    "Шкала используется в {t} строках шаблонов и {c} строках карт открытых периодов без значения «{v}», "
                    "которое нужно новому виду шкалы: задайте его в строках или создайте новую шкалу",
                    "The scale is used on {t} template lines and {c} card lines of open periods without the “{v_en}” value "
                    "the new kind needs: set it on those lines or make a new scale",
                    t=templates,
                    c=cards,
                    v=_PLAN_VALUE_NAMES[name],
                    v_en=name,
                )
            )
    return problems


@transaction.atomic
def scale_update(*, actor: Any, scale: Scale, reason: str = "", **changes: Any) -> Scale:
    name = changes.get("name", scale.name)
    kind = changes.get("kind", scale.kind)
    params = changes.get("params", scale.params)
    problems = _scale_problems(scale.organization, name, kind, params, scale.pk)
    if kind != scale.kind:
        problems += _lines_lacking_plan_values(scale, kind)
    raise_if_errors(problems)
    # Equal parameters in another key order are no change (the audit compares their text).
    changes = {key: value for key, value in changes.items() if getattr(scale, key) != value}
    audit.apply_changes(actor=actor, obj=scale, changes=changes, reason=reason)
    return scale


@transaction.atomic
def scheme_create(
    *,
    actor: Any,
    organization: Organization,
    name: str,
    kind: str,
    params: Mapping[str, Any] | None = None,
    description: str = "",
) -> PayScheme:
    problems = _choice(kind, SchemeKind, "kind", "Вид схемы", "Scheme kind")
    if not name.strip():
        problems.append(problem("required", "name", "Укажите название схемы", "Enter the scheme name"))
    if kind in SchemeKind.values:
        problems += scheme_problems(kind, params if params is not None else {})
    if PayScheme.objects.filter(organization=organization, name=name.strip()).exists():
        problems.append(
            problem("duplicate", "name", "Схема «{name}» уже есть", "Scheme “{name}” exists", name=name)
        )
    raise_if_errors(problems)
    scheme = PayScheme.objects.create(
        organization=organization,
        name=name.strip(),
        kind=kind,
        params=dict(params or {}),
        description=description,
    )
    audit.record_create(actor=actor, obj=scheme, fields=["name", "kind", "params"])
    return scheme


SCHEME_FIELDS = ("name", "kind", "params", "description")


@transaction.atomic
def scheme_update(*, actor: Any, scheme: PayScheme, reason: str = "", **changes: Any) -> PayScheme:
    """Change a scheme's name, kind, parameters or description: validated by the engine as on creation,
    each changed field audited. Results already stored by a run are not rewritten (a new run recomputes)."""
    unknown = set(changes) - set(SCHEME_FIELDS)
    if unknown:
        raise TypeError(f"unknown scheme fields: {sorted(unknown)}")
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    if "params" in changes:
        changes["params"] = dict(changes["params"] or {})
    name = changes.get("name", scheme.name)
    kind = changes.get("kind", scheme.kind)
    params = changes.get("params", scheme.params)
    problems = _choice(kind, SchemeKind, "kind", "Вид схемы", "Scheme kind")
    if not name:
        problems.append(problem("required", "name", "Укажите название схемы", "Enter the scheme name"))
    if kind in SchemeKind.values:
        problems += scheme_problems(kind, params)
    if PayScheme.objects.filter(organization=scheme.organization, name=name).exclude(pk=scheme.pk).exists():
        problems.append(
            problem("duplicate", "name", "Схема «{name}» уже есть", "Scheme “{name}” exists", name=name)
        )
    raise_if_errors(problems)
    # Equal parameters in another key order are no change (the audit compares their text).
    changes = {key: value for key, value in changes.items() if getattr(scheme, key) != value}
    audit.apply_changes(actor=actor, obj=scheme, changes=changes, reason=reason)
    return scheme


def _number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return D(value) if not isinstance(value, float) else D(repr(value))


def _fits_field(value: Decimal | None, field: str, index: int) -> list[Problem]:
    """A number a line's column can hold: so many digits before the point, so many after (a plan of
    4 200 or of 12 345 678 901,5 is kept exactly, never cut)."""
    if value is None or not value.is_finite():
        return []
    column = CardLine._meta.get_field(field)
    whole = column.max_digits - column.decimal_places  # type: ignore[attr-defined,operator]
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if abs(value) >= 1 and value.adjusted() + 1 > whole:
        return [
            problem(
                "too_large",
                f"lines[{index}].{field}",
                "Строка {n}: «{v}» — слишком большое число (не больше {w} цифр до запятой)",
                "Line {n}: “{v}” is too large (at most {w} digits before the point)",
                n=index + 1,
                v=format(value, "f"),
                w=whole,
            )
        ]
    if places > column.decimal_places and value != value.quantize(Decimal(1).scaleb(-column.decimal_places)):  # type: ignore[attr-defined,arg-type]
        return [
            problem(
                "too_precise",
                f"lines[{index}].{field}",
                "Строка {n}: «{v}» — не больше {p} знаков после запятой",
                "Line {n}: “{v}” — at most {p} digits after the point",
                n=index + 1,
                v=format(value, "f"),
                p=column.decimal_places,  # type: ignore[attr-defined]
            )
        ]
    return []


def normalize_lines(
    organization: Organization, lines: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Turn line dicts from any source into model field values, with every problem named by line."""
    normalized: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, raw in enumerate(lines):
        place = f"lines[{index}]"
        line: dict[str, Any] = {
            "order": raw.get("order", index),
            "component": raw.get("component", Component.INDICATOR),
        }
        line["indicator"] = raw.get("indicator")
        line["label"] = str(raw.get("label", "") or "")
        line["level"] = raw.get("level", Level.PERSONAL)
        line["scale"] = raw.get("scale")
        line["confirmer_position"] = raw.get("confirmer_position")
        for field in (
            "weight",
            "threshold",
            "target",
            "maximum",
            "planned_amount",
            *PLAN_PERCENT_FIELDS,
            *GATE_FIELDS,
        ):
            try:
                line[field] = _number(raw.get(field))
            except (TypeError, ValueError):
                problems.append(
                    problem(
                        "not_a_number",
                        f"{place}.{field}",
                        "Строка {n}: «{v}» — не число",
                        "Line {n}: “{v}” is not a number",
                        n=index + 1,
                        v=raw.get(field),
                    )
                )
                line[field] = None
            else:
                problems += _fits_field(line[field], field, index)
        if line["component"] not in Component.values:
            problems.append(
                problem(
                    "choice",
                    f"{place}.component",
                    "Строка {n}: неизвестный компонент",
                    "Line {n}: unknown component",
                    n=index + 1,
                )
            )
        if line["level"] not in Level.values:
            problems.append(
                problem(
                    "choice",
                    f"{place}.level",
                    "Строка {n}: неизвестный уровень",
                    "Line {n}: unknown level",
                    n=index + 1,
                )
            )
        if line["component"] == Component.INDICATOR and line["indicator"] is None:
            problems.append(
                problem(
                    "required",
                    f"{place}.indicator",
                    "Строка {n}: выберите показатель",
                    "Line {n}: choose an indicator",
                    n=index + 1,
                )
            )
        if line["component"] != Component.INDICATOR and not line["label"].strip():
            problems.append(
                problem(
                    "required",
                    f"{place}.label",
                    "Строка {n}: укажите название компонента",
                    "Line {n}: enter the component label",
                    n=index + 1,
                )
            )
        for field in ("indicator", "scale", "confirmer_position"):
            obj = line[field]
            if obj is not None and obj.organization_id != organization.pk:
                problems.append(
                    problem(
                        "other_organization",
                        f"{place}.{field}",
                        "Строка {n}: объект из другой организации",
                        "Line {n}: the object belongs to another organization",
                        n=index + 1,
                    )
                )
        normalized.append(line)
    drafts = [
        LineDraft(
            component=line["component"],
            weight=line["weight"],
            label=line["label"],
            direction=line["indicator"].direction if line["indicator"] is not None else Direction.HIGHER,
            scale_kind=line["scale"].kind if line["scale"] is not None else None,
            threshold=line["threshold"],
            target=line["target"],
            maximum=line["maximum"],
            is_multiplier=line["scale"].is_multiplier if line["scale"] is not None else False,
            monitoring_only=line["indicator"].monitoring_only if line["indicator"] is not None else False,
            **{field: line[field] for field in (*PLAN_PERCENT_FIELDS, *GATE_FIELDS)},
        )
        for line in normalized
    ]
    problems += validate_card(drafts)
    return normalized, problems


def _actor_employee(actor: Any, organization_id: int) -> Employee | None:
    """The actor's own employee record in the organization (none for an administrator without one)."""
    if not getattr(actor, "pk", None):
        return None
    return Employee.objects.filter(user_id=actor.pk, organization_id=organization_id).first()


def _own_card_refusal(field: str) -> InvalidInput:
    return InvalidInput(
        [
            problem(
                "own_card",
                field,
                "Свою собственную карту KPI (и шаблон своей должности) меняет другой человек",
                "Someone else changes your own KPI card (and the template of your own position)",
            )
        ]
    )


def template_for(position: Position, day: dt.date) -> CardTemplate | None:
    return (
        CardTemplate.objects.filter(position=position, valid_from__lte=day)
        .exclude(valid_to__lt=day)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def card_template_create(
    *,
    actor: Any,
    position: Position,
    valid_from: dt.date,
    lines: Sequence[Mapping[str, Any]],
    scheme: PayScheme | None = None,
    category_cap: str = "",
    note: str = "",
) -> tuple[CardTemplate, list[Problem]]:
    """A new version of the position's card from `valid_from`. The previous version ends the day
    before; its past is untouched. Returns the template and the warnings."""
    organization = position.organization
    own = _actor_employee(actor, organization.pk)
    if (
        own is not None
        and Assignment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=valid_from), employee=own, position=position
        ).exists()
    ):
        # The version would make the actor's own next cards: nobody sets their own targets.
        raise _own_card_refusal("position")
    normalized, problems = normalize_lines(organization, lines)
    previous = CardTemplate.objects.filter(position=position).order_by("-version").select_for_update().first()
    if previous is not None and previous.valid_from >= valid_from:
        problems.append(
            problem(
                "version_date",
                "valid_from",
                "Новая версия должна начинаться позже действующей (с {d})",
                "The new version must start after the current one (from {d})",
                d=previous.valid_from.isoformat(),
            )
        )
    if scheme is not None and scheme.organization_id != organization.pk:
        problems.append(
            problem(
                "other_organization",
                "scheme",
                "Схема из другой организации",
                "The scheme belongs to another organization",
            )
        )
    warnings = raise_if_errors(problems)
    if previous is not None and (previous.valid_to is None or previous.valid_to >= valid_from):
        audit.apply_changes(
            actor=actor, obj=previous, changes={"valid_to": valid_from - dt.timedelta(days=1)}
        )
    template = CardTemplate.objects.create(
        organization=organization,
        position=position,
        version=(previous.version + 1) if previous else 1,
        valid_from=valid_from,
        scheme=scheme,
        category_cap=category_cap,
        note=note,
    )
    audit.record_create(actor=actor, obj=template, fields=["position", "version", "valid_from", "scheme"])
    created = CardTemplateLine.objects.bulk_create(
        CardTemplateLine(template=template, **line) for line in normalized
    )
    for line in created:
        audit.record_create(actor=actor, obj=line, fields=LINE_FIELDS)
    return template, warnings


def _copy_line(line: CardTemplateLine) -> dict[str, Any]:
    return {field: getattr(line, field) for field in LINE_FIELDS}


@transaction.atomic
def card_create(
    *,
    actor: Any,
    employee: Employee,
    period: Period,
    template: CardTemplate | None = None,
    lines: Sequence[Mapping[str, Any]] | None = None,
    scheme: PayScheme | None = None,
) -> tuple[Card, list[Problem]]:
    """The employee's card for the period, copied from the position's template in force at the
    period's start unless lines are given."""
    ensure_open(period)
    if employee.organization_id != period.organization_id:
        raise InvalidInput(
            [
                problem(
                    "other_organization",
                    "period",
                    "Период из другой организации",
                    "The period belongs to another organization",
                )
            ]
        )
    if Card.objects.filter(employee=employee, period=period).exists():
        raise InvalidInput(
            [
                problem(
                    "duplicate",
                    "period",
                    "У сотрудника уже есть карта на {p}",
                    "The employee already has a card for {p}",
                    p=period.name,
                )
            ]
        )
    own = _actor_employee(actor, employee.organization_id)
    if own is not None and own.pk == employee.pk:
        raise _own_card_refusal("employee")
    if lines is None:
        if template is None:
            assignment = assignment_as_of(employee, period.start) or assignment_as_of(employee, period.end)
            template = template_for(assignment.position, period.start) if assignment else None
        if template is None:
            raise InvalidInput(
                [
                    problem(
                        "no_template",
                        "template",
                        "Для должности сотрудника нет шаблона карты на {p}",
                        "There is no card template for the employee's position in {p}",
                        p=period.name,
                    )
                ]
            )
        lines = [_copy_line(line) for line in template.lines.select_related("indicator", "scale")]
        scheme = scheme or template.scheme
    normalized, problems = normalize_lines(employee.organization, lines)
    warnings = raise_if_errors(problems)
    card = Card.objects.create(
        organization=employee.organization, employee=employee, period=period, template=template, scheme=scheme
    )
    audit.record_create(actor=actor, obj=card, fields=["employee", "period", "template", "scheme"])
    CardLine.objects.bulk_create(CardLine(card=card, **line) for line in normalized)
    return card, warnings


@transaction.atomic
def card_replace_lines(
    *,
    actor: Any,
    card: Card,
    lines: Sequence[Mapping[str, Any]],
    reason: str = "",
    template: CardTemplate | None = None,
) -> list[Problem]:
    """New lines for an employee's card. `template` is the version the lines were copied from (the
    card then records it); without it the card keeps the template it names."""
    ensure_open(card.period)
    own = _actor_employee(actor, card.organization_id)
    if own is not None and own.pk == card.employee_id:
        raise _own_card_refusal("card")
    normalized, problems = normalize_lines(card.organization, lines)
    if template is not None and template.organization_id != card.organization_id:
        problems.append(
            problem(
                "other_organization",
                "template",
                "Шаблон из другой организации",
                "The template belongs to another organization",
            )
        )
    warnings = raise_if_errors(problems)
    old = [audit.snapshot(line, LINE_FIELDS) for line in card.lines.all()]
    card.lines.all().delete()
    created = CardLine.objects.bulk_create(CardLine(card=card, **line) for line in normalized)
    before, after = (
        {"lines": repr(old)},
        {"lines": repr([audit.snapshot(line, LINE_FIELDS) for line in created])},
    )
    if template is not None and template.pk != card.template_id:
        before["template"] = audit.value_text(card.template)
        card.template = template
        card.save(update_fields=["template"])
        after["template"] = audit.value_text(template)
    audit.record(actor=actor, obj=card, action="update", reason=reason, before=before, after=after)
    return warnings


def _stale_preview() -> InvalidInput:
    return InvalidInput(
        [
            problem(
                "stale_preview",
                "digest",
                "Карты изменились после просмотра: откройте предварительный просмотр ещё раз",
                "The cards changed after the preview: open the preview again",
            )
        ]
    )


@transaction.atomic
def card_template_apply(
    *, actor: Any, template: CardTemplate, card_ids: Iterable[int], digest: str, reason: str = ""
) -> list[Card]:
    """Give the cards the version's lines and scheme: the cards of open periods that the version is
    the template of, exactly those shown in the preview (`digest` is its fingerprint). A line that stays
    (the same indicator, or the same component and label) is updated in place, keeping its scores; the
    others go or come. Refuses, before writing anything, a card of a closed period, the actor's own card
    and a preview that is out of date. One change in the audit log, one entry per card."""
    from motiva.kpi import card_versions

    organization = template.organization
    own = _actor_employee(actor, organization.pk)
    plan = card_versions.version_plan(template, actor_employee=own)
    wanted = set(card_ids)
    problems: list[Problem] = []
    for refused in plan.refused:
        if refused.card.pk not in wanted:
            continue
        if refused.refusal == "closed":
            problems.append(
                problem(
                    "period_locked",
                    "cards",
                    "{e}: период «{p}» закрыт, карту нельзя изменить",
                    "{e}: period “{p}” is closed, the card cannot be changed",
                    e=str(refused.card.employee),
                    p=refused.card.period.name,
                )
            )
        else:
            problems.append(
                problem(
                    "own_card",
                    "cards",
                    "{e}: свою собственную карту KPI меняет другой человек",
                    "{e}: someone else changes your own KPI card",
                    e=str(refused.card.employee),
                )
            )
    raise_if_errors(problems)
    if wanted != {p.card.pk for p in plan.changed} or digest != plan.digest:
        raise _stale_preview()
    source = list(template.lines.select_related("indicator", "scale").order_by("order", "id"))
    normalized, problems = normalize_lines(organization, [_copy_line(line) for line in source])
    raise_if_errors(problems)
    change_id = uuid.uuid4()
    cards = [p.card for p in plan.changed]
    for period in {card.period_id: card.period for card in cards}.values():
        ensure_open(period, "cards")
    old_lines: dict[int, list[CardLine]] = {}
    for line in (
        CardLine.objects.filter(card__in=cards)
        .select_related("indicator", "scale", "confirmer_position")
        .order_by("card_id", "order", "id")
    ):
        old_lines.setdefault(line.card_id, []).append(line)
    # Every card gets the same values for a line of the version: one UPDATE per line of the version
    # (and one per changed scheme), however many cards.
    to_update: dict[int, list[int]] = {}
    to_delete: list[int] = []
    to_create: list[CardLine] = []
    for card in cards:
        lines = old_lines.get(card.pk, [])
        before = {
            "lines": repr([audit.snapshot(line, LINE_FIELDS) for line in lines]),
            "template": audit.value_text(card.template),
            "scheme": audit.value_text(card.scheme),
        }
        wanted_lines = [CardLine(card=card, **values) for values in normalized]
        index_of = {id(line): index for index, line in enumerate(wanted_lines)}
        pairs, removed, added = card_versions.match_lines(lines, wanted_lines)
        after_lines = []
        for old, new in pairs:
            if any(
                audit.value_text(getattr(old, n)) != audit.value_text(getattr(new, n)) for n in LINE_FIELDS
            ):
                to_update.setdefault(index_of[id(new)], []).append(old.pk)
            for name in LINE_FIELDS:
                setattr(old, name, getattr(new, name))
            after_lines.append(old)
        to_delete += [line.pk for line in removed]
        to_create += added
        after_lines += added
        after_lines.sort(key=lambda line: line.order)
        card.template, card.scheme = template, template.scheme
        audit.record(
            actor=actor,
            obj=card,
            action="update",
            reason=reason,
            change_id=change_id,
            before=before,
            after={
                "lines": repr([audit.snapshot(line, LINE_FIELDS) for line in after_lines]),
                "template": audit.value_text(card.template),
                "scheme": audit.value_text(card.scheme),
            },
        )
    CardLine.objects.filter(pk__in=to_delete).delete()
    for index, pks in to_update.items():
        for start in range(0, len(pks), 2000):
            CardLine.objects.filter(pk__in=pks[start : start + 2000]).update(**normalized[index])
    CardLine.objects.bulk_create(to_create, batch_size=2000)
    ids = [card.pk for card in cards]
    for start in range(0, len(ids), 2000):
        Card.objects.filter(pk__in=ids[start : start + 2000]).update(
            template=template, scheme=template.scheme
        )
    return cards


@transaction.atomic
def cards_create_for_period(
    *, actor: Any, period: Period, employees: Iterable[Employee]
) -> tuple[list[Card], list[tuple[Employee, InvalidInput]]]:
    """Cards from the templates for each given employee — the template of the position held at the
    period's start (or its end) — in a fixed number of queries however many people. Returns the cards
    made and, for everyone skipped, the reason (already has a card, no template …)."""
    ensure_open(period)
    people = list(employees)
    ids = [e.pk for e in people]
    has_card = set(
        Card.objects.filter(period=period, employee_id__in=ids).values_list("employee_id", flat=True)
    )
    positions: dict[int, int] = {}
    for employee_id, position_id, start, end in (
        Assignment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=period.start),
            employee_id__in=ids,
            start_date__lte=period.end,
        )
        .order_by("employee_id", "start_date")
        .values_list("employee_id", "position_id", "start_date", "end_date")
    ):
        at_start = start <= period.start and (end is None or end >= period.start)
        if at_start or (
            employee_id not in positions and start <= period.end and (end is None or end >= period.end)
        ):
            positions[employee_id] = position_id
    templates: dict[int, CardTemplate] = {}
    for template in (
        CardTemplate.objects.filter(position_id__in=set(positions.values()), valid_from__lte=period.start)
        .exclude(valid_to__lt=period.start)
        .select_related("scheme", "position")
        .order_by("position_id", "-version")
    ):
        templates.setdefault(template.position_id, template)
    lines_of: dict[int, list[dict[str, Any]]] = {}
    for line in (
        CardTemplateLine.objects.filter(template__in=templates.values())
        .select_related("indicator", "scale")
        .order_by("template_id", "order", "id")
    ):
        lines_of.setdefault(line.template_id, []).append(_copy_line(line))
    prepared: dict[int, tuple[list[dict[str, Any]], InvalidInput | None]] = {}
    for template in templates.values():
        normalized, problems = normalize_lines(period.organization, lines_of.get(template.pk, []))
        errors = [p for p in problems if p.severity is Severity.ERROR]
        prepared[template.pk] = (normalized, InvalidInput(errors) if errors else None)
    new_cards: list[Card] = []
    line_sets: list[list[dict[str, Any]]] = []
    skipped: list[tuple[Employee, InvalidInput]] = []
    own = _actor_employee(actor, period.organization_id)
    for employee in people:
        if employee.organization_id != period.organization_id:
            skipped.append(
                (
                    employee,
                    InvalidInput(
                        [
                            problem(
                                "other_organization",
                                "period",
                                "Период из другой организации",
                                "The period belongs to another organization",
                            )
                        ]
                    ),
                )
            )
            continue
        if employee.pk in has_card:
            skipped.append(
                (
                    employee,
                    InvalidInput(
                        [
                            problem(
                                "duplicate",
                                "period",
                                "У сотрудника уже есть карта на {p}",
                                "The employee already has a card for {p}",
                                p=period.name,
                            )
                        ]
                    ),
                )
            )
            continue
        template = templates.get(positions.get(employee.pk, 0))
        if template is None:
            skipped.append(
                (
                    employee,
                    InvalidInput(
                        [
                            problem(
                                "no_template",
                                "template",
                                "Для должности сотрудника нет шаблона карты на {p}",
                                "There is no card template for the employee's position in {p}",
                                p=period.name,
                            )
                        ]
                    ),
                )
            )
            continue
        normalized, refusal = prepared[template.pk]
        if refusal is not None:
            skipped.append((employee, refusal))
            continue
        if own is not None and employee.pk == own.pk:
            skipped.append((employee, _own_card_refusal("employee")))  # nobody makes their own card
            continue
        new_cards.append(
            Card(
                organization=period.organization,
                employee=employee,
                period=period,
                template=template,
                scheme=template.scheme,
            )
        )
        line_sets.append(normalized)
    created = Card.objects.bulk_create(new_cards, batch_size=2000)
    CardLine.objects.bulk_create(
        (
            CardLine(card=card, **line)
            for card, lines in zip(created, line_sets, strict=True)
            for line in lines
        ),
        batch_size=5000,
    )
    audit.record_create_many(actor=actor, objs=created, fields=["employee", "period", "template", "scheme"])
    return created, skipped


@transaction.atomic
def component_score_set(
    *, actor: Any, card_line: CardLine, value: Decimal, comment: str = ""
) -> ComponentScore:
    """The score of a tasks or assessment line: a percentage, or −2…+2 when the line has a rating scale."""
    ensure_open(card_line.card.period)
    own = _actor_employee(actor, card_line.card.organization_id)
    if own is not None and own.pk == card_line.card.employee_id:
        raise _own_card_refusal("card_line")
    problems: list[Problem] = []
    if card_line.component == Component.INDICATOR:
        problems.append(
            problem(
                "not_component",
                "card_line",
                "Показатель получает факт, а не оценку компонента",
                "An indicator line takes a fact, not a component score",
            )
        )
    elif card_line.scale is not None and card_line.scale.kind == ScaleKind.RATING:
        if value != value.to_integral() or not Decimal(-2) <= value <= Decimal(2):
            problems.append(
                problem(
                    "rating",
                    "value",
                    "Оценка — целое от −2 до +2",
                    "A rating is a whole number from −2 to +2",
                )
            )
    elif not Decimal(0) <= value <= Decimal(300):
        problems.append(
            problem(
                "range",
                "value",
                "Оценка компонента — процент от 0 до 300",
                "A component score is a percentage from 0 to 300",
            )
        )
    raise_if_errors(problems)
    existing = ComponentScore.objects.filter(card_line=card_line).first()
    author = actor if getattr(actor, "pk", None) else None
    if existing is None:
        score = ComponentScore.objects.create(
            card_line=card_line, value=value, comment=comment, author=author
        )
        audit.record_create(actor=actor, obj=score, fields=["value", "comment"])
        return score
    audit.apply_changes(
        actor=actor, obj=existing, changes={"value": value, "comment": comment, "author": author}
    )
    return existing
