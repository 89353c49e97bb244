"""The header's search: each user finds only the people, units and indicators they may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

EVERYONE = {
    "Директоров",
    "Кадрова",
    "Финансова",
    "Проверкина",
    "Начальников",
    "Сервисов",
    "Аннина",
    "Борисов",
    "Карлов",
}


def found_people(client, cast, user: str, q: str) -> set[str]:
    client.force_login(cast["users"][user])
    response = client.get(reverse("search", args=[cast["company"].pk]), {"q": q})
    assert response.status_code == 200
    return {row["employee"].last_name for row in response.context.get("people", [])}


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("hr", EVERYONE),
        ("auditor", EVERYONE),
        ("gd", EVERYONE),
        ("boss", {"Начальников", "Аннина", "Борисов"}),
        ("boss2", {"Сервисов", "Карлов"}),
        ("anna", {"Аннина"}),
        ("carl", {"Карлов"}),
    ],
)
def test_each_user_finds_only_the_people_they_may_see(client, cast, user, expected):
    assert found_people(client, cast, user, "Anna") <= {"Аннина"}
    # every surname of the cast holds "ов" or "на"
    assert found_people(client, cast, user, "ов") | found_people(client, cast, user, "на") == expected


def test_a_personnel_number_finds_the_person(client, cast):
    assert found_people(client, cast, "hr", "7") == {"Аннина"}
    assert found_people(client, cast, "boss2", "7") == set()  # Anna is not in his subtree


def test_the_outsider_and_another_organization(client, cast):
    client.force_login(cast["users"]["outsider"])
    assert client.get(reverse("search", args=[cast["company"].pk]), {"q": "Аннина"}).status_code == 404
    response = client.get(reverse("search", args=[cast["other"].pk]), {"q": "Аннина"})
    assert response.status_code == 200 and not response.context["people"]


def test_units_and_indicators(client, cast):
    client.force_login(cast["users"]["hr"])
    response = client.get(reverse("search", args=[cast["company"].pk]), {"q": "продаж"})
    assert [r["unit"].name for r in response.context["units"]] == ["Отдел продаж"]
    assert [r["indicator"].code for r in response.context["indicators"]] == ["SALES"]
    assert response.context["indicators"][0]["url"].endswith(f"/indicators/{cast['indicator'].pk}/")
    # an employee finds the indicator on their own card, without a link into the library
    client.force_login(cast["users"]["anna"])
    response = client.get(reverse("search", args=[cast["company"].pk]), {"q": "SALES"})
    assert [r["indicator"].code for r in response.context["indicators"]] == ["SALES"]
    assert response.context["indicators"][0]["url"] is None
    # the other organization's indicator is never found here
    response = client.get(reverse("search", args=[cast["company"].pk]), {"q": "Чужой"})
    assert not response.context["indicators"] and not response.context["people"]


@pytest.mark.parametrize(
    "q",
    [
        "",
        " ",
        "a",
        "я" * 101,
        "%",
        "_",
        "' OR 1=1 --",
        "<script>",
        "\x00",
        "Аннина Anna Extra Words And More",
        "😀😀",
    ],
)
def test_odd_queries_answer_with_a_message_or_results(client, cast, q):
    client.force_login(cast["users"]["anna"])
    response = client.get(reverse("search", args=[cast["company"].pk]), {"q": q})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>" not in body.split("<main>")[1]
    if len(q.strip()) < 2 or len(q) > 100:
        assert 'data-testid="error-q"' in body
    found = {r["employee"].last_name for r in response.context.get("people", [])}
    assert found <= {"Аннина"}


def test_the_header_holds_the_search_field(client, cast):
    client.force_login(cast["users"]["anna"])
    body = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("search", args=[cast["company"].pk])}"' in body
