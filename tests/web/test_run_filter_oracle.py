"""No filter oracle on a run's results: "with problems only" counts, for a reader without pay (the
auditor), only the notes that reader may read — a note of the pay calculation is hidden from them, so a
row that has only such a note is not found either."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motiva.calc.models import EmployeeResult

pytestmark = pytest.mark.django_db


def with_problems(client, cast) -> set[str]:
    url = reverse("run", args=[cast["company"].pk, cast["run"].pk])
    response = client.get(url, {"problems": "1"})
    assert response.status_code == 200
    return {row.employee.first_name for row in response.context["rows"]}


def test_the_problems_filter_finds_only_notes_the_reader_reads(client, cast):
    run = cast["run"]
    EmployeeResult.objects.filter(run=run).update(problems=[])
    pay_note = [{"code": "disciplinary_cap", "field": "pay", "message": {"ru": "", "en": ""}}]
    card_note = [{"code": "fact_missing", "field": "fact", "message": {"ru": "", "en": ""}}]
    EmployeeResult.objects.filter(run=run, employee=cast["people"]["anna"]).update(problems=pay_note)
    EmployeeResult.objects.filter(run=run, employee=cast["people"]["boris"]).update(problems=card_note)
    client.force_login(cast["users"]["hr"])
    assert with_problems(client, cast) == {"Anna", "Boris"}
    client.force_login(cast["users"]["auditor"])
    assert with_problems(client, cast) == {"Boris"}
