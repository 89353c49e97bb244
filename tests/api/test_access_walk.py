"""The API's access walk: every endpoint of /api/v1/ (lists, details and writes) with the whole cast of
tests/base.py. The expected statuses are written out by hand from SPEC C9 (as tests/web/test_access.py
does for pages, whose helpers are reused); no salary or bonus appears in a response where the rules say it
must not; other organizations' objects are 404; and a route of the API without an expectation here fails
the walk."""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from motiva.calc.models import EmployeeResult
from motiva.kpi.models import Card
from tests.base import SALARIES
from tests.web.test_access import COMPANY_READERS, MANAGES, PAY, may_open_card, may_see_pay, money_of

pytestmark = pytest.mark.django_db

CAST = ["gd", "hr", "fin", "auditor", "admin", "boss", "boss2", "anna", "boris", "carl", "outsider", None]
COMPANY = {"gd", "hr", "fin", "auditor", "admin", "boss", "boss2", "anna", "boris", "carl"}
ANONYMOUS = 401, 403  # no credentials: refused before any object is looked at


def client_for(cast, user):
    client = APIClient()
    if user is not None:
        client.force_login(cast["users"][user])
    return client


# Expectations: (route name, method, what it is about) -> status for a signed-in user of the cast ------------
def company_object(user):
    return 200 if user in COMPANY else 404


def other_object(user, open_to_outsider=True):
    # another organization's object: its own people (the outsider is a plain employee there) and the
    # superuser, who administers every organization
    return 200 if user == "admin" or (user == "outsider" and open_to_outsider) else 404


def library(user):
    return 200 if user in COMPANY_READERS else 404


def runs(user):
    return 200 if user in COMPANY_READERS or user in MANAGES else 404


def result_of(user, person):
    return 200 if user in COMPANY_READERS or (user in MANAGES and may_open_card(user, person)) else 404


def values_post(user):
    # the fact grid's rights: HR everything; a manager their subtree (anna is boss's and gd's);
    # boss2 manages people but not anna (refused as "no such employee"); the rest do not enter values
    if user == "outsider":
        return 404
    if user in ("hr", "gd", "boss"):
        return 200
    if user == "boss2":
        return 400
    return 403


def hr_only(user, ok=200):
    return ok if user == "hr" else 404


