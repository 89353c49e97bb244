"""The pay-scheme editor: every kind saved through its form (tables as rows, no JSON), refused with the field
named, and the preview of one person's pay under unsaved settings — the same pay a real run gives."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from motiva.calc import runs
from motiva.calc.models import CalculationRun, EmployeeResult
from motiva.core.models import AuditEvent
from motiva.kpi import services as kpi
from motiva.kpi.models import PayScheme
from motiva.web.templatetags.motiva import money

pytestmark = pytest.mark.django_db

TABLES = (
    "seniority_bands",
    "piece_rates",
    "total_steps",
    "total_points",
    "percent_by_grade",
    "target_bonus_percent",
    "level_shares",
    "coefficients",
    "leadership",
)


def posted(kind: str, **fields: str) -> dict[str, str]:
    """What the page posts: every table's row count (0 unless rows are given) and the fields."""
    data = {"kind": kind, "name": f"Схема {kind}"}
    for prefix in TABLES:
        rows = {k.split("-")[1] for k in fields if k.startswith(prefix + "-")}
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return {**data, **fields}


VALID = {
    "fixed_variable": (
        {
            "variable_share__director": "30",
            "variable_share__manager": "40",
            "variable_share__sales": "80",
            "variable_share__default": "20",
            "caps__sales": "150",
            "caps__default": "120",
            "proration": "leave_month_half",
        },
        {
            "variable_share": {"director": "30", "manager": "40", "sales": "80", "default": "20"},
            "caps": {"sales": "150", "default": "120"},
            "proration": "leave_month_half",
        },
    ),
    "target_bonus": (
        {
            "basis": "salary_percent",
            "percent": "15",
            "percent_by_grade-0-block": "default",
            "percent_by_grade-0-grade": "G3",
            "percent_by_grade-0-percent": "25",
            "percent_by_grade-1-block": "production",
            "percent_by_grade-1-grade": "default",
            "percent_by_grade-1-percent": "10",
            "seniority_bands-0-low": "1",
            "seniority_bands-0-high": "5",
            "seniority_bands-0-percent": "10",
            "seniority_bands-1-low": "5",
            "seniority_bands-1-percent": "15",
        },
        {
            "basis": "salary_percent",
            "percent_by_grade": {"default": {"G3": "25"}, "production": {"default": "10"}},
            "seniority_bands": [["1", "5", "10"], ["5", None, "15"]],
        },
    ),
    "three_level": (
        {
            "target_bonus_percent-0-block": "default",
            "target_bonus_percent-0-grade": "default",
            "target_bonus_percent-0-percent": "20",
            "level_shares-0-grade": "default",
            "level_shares-0-company": "20",
            "level_shares-0-unit": "30",
            "level_shares-0-personal": "50",
            "level_periods__company__default": "year",
            "level_periods__unit__production": "quarter",
            "no_threshold": "on",
        },
        {
            "target_bonus_percent": {"default": {"default": "20"}},
            "level_shares": {"default": ["20", "30", "50"]},
            "level_periods": {"company": "year", "unit": {"production": "quarter"}},
            "no_threshold": True,
        },
    ),
    "planned_amount": ({"monthly_total": "30 000"}, {"monthly_total": "30000"}),
    "ktu_pool": (
        {"ktu_indicator": "KTU", "ktu_step": "0,1", "share_value": "30", "ktu_time_weighted": "on"},
        {"ktu_indicator": "KTU", "ktu_step": "0.1", "share_value": "30"},
    ),
    "coefficient_sum": (
        {
            "coefficients-0-name": "K_sales",
            "coefficients-0-formula": "min(SALES / 100, 1.2) * 0.3",
            "leadership-0-value": "0.6",
            "leadership-1-value": "0.4",
            "leadership-2-value": "0.2",
            "rank_indicator": "SALES",
            "rank_direction": "higher",
            "certification_percent": "8",
            "specialization_percent": "8",
            "specialization_max": "15",
        },
        {
            "coefficients": {"K_sales": "min(SALES / 100, 1.2) * 0.3"},
            "leadership": ["0.6", "0.4", "0.2"],
            "rank_indicator": "SALES",
            "specialization_percent": {"min": "8", "max": "15"},
        },
    ),
    "step_bonus": (
        {
            "bonus_base": "salary",
            "total_scale_kind": "step_table",
            "total_steps-0-min_attainment": "105",
            "total_steps-0-score": "50",
            "total_steps-0-inclusive": "on",
            "total_steps-1-min_attainment": "100",
            "total_steps-1-score": "30",
            "total_steps-1-inclusive": "on",
            "total_steps-2-min_attainment": "60",
            "total_steps-2-score": "10",
            "total_steps-2-inclusive": "on",
            "total_below_score": "0",
        },
        {
            "bonus_base": "salary",
            "total_scale": {
                "kind": "step_table",
                "steps": [
                    {"min_attainment": "105", "score": "50", "label": "", "inclusive": True},
                    {"min_attainment": "100", "score": "30", "label": "", "inclusive": True},
                    {"min_attainment": "60", "score": "10", "label": "", "inclusive": True},
                ],
                "below_score": "0",
            },
        },
    ),
    "annual_salary_percent": (
        {
            "percent_at_plan": "150",
            "total_scale_kind": "curve",
            "total_points-0-result": "80",
            "total_points-0-payout": "0",
            "total_points-1-result": "120",
            "total_points-1-payout": "150",
        },
        {
            "percent_at_plan": "150",
            "total_scale": {
                "kind": "curve",
                "points": [{"result": "80", "payout": "0"}, {"result": "120", "payout": "150"}],
            },
        },
    ),
}

