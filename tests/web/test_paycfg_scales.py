"""The scale editor: every kind saved through its form (no JSON), refused with the field named, the chart
computed by the engine, and the scale's uses shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motiva.core.models import AuditEvent
from motiva.kpi.models import Scale

pytestmark = pytest.mark.django_db


def management(prefix: str, rows: int) -> dict[str, str]:
    return {f"{prefix}-TOTAL_FORMS": str(rows), f"{prefix}-INITIAL_FORMS": "0"}


# One valid form per kind, as a browser posts it (numbers typed the Russian way), and what is stored.
VALID = {
    "ratio": ({"floor": "0", "cap": "150"}, {"floor": "0", "cap": "150"}),
    "corridor": (
        {
            "below_threshold_score": "0",
            "threshold_score": "75",
            "target_score": "100",
            "maximum_score": "125",
            "threshold_inclusive": "on",
            "target_inclusive": "on",
            "maximum_inclusive": "on",
        },
        {"threshold_score": "75", "maximum_score": "125", "threshold_inclusive": True},
    ),
    "threshold_target_max": (
        {"threshold_score": "50", "target_score": "100", "maximum_score": "150", "interpolate": "on"},
        {"interpolate": True, "maximum_score": "150", "target_inclusive": False},
    ),
    "step_table": (
        {
            **management("steps", 3),
            "steps-0-min_attainment": "105",
            "steps-0-score": "50",
            "steps-0-label": "выше плана",
            "steps-0-inclusive": "on",
            "steps-1-min_attainment": "100",
            "steps-1-score": "30",
            "steps-1-inclusive": "on",
            "steps-2-min_attainment": "60",
            "steps-2-score": "10",
            "below_score": "0",
            "below_label": "недопустимо низкий",
        },
        {
            "steps": [
                {"min_attainment": "105", "score": "50", "label": "выше плана", "inclusive": True},
                {"min_attainment": "100", "score": "30", "label": "", "inclusive": True},
                {"min_attainment": "60", "score": "10", "label": "", "inclusive": False},
            ],
            "below_label": "недопустимо низкий",
        },
    ),
    "discrete_levels": (
        {
            **management("levels", 2),
            "levels-0-code": "none",
            "levels-0-label": "нет подопечных",
            "levels-0-value": "1",
            "levels-1-code": "mentor",
            "levels-1-value": "1,3",
            "as_multiplier": "on",
        },
        {
            "as_multiplier": True,
            "levels": [
                {"code": "none", "label": "нет подопечных", "value": "1"},
                {"code": "mentor", "label": "mentor", "value": "1.3"},
            ],
        },
    ),
    "binary": (
        {"event": "achievement", "score_if_good": "100", "score_if_bad": "0"},
        {"event_is_failure": False, "score_if_good": "100"},
    ),
    "penalty_points": (
        {"base_score": "100", "points_per_violation": "2", "score_per_point": "10", "floor": "0"},
        {"points_per_violation": "2", "score_per_point": "10"},
    ),
    "rating": (
        {"rating_m2": "0", "rating_m1": "50", "rating_0": "80", "rating_p1": "100", "rating_p2": "120"},
        {"mapping": {"-2": "0", "-1": "50", "0": "80", "1": "100", "2": "120"}},
    ),
}

# One bad value per kind: (posted fields that override the valid ones, the input named, a word of the message).
BAD = {
    "ratio": ({"floor": "200"}, "cap", "нижней границы"),
    "corridor": ({"target_score": "130"}, "maximum_score", "не может быть меньше"),
    "threshold_target_max": ({"threshold_score": "двадцать"}, "threshold_score", "число"),
    "step_table": ({"steps-1-min_attainment": "110"}, "steps-1-min_attainment", "от большего"),
    "discrete_levels": ({"levels-1-code": "none"}, "levels-1-code", "повторяется"),
    "binary": ({"score_if_bad": "120"}, "score_if_bad", "плохом"),
    "penalty_points": ({"score_per_point": "0"}, "score_per_point", "больше нуля"),
    "rating": ({"rating_p1": "10"}, "rating_p1", "не может быть меньше"),
}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_each_kind_is_saved_through_the_form(client, cast, kind):
    company = cast["company"]
    client.force_login(cast["users"]["hr"])
    posted, stored = VALID[kind]
    url = reverse("paycfg_scale_new", args=[company.pk])
    assert client.get(url + f"?kind={kind}").status_code == 200
    response = client.post(url, {"kind": kind, "name": f"Шкала {kind}", **posted})
    assert response.status_code == 302, response.content.decode()[:3000]
    scale = Scale.objects.get(organization=company, name=f"Шкала {kind}")
    assert scale.kind == kind
    for key, value in stored.items():
        assert scale.params[key] == value, (key, scale.params)
    assert AuditEvent.objects.filter(entity_type="kpi.Scale", entity_id=str(scale.pk)).exists()
    # The editor shows the stored values again, and saving unchanged keeps them.
    edit = reverse("paycfg_scale_edit", args=[company.pk, scale.pk])
    page = client.get(edit)
    assert page.status_code == 200
    before = dict(scale.params)
    again = client.post(edit, {"kind": kind, "name": scale.name, **posted})
    assert again.status_code == 302
    scale.refresh_from_db()
    assert scale.params == before


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_value_is_refused_next_to_its_field(client, cast, kind):
    company = cast["company"]
    client.force_login(cast["users"]["hr"])
    posted, _stored = VALID[kind]
    override, field, words = BAD[kind]
    count = Scale.objects.count()
    response = client.post(
        reverse("paycfg_scale_new", args=[company.pk]),
        {"kind": kind, "name": "Плохая", **posted, **override},
    )
    assert response.status_code == 400
    assert Scale.objects.count() == count
    page = response.content.decode()
    assert words in page, page[:5000]
    # The message sits in the cell or label of the named input.
    marker = page.index(f'name="{field}"')
    assert words in page[marker : marker + 1500]


def test_the_chart_is_computed_by_the_engine_as_the_user_types(client, cast):
    client.force_login(cast["users"]["hr"])
    url = reverse("paycfg_scale_chart", args=[cast["company"].pk])
    answer = client.post(url, {"kind": "ratio", "floor": "0", "cap": "120"}).json()
    points = dict(answer["chart"]["points"])
    assert points["100"] == "100" and points["160"] == "120" and points["50"] == "50"
    corridor = client.post(
        url,
        {
            "kind": "corridor",
            "below_threshold_score": "0",
            "threshold_score": "75",
            "target_score": "100",
            "maximum_score": "125",
            "threshold_inclusive": "on",
            "target_inclusive": "on",
            "maximum_inclusive": "on",
        },
    ).json()
    points = dict(corridor["chart"]["points"])
    assert (
        points["78"] == "0" and points["80"] == "75" and points["110"] == "112.5" and points["140"] == "125"
    )
    bad = client.post(url, {"kind": "ratio", "floor": "abc"}).json()
    assert bad["chart"] is None and "floor" in bad["errors"]
    levels = client.post(
        url,
        {
            "kind": "rating",
            "rating_m2": "0",
            "rating_m1": "50",
            "rating_0": "80",
            "rating_p1": "100",
            "rating_p2": "120",
        },
    ).json()
    assert levels["chart"]["values"] == ["0", "50", "80", "100", "120"]
    assert client.post(url, {"kind": "nonsense"}).status_code == 400
    assert client.get(url).status_code == 405


def test_a_scale_shows_where_it_is_used_and_warns_of_a_calculated_open_period(client, cast):
    client.force_login(cast["users"]["hr"])
    scale = cast["scale"]
    page = client.get(reverse("paycfg_scale_edit", args=[cast["company"].pk, scale.pk])).content.decode()
    assert "Менеджер" in page  # the template of the seller's position
    assert cast["period"].name in page
    assert "уже рассчитан" in page
    detail = client.get(reverse("scale", args=[cast["company"].pk, scale.pk])).content.decode()
    assert "Менеджер" in detail and "уже рассчитан" in detail


def test_changing_the_kind_of_a_scale_is_saved_and_audited(client, cast):
    client.force_login(cast["users"]["hr"])
    scale = cast["scale"]
    url = reverse("paycfg_scale_edit", args=[cast["company"].pk, scale.pk])
    assert "корид" in client.get(url + "?kind=corridor").content.decode().lower()
    response = client.post(
        url,
        {
            "kind": "penalty_points",
            "name": scale.name,
            "base_score": "100",
            "points_per_violation": "1",
            "score_per_point": "5",
            "floor": "0",
            "reason": "по новому положению",
        },
    )
    assert response.status_code == 302
    scale.refresh_from_db()
    assert scale.kind == "penalty_points" and scale.params["score_per_point"] == "5"
    event = (
        AuditEvent.objects.filter(entity_type="kpi.Scale", entity_id=str(scale.pk), field="kind")
        .order_by("-id")
        .first()
    )
    assert event.reason == "по новому положению"


@pytest.mark.parametrize(
    "query",
    ["", "?kind=ratio", "?kind=%00", "?kind=rating&q=Оцен", "?q=" + "я" * 300, "?q=%27%22<x>", "?kind[]=1"],
)
def test_the_scale_list_takes_any_filter(client, cast, query):
    client.force_login(cast["users"]["hr"])
    response = client.get(reverse("paycfg_scales", args=[cast["company"].pk]) + query)
    assert response.status_code == 200
    if query in ("", "?kind=ratio"):
        assert "Факт/план" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["?kind=", "?kind=corridor", "?kind=%D0%B6", "?kind=RATIO", "?kind=step_table&kind=x"]
)
def test_the_scale_editor_takes_any_kind(client, cast, query):
    client.force_login(cast["users"]["hr"])
    assert client.get(reverse("paycfg_scale_new", args=[cast["company"].pk]) + query).status_code == 200
    assert (
        client.get(
            reverse("paycfg_scale_edit", args=[cast["company"].pk, cast["scale"].pk]) + query
        ).status_code
        == 200
    )


@pytest.mark.parametrize("kind", sorted(VALID))
def test_the_page_posts_back_what_it_shows(client, cast, kind):
    """Opening a scale and saving it without a change keeps its parameters and records no change."""
    from tests.web.test_paycfg_schemes import FormValues

    client.force_login(cast["users"]["hr"])
    posted, _stored = VALID[kind]
    client.post(
        reverse("paycfg_scale_new", args=[cast["company"].pk]), {"kind": kind, "name": "Как есть", **posted}
    )
    scale = Scale.objects.get(organization=cast["company"], name="Как есть")
    stored = dict(scale.params)
    url = reverse("paycfg_scale_edit", args=[cast["company"].pk, scale.pk])
    parser = FormValues("scale-form")
    parser.feed(client.get(url).content.decode())
    assert client.post(url, parser.values).status_code == 302
    scale.refresh_from_db()
    assert scale.params == stored
    assert not AuditEvent.objects.filter(entity_type="kpi.Scale", entity_id=str(scale.pk), action="update")


def test_a_new_kind_needing_plan_values_the_lines_lack_is_refused(client, cast):
    """The cards use the ratio scale with a target only: a corridor would need a threshold and a maximum."""
    client.force_login(cast["users"]["hr"])
    scale = cast["scale"]
    response = client.post(
        reverse("paycfg_scale_edit", args=[cast["company"].pk, scale.pk]),
        {
            "kind": "corridor",
            "name": scale.name,
            "below_threshold_score": "0",
            "threshold_score": "75",
            "target_score": "100",
            "maximum_score": "125",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "без значения «порог»" in page and "без значения «максимум»" in page
    scale.refresh_from_db()
    assert scale.kind == "ratio"
