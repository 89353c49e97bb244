"""GET parameters that no other test exercised (issue 11: "every sort, filter and period choice of every
page works and is tested"): the indicator library's search and filters, the run page's search, page and
progress part, and every sort of the people list, with odd values too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motiva.kpi import services as kpi
from motiva.org.models import Employee

pytestmark = pytest.mark.django_db


# --- the indicator library -------------------------------------------------------------------


@pytest.fixture
def library(cast):
    """Besides SALES (quantitative, higher is better, monthly, active): an inverse quarterly penalty
    indicator and a retired rating."""
    admin = cast["users"]["admin"]
    defects = kpi.indicator_create(
        actor=admin,
        organization=cast["company"],
        code="DEFECTS",
        name="Брак",
        kind="penalty",
        direction="lower",
        periodicity="quarter",
    )
    old = kpi.indicator_create(
        actor=admin, organization=cast["company"], code="OLDNPS", name="Старый NPS", kind="rating"
    )
    kpi.indicator_update(actor=admin, indicator=old, is_active=False, reason="не используется")
    return {"sales": cast["indicator"], "defects": defects, "old": old}


def codes(client, cast, params) -> list[str]:
    response = client.get(reverse("indicators", args=[cast["company"].pk]), params)
    assert response.status_code == 200, params
    return sorted(i.code for i in response.context["indicators"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["DEFECTS", "SALES"]),  # the retired one only on request
        ({"active": "1"}, ["DEFECTS", "SALES"]),
        ({"active": "0"}, ["DEFECTS", "OLDNPS", "SALES"]),
        ({"active": ""}, ["DEFECTS", "OLDNPS", "SALES"]),
        ({"q": "брак"}, ["DEFECTS"]),
        ({"q": "sal"}, ["SALES"]),
        ({"q": "  Продажи  "}, ["SALES"]),
        ({"kind": "penalty"}, ["DEFECTS"]),
        ({"kind": "rating", "active": "0"}, ["OLDNPS"]),
        ({"direction": "lower"}, ["DEFECTS"]),
        ({"direction": "higher"}, ["SALES"]),
        ({"periodicity": "quarter"}, ["DEFECTS"]),
        ({"periodicity": "month"}, ["SALES"]),
        ({"kind": "penalty", "direction": "higher"}, []),
    ],
)
def test_the_library_searches_and_filters_by_kind_direction_periodicity_and_activity(
    client, cast, library, params, expected
):
    client.force_login(cast["users"]["hr"])
    assert codes(client, cast, params) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "nonsense"},
        {"kind": "PENALTY"},
        {"direction": "%00"},
        {"periodicity": "week"},
        {"active": "yes"},
        {"q": "%' OR 1=1 --"},
        {"q": "я" * 5000},
        {"kind": ["penalty", "rating"]},
    ],
)
def test_an_odd_library_filter_is_ignored_not_an_error(client, cast, library, params):
    client.force_login(cast["users"]["hr"])
    found = codes(client, cast, params)
    assert set(found) <= {"DEFECTS", "OLDNPS", "SALES"}


# --- the run page ----------------------------------------------------------------------------


EVERYONE = ["Аннина", "Борисов", "Карлов", "Начальников", "Сервисов"]


def run_url(cast) -> str:
    return reverse("run", args=[cast["company"].pk, cast["run"].pk])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, EVERYONE),
        ({"q": "Аннина"}, ["Аннина"]),
        ({"q": "  аннина "}, ["Аннина"]),
        ({"min": "105"}, ["Аннина", "Карлов"]),
        ({"max": "95"}, ["Борисов"]),
        ({"min": "95", "max": "105"}, ["Начальников", "Сервисов"]),
        ({"q": "zzz"}, []),
        ({"page": "1"}, EVERYONE),
        ({"page": "2"}, EVERYONE),  # past the last page: the last one
        ({"page": "٣"}, EVERYONE),  # not an ASCII digit: the first
        ({"q": "%_", "min": "-1e400", "max": "1e400"}, []),
    ],
)
def test_the_run_page_searches_filters_and_pages(client, cast, params, expected):
    client.force_login(cast["users"]["hr"])
    response = client.get(run_url(cast), params)
    assert response.status_code == 200, params
    assert [r.employee.last_name for r in response.context["rows"]] == expected


@pytest.mark.parametrize("part", ["progress", "x", "", "PROGRESS"])
def test_the_run_pages_progress_part_is_the_fragment_alone(client, cast, part):
    client.force_login(cast["users"]["hr"])
    response = client.get(run_url(cast), {"part": part})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="run-progress"' in body
    assert ("<html" not in body) == (part == "progress")


def test_the_progress_part_of_another_organizations_run_is_not_found(client, cast):
    client.force_login(cast["users"]["hr"])
    url = reverse("run", args=[cast["company"].pk, cast["other_run"].pk])
    assert client.get(url, {"part": "progress"}).status_code == 404


# --- the people list: every sort -------------------------------------------------------------


def _name(e: Employee):
    return (e.last_name, e.first_name, e.middle_name, e.pk)


ORDERS = {
    "name": _name,
    "number": lambda e: (len(e.personnel_number), e.personnel_number, e.pk),
    "hired": lambda e: (e.hire_date, e.pk),
}


@pytest.mark.parametrize("sort", ["name", "-name", "number", "-number", "hired", "-hired", "unit", "-unit"])
def test_every_sort_of_the_people_list_answers_in_its_order(client, cast, sort):
    from motiva.web.staff_forms import SORTS

    assert sort in dict(SORTS)  # the test follows the offered choices
    client.force_login(cast["users"]["hr"])
    url = reverse("staff_people", args=[cast["company"].pk])
    response = client.get(url, {"sort": sort, "status": "all"})
    assert response.status_code == 200
    assert response.context["sort"] == sort
    shown = [r["employee"] for r in response.context["rows"]]
    assert len(shown) > 3
    key = sort.lstrip("-")
    if key in ORDERS:
        assert shown == sorted(shown, key=ORDERS[key], reverse=sort.startswith("-"))
    else:  # by the unit's place in the tree: the people of one unit together
        paths = [r["assignment"].unit.path if r["assignment"] else "" for r in response.context["rows"]]
        assert paths == sorted(paths, reverse=sort.startswith("-"))
    other = client.get(url, {"sort": sort[1:] if sort.startswith("-") else f"-{sort}", "status": "all"})
    assert [r["employee"] for r in other.context["rows"]] == shown[::-1]


def test_every_offered_sort_is_tested():
    from motiva.web.staff_forms import SORTS

    assert {value for value, _label in SORTS} == {
        "name",
        "-name",
        "number",
        "-number",
        "hired",
        "-hired",
        "unit",
        "-unit",
    }


# --- searches in any case (SQLite folds the case of ASCII letters only) ----------------------


@pytest.mark.parametrize("q", ["Аннина", "аннина", "АННИНА"])
def test_the_fact_grid_finds_a_person_typed_in_any_case(client, cast, q):
    client.force_login(cast["users"]["hr"])
    url = reverse("facts", args=[cast["company"].pk, cast["period"].pk])
    response = client.get(url, {"q": q})
    assert response.status_code == 200
    assert [r["row"].last_name for r in response.context["table"]] == ["Аннина"]


@pytest.mark.parametrize("q", ["Склад", "склад", "СКЛАД"])
def test_the_scheme_list_finds_a_name_typed_in_any_case(client, cast, q):
    kpi.scheme_create(
        actor=cast["users"]["admin"],
        organization=cast["company"],
        name="Склад: 10 %",
        kind="target_bonus",
        params={"basis": "salary_percent", "percent": "10"},
    )
    client.force_login(cast["users"]["hr"])
    response = client.get(reverse("paycfg_schemes", args=[cast["company"].pk]), {"q": q})
    assert response.status_code == 200
    assert [r["scheme"].name for r in response.context["rows"]] == ["Склад: 10 %"]


def test_personnel_numbers_sort_as_numbers_999_before_9910(client, cast):
    people = list(Employee.objects.filter(organization=cast["company"]).order_by("pk")[:3])
    for person, number in zip(people, ("9910", "999", "99100"), strict=True):
        person.personnel_number = number
        person.save(update_fields=["personnel_number"])
    client.force_login(cast["users"]["hr"])
    response = client.get(
        reverse("staff_people", args=[cast["company"].pk]), {"sort": "number", "status": "all"}
    )
    numbers = [r["employee"].personnel_number for r in response.context["rows"]]
    assert [n for n in numbers if n in ("999", "9910", "99100")] == ["999", "9910", "99100"]