# A bad value per kind: (fields overriding the valid ones, the input the message must sit at, a word of it).
BAD = {
    "fixed_variable": ({"variable_share__sales": "-5"}, "variable_share__sales", "отрицательным"),
    "target_bonus": ({"percent_by_grade-0-percent": "-1"}, "percent_by_grade-0-percent", "отрицательным"),
    "three_level": ({"level_shares-0-unit": "-30"}, "level_shares-0-unit", "отрицательным"),
    "planned_amount": ({"monthly_total": "-1"}, "monthly_total", "отрицательным"),
    "ktu_pool": ({"ktu_step": "сто"}, "ktu_step", "число"),
    "coefficient_sum": ({"leadership-1-value": "-0.4"}, "leadership-1-value", "отрицательным"),
    "step_bonus": ({"total_steps-1-min_attainment": "110"}, "total_steps-1-min_attainment", "от большего"),
    "annual_salary_percent": ({"total_points-1-payout": "-1"}, "total_points-1-payout", "отрицательной"),
}


def test_every_kind_has_a_valid_and_a_bad_example():
    from motiva.kpi.models import SchemeKind

    assert set(VALID) == set(BAD) == set(SchemeKind.values)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_each_kind_is_saved_through_the_form(client, cast, kind):
    company = cast["company"]
    client.force_login(cast["users"]["hr"])
    fields, stored = VALID[kind]
    url = reverse("paycfg_scheme_new", args=[company.pk])
    assert client.get(url + f"?kind={kind}").status_code == 200
    response = client.post(url, posted(kind, **fields))
    assert response.status_code == 302, response.content.decode()[:4000]
    scheme = PayScheme.objects.get(organization=company, name=f"Схема {kind}")
    assert scheme.kind == kind
    for key, value in stored.items():
        assert scheme.params[key] == value, (key, scheme.params)
    assert AuditEvent.objects.filter(entity_type="kpi.PayScheme", entity_id=str(scheme.pk)).exists()
    # The editor shows it again; saving it unchanged keeps the parameters as they are.
    edit = reverse("paycfg_scheme_edit", args=[company.pk, scheme.pk])
    page = client.get(edit).content.decode()
    assert f"Схема {kind}" in page
    before = dict(scheme.params)
    again = client.post(edit, posted(kind, **fields))
    assert again.status_code == 302, again.content.decode()[:4000]
    scheme.refresh_from_db()
    assert scheme.params == before


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_value_is_refused_next_to_its_field(client, cast, kind):
    client.force_login(cast["users"]["hr"])
    fields, _stored = VALID[kind]
    override, name, words = BAD[kind]
    count = PayScheme.objects.count()
    response = client.post(
        reverse("paycfg_scheme_new", args=[cast["company"].pk]), posted(kind, **{**fields, **override})
    )
    assert response.status_code == 400
    assert PayScheme.objects.count() == count
    page = response.content.decode()
    assert "Ничего не сохранено" in page
    marker = page.index(f'name="{name}"')
    assert words in page[marker : marker + 1500], page[marker : marker + 1500]


