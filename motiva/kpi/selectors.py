"""Reads of cards and their lines."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q

from motiva.kpi.models import CardLine, Indicator
from motiva.org.models import Employee, Unit
from motiva.periods.models import IndicatorValue, Period


def fact_completeness(period: Period, employee_ids: Any = None) -> list[dict[str, Any]]:
    """For each entered indicator on the period's cards: how many values are expected, entered, and
    entered but not yet confirmed (where the indicator names a confirmer), with whose are missing.
    Personal values are counted by the database: a period of 10 000 cards is not read into memory."""
    lines = CardLine.objects.filter(
        card__period=period, indicator__isnull=False, weight__gt=0, indicator__formula=""
    )
    if employee_ids is not None:
        lines = lines.filter(card__employee_id__in=employee_ids)
    totals: dict[int, dict[str, Any]] = {}

    def total(indicator_id: int) -> dict[str, Any]:
        return totals.setdefault(
            indicator_id,
            {"expected": 0, "entered": 0, "unconfirmed": 0, "missing_keys": [], "unconfirmed_keys": []},
        )

    personal = lines.filter(level="personal").order_by()
    confirmed_by_someone = set(
        Indicator.objects.filter(
            confirmer_position__isnull=False, organization_id=period.organization_id
        ).values_list("pk", flat=True)
    )
    for indicator_id in personal.values_list("indicator_id", flat=True).distinct():
        people = personal.filter(indicator_id=indicator_id).values("card__employee_id")
        values = IndicatorValue.objects.filter(
            period=period, kind="fact", value__isnull=False, indicator_id=indicator_id, employee_id__in=people
        )
        item = total(indicator_id)
        item["expected"] = people.distinct().count()
        item["entered"] = values.count()
        if item["expected"] > item["entered"]:
            item["missing_keys"] = [
                f"employee:{pk}"
                for pk in people.exclude(card__employee_id__in=values.values("employee_id"))
                .order_by("card__employee_id")
                .values_list("card__employee_id", flat=True)
                .distinct()[:SHOWN_NAMES]
            ]
        if indicator_id in confirmed_by_someone:
            waiting = values.filter(confirmed_at__isnull=True)
            item["unconfirmed"] = waiting.count()
            item["unconfirmed_keys"] = [
                f"employee:{pk}"
                for pk in waiting.order_by("employee_id").values_list("employee_id", flat=True)[:SHOWN_NAMES]
            ]
    # Company and unit values: few scopes, counted here.
    expected: dict[int, set[str]] = defaultdict(set)
    for indicator_id in (
        lines.filter(level="company").order_by().values_list("indicator_id", flat=True).distinct()
    ):
        expected[indicator_id].add("company")
    unit_lines = lines.filter(level="unit", card__employee__assignments__start_date__lte=period.end).filter(
        Q(card__employee__assignments__end_date__isnull=True)
        | Q(card__employee__assignments__end_date__gte=period.end)
    )
    for indicator_id, unit_id in (
        unit_lines.order_by().values_list("indicator_id", "card__employee__assignments__unit_id").distinct()
    ):
        expected[indicator_id].add(f"unit:{unit_id}")
    facts = {
        (indicator_id, scope): confirmed
        for indicator_id, scope, confirmed in IndicatorValue.objects.filter(
            period=period, kind="fact", value__isnull=False, indicator_id__in=expected.keys()
        )
        .exclude(scope="employee")
        .values_list("indicator_id", "scope_key", "confirmed_at")
    }
    confirmers = set(
        Indicator.objects.filter(pk__in=expected.keys(), confirmer_position__isnull=False).values_list(
            "pk", flat=True
        )
    )
    for indicator_id, scopes in expected.items():
        item = total(indicator_id)
        entered = [scope for scope in scopes if (indicator_id, scope) in facts]
        unconfirmed = [
            scope for scope in entered if indicator_id in confirmers and facts[(indicator_id, scope)] is None
        ]
        item["expected"] += len(scopes)
        item["entered"] += len(entered)
        item["unconfirmed"] += len(unconfirmed)
        item["missing_keys"] += sorted(scope for scope in scopes if (indicator_id, scope) not in facts)[
            :SHOWN_NAMES
        ]
        item["unconfirmed_keys"] += sorted(unconfirmed)[:SHOWN_NAMES]
    indicators = Indicator.objects.in_bulk(totals.keys())
    rows = [
        {
            "indicator": indicators[pk],
            "missing": item["expected"] - item["entered"],
            **item,
            "missing_keys": item["missing_keys"][:SHOWN_NAMES],
            "unconfirmed_keys": item["unconfirmed_keys"][:SHOWN_NAMES],
        }
        for pk, item in totals.items()
    ]
    _name_scopes(period, rows)
    return sorted(rows, key=lambda r: (-r["missing"], -r["unconfirmed"], r["indicator"].code))


SHOWN_NAMES = 8


def _name_scopes(period: Period, rows: list[dict[str, Any]]) -> None:
    """Whose values are missing or unconfirmed, by name (the first few of each indicator)."""
    keys = {k for r in rows for k in (*r["missing_keys"], *r["unconfirmed_keys"])}
    employee_ids = [int(k.split(":")[1]) for k in keys if k.startswith("employee:")]
    unit_ids = [
        int(k.split(":")[1])
        for k in keys
        if k.startswith("unit:") and re.fullmatch(r"[0-9]{1,18}", k.split(":")[1])
    ]
    names = {f"employee:{e.pk}": str(e) for e in Employee.objects.filter(pk__in=employee_ids)}
    names |= {f"unit:{u.pk}": u.name for u in Unit.objects.filter(pk__in=unit_ids)}
    names["company"] = period.organization.name
    for row in rows:
        row["missing_names"] = [names.get(k, k) for k in row.pop("missing_keys")]
        row["unconfirmed_names"] = [names.get(k, k) for k in row.pop("unconfirmed_keys")]


def fact_completeness_cached(period: Period, employee_ids: Any = None) -> list[dict[str, Any]]:
    """`fact_completeness`, remembered until a value or a card of the period changes (the key holds the
    values' count and latest change and the cards' count), so the home page stays quick for HR."""
    stamp = IndicatorValue.objects.filter(period=period).aggregate(n=Count("id"), last=Max("entered_at"))
    cards = CardLine.objects.filter(card__period=period).count()
    who = "all" if employee_ids is None else ",".join(map(str, sorted(employee_ids)))
    parts = f"{period.pk}|{who}|{stamp['n']}|{stamp['last']}|{cards}|{period.status}"
    key = "motiva:completeness:" + hashlib.blake2s(parts.encode(), digest_size=16).hexdigest()
    rows = cache.get(key)
    if rows is None:
        rows = fact_completeness(period, employee_ids)
        cache.set(key, rows, 600)
    return rows
