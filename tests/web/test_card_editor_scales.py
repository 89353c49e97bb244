"""The card editor and the new line fields: percents of the plan and gates are saved and offered again,
and the editor's warning on plan values follows the indicator's direction (the script run in Node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from motiva.kpi import services as kpi
from motiva.kpi.models import CardTemplate

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "motiva" / "card_editor.js"


@pytest.mark.django_db
def test_percent_points_and_a_gate_are_saved_and_offered_again(client, cast):
    client.force_login(cast["users"]["hr"])
    position = cast["people"]["anna"].assignments.get().position
    url = reverse("template_edit", args=[cast["company"].pk, position.pk])
    line = {
        "line-0-component": "indicator",
        "line-0-indicator": cast["indicator"].pk,
        "line-0-level": "personal",
        "line-0-weight": "100",
        "line-0-scale": cast["scale"].pk,
        "line-0-target": "1000",
        "line-0-threshold_percent": "80",
        "line-0-gate_threshold_percent": "90",
        "line-0-gate_cut_percent": "50",
    }
    response = client.post(url, {"valid_from": "2026-04-01", **line})
    assert response.status_code == 302
    saved = CardTemplate.objects.filter(position=position).order_by("-version").first().lines.get()
    assert (saved.threshold_percent, saved.gate_threshold_percent, saved.gate_cut_percent) == (80, 90, 50)
    page = client.get(url).content.decode()
    assert '"threshold_percent": "80"' in page and '"gate_cut_percent": "50"' in page
    assert '"direction": "higher"' in page


@pytest.mark.django_db
def test_a_weight_on_a_monitoring_only_indicator_is_refused_on_the_page(client, cast):
    client.force_login(cast["users"]["hr"])
    watched = kpi.indicator_create(
        actor=cast["users"]["hr"], organization=cast["company"], code="NPS", name="NPS", monitoring_only=True
    )
    position = cast["people"]["anna"].assignments.get().position
    url = reverse("template_edit", args=[cast["company"].pk, position.pk])
    response = client.post(
        url,
        {
            "valid_from": "2026-04-01",
            "line-0-component": "indicator",
            "line-0-indicator": watched.pk,
            "line-0-level": "personal",
            "line-0-weight": "100",
            "line-0-scale": cast["scale"].pk,
            "line-0-target": "60",
        },
    )
    assert response.status_code == 400
    assert "только для мониторинга" in response.content.decode()


def _warnings(
    lines: list[dict[str, str]], indicators: list[dict[str, object]], lang: str = "ru"
) -> list[str]:
    """The editor's warning for each line, from the script itself."""
    program = f"""
    global.document = {{ documentElement: {{ lang: {json.dumps(lang)} }},
                         getElementById: () => ({{ textContent: {
        json.dumps(
            json.dumps(
                {"lines": lines, "indicators": indicators, "scales": [], "levels": [], "components": []}
            )
        )
    } }}) }};
    // the component as Alpine's CSP build receives it: registered by name on alpine:init
    global.window = {{ Alpine: {{ data: (name, make) => {{ window[name] = make; }} }} }};
    global.document.addEventListener = (event, run) => {{ if (event === "alpine:init") run(); }};
    require({json.dumps(str(SCRIPT))});
    const editor = window.cardEditor();
    console.log(JSON.stringify(editor.lines.map((line) => editor.order(line))));
    """
    done = subprocess.run(
        [shutil.which("node") or "node", "-e", program], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the editor's script")
def test_the_editors_threshold_warning_follows_the_direction():
    indicators = [
        {"id": 1, "direction": "higher"},
        {"id": 2, "direction": "lower"},
        {"id": 3, "direction": "higher", "monitoring_only": True},
    ]

    def line(indicator: int, **values: str) -> dict[str, str]:
        return {"component": "indicator", "indicator": str(indicator), "weight": "0", **values}

    warnings = _warnings(
        [
            line(1, threshold="80", target="100", maximum="120"),  # fine
            line(1, threshold="120", target="100", maximum="130"),  # threshold above target
            line(
                2, threshold="1200", target="800", maximum="400"
            ),  # lower is better: fine (it warned "threshold above target" before)
            line(2, threshold="400", target="800", maximum="1200"),  # lower is better, the wrong way round
            line(
                1, threshold="100", target="100", maximum="120"
            ),  # a threshold equal to the target is a gate: fine
            line(
                1, threshold_percent="80", target="1000", maximum_percent="120"
            ),  # percents of the plan: fine
            line(
                1, threshold_percent="110", target="1000", maximum_percent="120"
            ),  # a threshold of 1100 above the target
            line(3, weight="10", target="100"),  # a weight on a monitoring-only indicator
        ],
        indicators,
    )
    assert warnings == [
        "",
        "порог выше цели",
        "",
        "порог ниже цели (меньше — лучше)",
        "",
        "",
        "порог выше цели",
        "только мониторинг: вес должен быть 0",
    ]
    assert _warnings([line(2, threshold="400", target="800")], indicators, "en") == [
        "threshold below target (lower is better)"
    ]


@pytest.mark.django_db
def test_the_employee_sees_fixed_pay_and_remuneration_of_a_fixed_variable_scheme(client, cast):
    from motiva.calc.runs import calculation_run_create
    from motiva.kpi.models import Card

    hr = cast["users"]["hr"]
    scheme = kpi.scheme_create(
        actor=hr,
        organization=cast["company"],
        name="60/40",
        kind="fixed_variable",
        params={"variable_share": {"default": "40"}},
    )
    anna = cast["people"]["anna"]
    Card.objects.filter(employee=anna, period=cast["period"]).update(scheme=scheme)
    calculation_run_create(actor=hr, period=cast["period"])
    client.force_login(cast["users"]["anna"])
    page = client.get(
        reverse("employee_card", args=[cast["company"].pk, anna.pk]), {"period": cast["period"].pk}
    ).content.decode()
    assert 'data-testid="remuneration"' in page and "Вознаграждение" in page
    assert "Постоянная часть" in page