def test_an_edit_is_audited_with_its_reason_and_a_calculated_open_period_warns(client, cast):
    client.force_login(cast["users"]["hr"])
    scheme = PayScheme.objects.get(organization=cast["company"], name="20 %")
    url = reverse("paycfg_scheme_edit", args=[cast["company"].pk, scheme.pk])
    page = client.get(url).content.decode()
    assert "уже рассчитанных" in page and cast["period"].name in page and "Менеджер" in page
    response = client.post(
        url,
        posted("target_bonus", name="20 %", basis="salary_percent", percent="25", reason="решение правления"),
    )
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.params == {"basis": "salary_percent", "percent": "25"}
    event = AuditEvent.objects.filter(entity_type="kpi.PayScheme", field="params").order_by("-id").first()
    assert event.reason == "решение правления"


PREVIEWED = [
    "target_bonus",
    "fixed_variable",
    "three_level",
    "coefficient_sum",
    "step_bonus",
    "annual_salary_percent",
]


@pytest.mark.parametrize("kind", PREVIEWED)
def test_the_preview_gives_the_pay_a_real_run_gives(client, cast, kind):
    company, period = cast["company"], cast["period"]
    anna = cast["people"]["anna"]
    client.force_login(cast["users"]["hr"])
    fields, _stored = VALID[kind]
    counts = (AuditEvent.objects.count(), CalculationRun.objects.count(), EmployeeResult.objects.count())
    with translation.override("ru"):
        preview = client.post(
            reverse("paycfg_scheme_preview", args=[company.pk]),
            {**posted(kind, **fields), "period": str(period.pk), "personnel_number": anna.personnel_number},
        )
    assert preview.status_code == 200, preview.content.decode()
    page = preview.content.decode()
    # The preview writes nothing.
    assert (
        AuditEvent.objects.count(),
        CalculationRun.objects.count(),
        EmployeeResult.objects.count(),
    ) == counts
    # The same settings, saved and run for real.
    saved = client.post(reverse("paycfg_scheme_new", args=[company.pk]), posted(kind, **fields))
    assert saved.status_code == 302
    params = PayScheme.objects.get(organization=company, name=f"Схема {kind}").params
    scheme = PayScheme.objects.get(organization=company, name="20 %")
    kpi.scheme_update(actor=cast["users"]["admin"], scheme=scheme, kind=kind, params=params)
    run = runs.calculation_run_create(actor=cast["users"]["hr"], period=period)
    pay = EmployeeResult.objects.get(run=run, employee=anna).pay
    with translation.override("ru"):
        shown = money(pay, company.currency)
    assert f'data-testid="preview-total">{shown}<' in page, (shown, page[:3000])
    assert "Аннина" in page and "Как рассчитано" in page


def test_the_preview_says_what_is_wrong_and_is_closed_to_those_who_may_not_see_pay(client, cast):
    company, period = cast["company"], cast["period"]
    url = reverse("paycfg_scheme_preview", args=[company.pk])
    good = {**posted("target_bonus", basis="salary_percent", percent="20"), "period": str(period.pk)}
    client.force_login(cast["users"]["hr"])
    nobody = client.post(url, {**good, "personnel_number": "999"})
    assert nobody.status_code == 400 and "Табельный номер" in nobody.content.decode()
    bad = client.post(url, {**good, "percent": "-3", "personnel_number": "7"})
    assert bad.status_code == 400 and "ошибки" in bad.content.decode()
    odd_period = client.post(url, {**good, "period": "x", "personnel_number": "7"})
    assert odd_period.status_code == 400 and "Период" in odd_period.content.decode()
    other_period = client.post(url, {**good, "period": str(cast["other_period"].pk), "personnel_number": "1"})
    assert other_period.status_code == 400
    assert client.post(url, {**good, "kind": "nonsense"}).status_code == 400
    assert client.get(url).status_code == 405
    for user in ("admin", "auditor", "fin", "anna", "boss", "outsider"):
        client.force_login(cast["users"][user])
        response = client.post(url, {**good, "personnel_number": "7"})
        assert response.status_code == 404, user