def cases(cast):
    """(route name, method, url, body, expectation(user), the person whose pay it may show)."""
    company = cast["company"]
    people = cast["people"]
    period, run = cast["period"], cast["run"]
    found = []
    # the schema and its documentation page (motiva.api.urls)
    found.append(("api_schema", "get", "/api/schema/", None, lambda user: 200, None))
    found.append(("api_docs", "get", "/api/docs/", None, lambda user: 200, None))
    # helper F's example endpoints (motiva.api.base)
    found.append(("api:organizations", "get", "/api/v1/organizations/", None, lambda user: 200, None))
    found.append(
        ("api:organization", "get", f"/api/v1/organizations/{company.pk}/", None, company_object, None)
    )
    found.append(
        ("api:organization", "get", f"/api/v1/organizations/{cast['other'].pk}/", None, other_object, None)
    )
    for name in ("units", "people", "indicators", "scales", "cards", "periods", "runs", "results"):
        found.append((f"api:{name}", "get", f"/api/v1/{name}/", None, lambda user: 200, None))
    found.append(
        ("api:unit", "get", f"/api/v1/units/{cast['units']['sales'].pk}/", None, company_object, None)
    )
    other_unit = cast["people"]["outsider"].assignments.get().unit
    found.append(("api:unit", "get", f"/api/v1/units/{other_unit.pk}/", None, other_object, None))
    for person, employee in people.items():
        if person == "outsider":
            expect = other_object
        else:
            expect = lambda user, p=person: 200 if may_open_card(user, p) else 404  # noqa: E731
        found.append(("api:person", "get", f"/api/v1/people/{employee.pk}/", None, expect, person))
    found.append(("api:indicator", "get", f"/api/v1/indicators/{cast['indicator'].pk}/", None, library, None))
    found.append(
        (
            "api:indicator",
            "get",
            f"/api/v1/indicators/{cast['other_indicator'].pk}/",
            None,
            lambda user: other_object(user, False),
            None,
        )
    )
    found.append(("api:scale", "get", f"/api/v1/scales/{cast['scale'].pk}/", None, library, None))
    found.append(
        (
            "api:scale",
            "get",
            f"/api/v1/scales/{cast['other_scale'].pk}/",
            None,
            lambda user: other_object(user, False),
            None,
        )
    )
    for card in Card.objects.select_related("employee__user"):
        person = card.employee.user.username
        if person == "outsider":
            expect = other_object
        else:
            expect = lambda user, p=person: 200 if may_open_card(user, p) else 404  # noqa: E731
        found.append(("api:card", "get", f"/api/v1/cards/{card.pk}/", None, expect, person))
    found.append(("api:period", "get", f"/api/v1/periods/{period.pk}/", None, company_object, None))
    found.append(
        ("api:period", "get", f"/api/v1/periods/{cast['other_period'].pk}/", None, other_object, None)
    )
    found.append(("api:run", "get", f"/api/v1/runs/{run.pk}/", None, runs, None))
    found.append(
        (
            "api:run",
            "get",
            f"/api/v1/runs/{cast['other_run'].pk}/",
            None,
            lambda user: other_object(user, False),
            None,
        )
    )
    for result in EmployeeResult.objects.select_related("employee__user"):
        person = result.employee.user.username
        if person == "outsider":
            expect = lambda user: other_object(user, False)  # noqa: E731
        else:
            expect = lambda user, p=person: result_of(user, p)  # noqa: E731
        found.append(("api:result", "get", f"/api/v1/results/{result.pk}/", None, expect, person))
    # writes: each leaves the data as it was when it is accepted (the same value) or changes nothing
    same = {
        "values": [
            {"indicator": "SALES", "kind": "fact", "scope": "employee", "employee": "7", "value": "110"}
        ]
    }
    found.append(
        ("api:period_values", "post", f"/api/v1/periods/{period.pk}/values/", same, values_post, None)
    )
    found.append(
        (
            "api:period_values",
            "post",
            f"/api/v1/periods/{cast['other_period'].pk}/values/",
            {
                "values": [
                    {"indicator": "OTHER", "kind": "fact", "scope": "employee", "employee": "1", "value": "1"}
                ]
            },
            lambda user: {"admin": 403, "outsider": 403}.get(user, 404),
            None,
        )
    )
    anna = people["anna"]
    found.append(("api:person_absences", "get", f"/api/v1/people/{anna.pk}/absences/", None, hr_only, "anna"))
    found.append(
        (
            "api:person_absences",
            "post",
            f"/api/v1/people/{anna.pk}/absences/",
            {"kind": "vacation", "start_date": "2026-03-10", "end_date": "2026-03-09"},  # refused: ends first
            lambda user: hr_only(user, 400),
            None,
        )
    )
    found.append(
        (
            "api:person_absences",
            "get",
            f"/api/v1/people/{people['outsider'].pk}/absences/",
            None,
            lambda user: 404,
            None,
        )
    )
    timesheets = f"/api/v1/periods/{period.pk}/timesheets/"
    found.append(("api:period_timesheets", "get", timesheets, None, hr_only, None))
    found.append(
        (
            "api:period_timesheets",
            "post",
            timesheets,
            {"employee": "7", "hours": "-1"},  # refused: hours are 0 or more
            lambda user: hr_only(user, 400),
            None,
        )
    )
    found.append(
        (
            "api:period_timesheets",
            "get",
            f"/api/v1/periods/{cast['other_period'].pk}/timesheets/",
            None,
            lambda user: 404,
            None,
        )
    )
    from motiva.imports.models import ImportJob

    for uploader in ("hr", "boss"):
        job = ImportJob.objects.create(
            organization=company,
            kind="facts",
            period=period,
            original_name=f"{uploader}.csv",
            sha256="0" * 64,
            created_by=cast["users"][uploader],
            counts={"created": 3},
        )
        expect = lambda user, u=uploader: 200 if user in ("hr", u) else 404  # noqa: E731
        found.append(("api:import_job", "get", f"/api/v1/imports/{job.pk}/", None, expect, None))
    other_job = ImportJob.objects.create(
        organization=cast["other"],
        kind="facts",
        original_name="other.csv",
        sha256="1" * 64,
        created_by=cast["users"]["admin"],
    )
    found.append(
        (
            "api:import_job",
            "get",
            f"/api/v1/imports/{other_job.pk}/",
            None,
            lambda u: 200 if u == "admin" else 404,
            None,
        )
    )
    return found