@pytest.mark.parametrize(
    "query", ["", "?kind=target_bonus", "?kind=%00", "?kind=three_level&q=20", "?q=" + "я" * 300, "?q=%27<x>"]
)
def test_the_scheme_list_takes_any_filter(client, cast, query):
    client.force_login(cast["users"]["hr"])
    response = client.get(reverse("paycfg_schemes", args=[cast["company"].pk]) + query)
    assert response.status_code == 200
    if query in ("", "?kind=target_bonus"):
        assert "20 %" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["?kind=", "?kind=ktu_pool", "?kind=%D0%B6", "?kind=KTU_POOL", "?kind=a&kind=b"]
)
def test_the_scheme_editor_takes_any_kind(client, cast, query):
    client.force_login(cast["users"]["hr"])
    scheme = PayScheme.objects.get(organization=cast["company"], name="20 %")
    assert client.get(reverse("paycfg_scheme_new", args=[cast["company"].pk]) + query).status_code == 200
    assert (
        client.get(reverse("paycfg_scheme_edit", args=[cast["company"].pk, scheme.pk]) + query).status_code
        == 200
    )


def test_a_post_without_the_tables_is_refused_not_failed(client, cast):
    client.force_login(cast["users"]["hr"])
    response = client.post(
        reverse("paycfg_scheme_new", args=[cast["company"].pk]),
        {"kind": "target_bonus", "name": "Без таблиц"},
    )
    assert response.status_code == 400
    assert not PayScheme.objects.filter(name="Без таблиц").exists()


class FormValues(HTMLParser):
    """What a browser would post from the page's form with the given id (inputs, checked boxes, selects)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.select, self.textarea = form_id, False, None, None
        self.values: dict[str, str] = {}
        self.template = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "template":
            self.template += 1  # the empty row of a table is not posted
        if self.template:
            return
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[name] = "on"
            else:
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "template" and self.template:
            self.template -= 1
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False


@pytest.mark.parametrize("kind", sorted(VALID))
def test_the_page_posts_back_what_it_shows(client, cast, kind):
    """Opening a scheme and saving it without a change keeps every parameter (the page shows all of them)."""
    _fields, stored = VALID[kind]
    scheme = kpi.scheme_create(
        actor=cast["users"]["admin"], organization=cast["company"], name="Как есть", kind=kind, params=stored
    )
    client.force_login(cast["users"]["hr"])
    url = reverse("paycfg_scheme_edit", args=[cast["company"].pk, scheme.pk])
    parser = FormValues("scheme-form")
    parser.feed(client.get(url).content.decode())
    response = client.post(url, parser.values)
    assert response.status_code == 302, response.content.decode()[:3000]
    scheme.refresh_from_db()
    assert scheme.params == stored
    assert not AuditEvent.objects.filter(
        entity_type="kpi.PayScheme", entity_id=str(scheme.pk), action="update"
    )


@pytest.mark.parametrize("value", ["1e5000", "9" * 60, "-1e-5000", "0,0000001", "NaN", "∞", "١٢"])
def test_a_number_out_of_range_is_refused_everywhere_and_nothing_fails(client, cast, value):
    client.force_login(cast["users"]["hr"])
    company = cast["company"].pk
    chart = client.post(reverse("paycfg_scale_chart", args=[company]), {"kind": "ratio", "cap": value}).json()
    assert chart["chart"] is None and chart["errors"]["cap"]
    scale = client.post(
        reverse("paycfg_scale_new", args=[company]), {"kind": "ratio", "name": "Ш", "cap": value}
    )
    assert scale.status_code == 400
    scheme = posted("target_bonus", name="Огромная", basis="salary_percent", percent=value)
    assert client.post(reverse("paycfg_scheme_new", args=[company]), scheme).status_code == 400
    preview = client.post(
        reverse("paycfg_scheme_preview", args=[company]),
        {**scheme, "period": str(cast["period"].pk), "personnel_number": "7"},
    )
    assert preview.status_code == 400
    assert not PayScheme.objects.filter(name="Огромная").exists()