def api_routes() -> set[str]:
    """Every named route of the API (under /api/) in the site's resolver, as "namespace:name"."""
    names = set()

    def walk(patterns, prefix, namespace):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                inner = (
                    f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
                )
                walk(p.url_patterns, route, inner)
            elif isinstance(p, URLPattern) and route.startswith("api/") and p.name:  # not the 404 catch-all
                names.add(f"{namespace}:{p.name}" if namespace else str(p.name))

    walk(get_resolver().url_patterns, "", "")
    return names


def test_the_walk_covers_every_route_of_the_api(cast):
    walked = {name for name, *_rest in cases(cast)}
    assert api_routes() - walked == set(), "API routes without expectations in the walk"


def leaks(user, body: str) -> list[str]:
    found = []
    for person in set(SALARIES) | set(PAY):
        if user is None or not may_see_pay(user, person):
            found += [f"{person}: {v}" for v in money_of(person) if v in body]
    return found


@pytest.mark.parametrize("user", CAST)
def test_every_endpoint_with_every_user(cast, user):
    client = client_for(cast, user)
    mounted = api_routes()
    for name, method, url, body, expect, _person in cases(cast):
        if name not in mounted:
            continue  # an endpoint of the walk not mounted in this url configuration
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, json.dumps(body), content_type="application/json")
        want = ANONYMOUS if user is None else (expect(user),)
        if user is None and name == "api_docs":
            want = (302,)  # the documentation page is a page of the site: to the login
        if user is None and name == "api_schema":
            want = (200,)  # the schema is public (it names no data)
        assert response.status_code in want, f"{user} {method.upper()} {url} ({name}): {response.status_code}"
        text = response.content.decode()
        assert not leaks(user, text), f"{user} {method.upper()} {url}: pay shown {leaks(user, text)}"
        if response.status_code == 404:
            assert "Чужак" not in text and "Аннина" not in text


def items(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


@pytest.mark.parametrize("user", [u for u in CAST if u is not None])
def test_lists_hold_exactly_what_the_user_may_see(cast, user):
    client = client_for(cast, user)
    name_of = {e.pk: n for n, e in cast["people"].items()}
    everyone = set(cast["people"]) - {"outsider"}
    if user == "admin":
        may_see = set(cast["people"])
    elif user == "outsider":
        may_see = {"outsider"}
    else:
        may_see = {p for p in everyone if may_open_card(user, p)}
    people = {name_of[p["id"]]: p for p in items(client.get("/api/v1/people/?page_size=100"))}
    assert set(people) == may_see
    for person, row in people.items():
        salary = row["assignment"]["salary"]
        assert (salary is not None) == may_see_pay(user, person), person
    cards = {name_of[c["employee"]] for c in items(client.get("/api/v1/cards/?page_size=100"))}
    assert cards == may_see & {"boss", "boss2", "anna", "boris", "carl", "outsider"}
    results = {name_of[r["employee"]]: r for r in items(client.get("/api/v1/results/?page_size=100"))}
    if user in COMPANY_READERS or user in MANAGES:
        want = may_see & {"boss", "boss2", "anna", "boris", "carl"}
        if user == "admin":
            want |= {"outsider"}
    else:
        want = set()
    assert set(results) == want
    for person, row in results.items():
        assert (row["pay"] is not None) == (user not in ("auditor", "admin")), person
