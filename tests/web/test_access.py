"""The access walk: every page of the site with every user of the cast. Others' objects are 404, and
no salary or bonus appears where the rules say it must not — in pages, lists, exports or the audit log.

The expectations are written out here by hand from SPEC C9, not derived from the policy module."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from tests.base import SALARIES

pytestmark = pytest.mark.django_db

COMPANY_READERS = {"gd", "hr", "fin", "auditor", "admin"}
PAY_READERS = {"gd", "hr", "fin"}
MANAGES = {
    "gd": {"hr", "fin", "auditor", "boss", "boss2", "anna", "boris", "carl"},
    "boss": {"anna", "boris"},
    "boss2": {"carl"},
}
CARDED = ["boss", "boss2", "anna", "boris", "carl"]
# Each carded person's bonus: 20 % of salary × result (facts 100, 100, 110, 90, 120 against a plan of 100).
PAY = {
    "boss": Decimal("18888.80"),
    "boss2": Decimal("19111.00"),
    "anna": Decimal("13444.42"),
    "boris": Decimal("11199.96"),
    "carl": Decimal("15199.92"),
}
PAGES_WITH_ORG = {
    "imports",
    "import_template",
    "import_job",
    "team",
    "org_tree",
    "indicators",
    "indicator_new",
    "indicator_edit",
    "scale",
    "audit",
    "periods",
    "period",
    "facts",
    "run",
    "run_export",
    "employee_card",
    "templates",
    "template_edit",
    "card_edit",
    "template_apply",  # cardversions: a template version applied to existing cards
    "value",
    "value_attachment",
    "worktime_calendar",
    "worktime_calendar_year",
    "search",  # reading: the header's search
    "confirmations",  # factsui: what awaits my confirmation
    # staff: the organization and its people
    "staff_people",
    "staff_hire",
    "staff_person",
    "staff_unit_new",
    "staff_unit",
    "staff_unit_absences",
    "staff_position_new",
    "staff_position",
    "staff_grades",
    "staff_grade",
    # paycfg: scales and pay schemes
    "paycfg_scales",
    "paycfg_scale_new",
    "paycfg_scale_edit",
    "paycfg_schemes",
    "paycfg_scheme_new",
    "paycfg_scheme_edit",
    "change_requests",  # dualcontrol: changes awaiting a second person
    # payroll: the hand-off to 1C:ZUP (tests/payroll/test_pages.py)
    "payroll_run",
    "payroll_download",
    "payroll_mappings",
}


def variants(amount: Decimal) -> set[str]:
    """How an amount can be written on a page or in a file, in either locale."""
    whole, _dot, fraction = f"{amount:.2f}".partition(".")
    groups = f"{int(whole):,}"
    found = {f"{int(whole):d}", groups, groups.replace(",", "\u00a0"), groups.replace(",", " ")}
    if fraction != "00":
        found |= {f"{v}.{fraction}" for v in set(found)} | {f"{v},{fraction}" for v in set(found)}
    return {v for v in found if len(v) >= 5}


def money_of(name: str) -> set[str]:
    found = set()
    if name in SALARIES:
        found |= variants(SALARIES[name])
    if name in PAY:
        found |= variants(PAY[name])
    return found


def may_see_pay(user: str, person: str) -> bool:
    return user in PAY_READERS or user == person or person in MANAGES.get(user, set())


def may_open_card(user: str, person: str) -> bool:
    return user in COMPANY_READERS or user == person or person in MANAGES.get(user, set())


def expected_status(user: str, name: str, target: str) -> int:
    """The status a GET must give: 200 where the rules open the page, 404 everywhere else."""
    if user == "outsider":
        return 404  # every target here belongs to the test company
    if name in ("org_tree", "periods", "period"):
        return 200
    if name == "team":
        return 200 if user in MANAGES else 404
    if name in ("indicators", "scale"):
        return 200 if user in COMPANY_READERS else 404
    if name in ("indicator_new", "indicator_edit"):
        return 200 if user in ("hr", "admin") else 404
    if name in ("templates", "template_edit", "card_edit", "template_apply"):
        return 200 if user == "hr" else 404  # cards carry planned bonus amounts
    if name == "audit":
        return 200 if user in ("hr", "auditor", "admin") else 404
    if name == "worktime_calendar":
        return 302 if user == "hr" else 404  # to the current year's page
    if name == "worktime_calendar_year":
        return 200 if user == "hr" else 404  # the production calendar and timesheets: HR only
    if name == "search":
        return 200  # everyone of the organization searches; what each finds: test_reading_search.py
    if name == "confirmations":
        return 200 if user == "gd" else 404  # the general director's position confirms SALES
    if name == "facts":
        return 200 if user in ("hr", "gd", "boss", "boss2") else 404
    if name in ("run", "run_export"):
        return 200 if user in COMPANY_READERS or user in MANAGES else 404
    if name in ("employee_card", "value", "value_attachment"):
        return 200 if may_open_card(user, target) else 404
    if name in ("staff_people", "staff_unit", "staff_unit_absences", "staff_position"):
        return 200 if user in COMPANY_READERS or user in MANAGES else 404  # a manager: their subtree
    if name in ("staff_grades", "staff_grade"):
        return 200 if user in COMPANY_READERS else 404
    if name in ("staff_unit_new", "staff_position_new", "staff_hire"):
        return 200 if user == "hr" else 404  # HR manages people and structure
    if name == "staff_person":
        return 200 if user in COMPANY_READERS or (user in MANAGES and may_open_card(user, target)) else 404
    if name == "change_requests":
        return 200 if user in ("hr", "admin") else 404  # those who decide roles (HR also salaries)
    if name.startswith("paycfg_"):
        return 200 if user in ("hr", "admin") else 404  # those who configure scales and schemes
    if name == "imports":
        # HR imports all; a manager facts; the administrator the indicator library
        return 200 if user in ("hr", "admin") or user in MANAGES else 404
    if name == "import_template" and target == "indicators":
        return 200 if user in ("hr", "admin") else 404  # those who edit the library
    if name == "import_template":
        return 200 if user == "hr" or user in MANAGES else 404
    if name in ("payroll_run", "payroll_mappings"):
        return 200 if user in PAY_READERS else 404  # finance, HR, the director: it names everyone's pay
    if name == "payroll_download":
        return 409 if user in PAY_READERS else 404  # the cast's run is not approved: nothing handed over
    if name == "import_job":
        return 200 if user == "hr" else 404  # HR's job: HR and its author (test_import_pages.py)
    raise AssertionError(f"no expectation for {name}")


def site_patterns() -> list[str]:
    names = []

    def walk(patterns: list) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.app_name == "admin" or "i18n" in str(p.pattern):
                    continue
                if str(p.pattern) == "api/":
                    continue  # the API (/api/v1/, schema, docs): tests/api/test_access_walk.py, test_api_base.py
                walk(p.url_patterns)
            elif isinstance(p, URLPattern) and p.name:
                names.append(p.name)

    walk(get_resolver().url_patterns)
    return names


def test_the_walk_covers_every_page_of_the_site():
    names = set(site_patterns())
    posts = {
        "period_move",
        "period_run",
        "period_sign",
        "period_close",
        "template_assign",
        "adjustment_add",
        "adjustment_approve",
        "component_score",
        "group_correction_add",  # factsui: the period page's group corrections
        "group_correction_approve",
        "paycfg_scale_chart",  # paycfg: the chart as parameters are typed (tests/web/test_paycfg_scales.py)
        "paycfg_scheme_preview",  # paycfg: a scheme tried on one person (tests/web/test_paycfg_schemes.py)
        "change_request_approve",  # dualcontrol (tests/dualcontrol/test_pages.py)
        "change_request_reject",
    }
    public = {"staff_invite"}  # the invitation's one-time link (tests/web/test_staff_accounts.py)
    # the second factor's pages: the signed-in user's own (tests/web/test_otp.py)
    public |= {"otp_verify", "otp_setup"}
    # corporate login's hand-over to the provider and back (tests/sso/test_oidc.py); 404 while it is off
    public |= {"oidc_authentication_init", "oidc_authentication_callback"}
    # the signed-in user's own API keys (tests/api/test_api_base.py): every user 200, another's key 404
    public |= {"api_tokens", "api_token_revoke"}
    assert names - {"home", "login", "logout", "healthz", "my_card"} - posts - public == PAGES_WITH_ORG


def urls_for(cast: dict) -> list[tuple[str, str, str]]:
    """(url name, the person or object it is about, url) for the test company and the other one."""
    company, other = cast["company"].pk, cast["other"].pk
    urls = []
    for name in (
        "team",
        "org_tree",
        "indicators",
        "indicator_new",
        "audit",
        "periods",
        "templates",
        "worktime_calendar",
        "staff_people",
        "staff_hire",
        "staff_unit_new",
        "staff_position_new",
        "staff_grades",
        "change_requests",
    ):
        urls.append((name, "", reverse(name, args=[company])))
    sales = cast["units"]["sales"]
    urls += [
        ("staff_unit", "", reverse("staff_unit", args=[company, sales.pk])),
        ("staff_unit_absences", "", reverse("staff_unit_absences", args=[company, sales.pk])),
        ("staff_position", "", reverse("staff_position", args=[company, sales.positions.first().pk])),
        ("staff_grade", "", reverse("staff_grade", args=[company, sales.positions.first().grade_id])),
    ]
    urls += [
        ("staff_person", person, reverse("staff_person", args=[company, employee.pk]))
        for person, employee in cast["people"].items()
        if person != "outsider"
    ]
    urls.append(("worktime_calendar_year", "", reverse("worktime_calendar_year", args=[company, 2026])))
    from motiva.kpi.models import PayScheme

    scheme = PayScheme.objects.get(organization=cast["company"], name="20 %")
    urls += [(name, "", reverse(name, args=[company])) for name in ("paycfg_scales", "paycfg_schemes")]
    urls += [
        ("paycfg_scale_new", "", reverse("paycfg_scale_new", args=[company]) + "?kind=step_table"),
        ("paycfg_scale_edit", "", reverse("paycfg_scale_edit", args=[company, cast["scale"].pk])),
        ("paycfg_scheme_new", "", reverse("paycfg_scheme_new", args=[company]) + "?kind=three_level"),
        ("paycfg_scheme_edit", "", reverse("paycfg_scheme_edit", args=[company, scheme.pk])),
    ]
    # the search finds the carded people by a common letter; no salary or bonus may show
    urls += [("search", "", reverse("search", args=[company]) + f"?q={q}") for q in ("ов", "а", "Продажи")]
    urls += [
        ("indicator_edit", "", reverse("indicator_edit", args=[company, cast["indicator"].pk])),
        ("scale", "", reverse("scale", args=[company, cast["scale"].pk])),
        ("period", "", reverse("period", args=[company, cast["period"].pk])),
        ("facts", "", reverse("facts", args=[company, cast["period"].pk])),
        ("confirmations", "", reverse("confirmations", args=[company])),
        ("run", "", reverse("run", args=[company, cast["run"].pk])),
        ("run_export", "", reverse("run_export", args=[company, cast["run"].pk])),
        (
            "template_edit",
            "",
            reverse("template_edit", args=[company, cast["people"]["anna"].assignments.get().position_id]),
        ),
        (
            "card_edit",
            "",
            reverse("card_edit", args=[company, cast["people"]["anna"].pk]) + f"?period={cast['period'].pk}",
        ),
        (
            "template_apply",
            "",
            reverse("template_apply", args=[company, cast["people"]["anna"].assignments.get().position_id]),
        ),
    ]
    from django.core.files.base import ContentFile

    from motiva.periods.models import IndicatorValue
    from motiva.periods.services import value_annotate

    for person in ("anna", "carl"):
        value = IndicatorValue.objects.get(period=cast["period"], employee=cast["people"][person])
        value_annotate(
            actor=cast["users"]["hr"],
            value=value,
            comment="Отчёт CRM",
            attachment=ContentFile(b"report", name=f"{person}.pdf"),
        )
        urls.append(("value", person, reverse("value", args=[company, value.pk])))
        urls.append(("value_attachment", person, reverse("value_attachment", args=[company, value.pk])))
    for person, employee in cast["people"].items():
        if person != "outsider":
            urls.append(("employee_card", person, reverse("employee_card", args=[company, employee.pk])))
    # The other organization's pages: open to its own people (the outsider is a plain employee there)
    # and to the superuser, who administers every organization.
    urls += [
        ("other:periods", "", reverse("periods", args=[other])),
        ("other:org_tree", "", reverse("org_tree", args=[other])),
        ("other:period", "", reverse("period", args=[other, cast["other_period"].pk])),
        ("other:run", "", reverse("run", args=[other, cast["other_run"].pk])),
        ("other:search", "", reverse("search", args=[other]) + "?q=Чужаков"),
    ]
    # Another organization's objects smuggled under this organization's id: 404 for everyone.
    smuggled = [
        reverse("period", args=[company, cast["other_period"].pk]),
        reverse("run", args=[company, cast["other_run"].pk]),
        reverse("employee_card", args=[company, cast["people"]["outsider"].pk]),
        reverse("indicator_edit", args=[company, cast["other_indicator"].pk]),
        reverse("scale", args=[company, cast["other_scale"].pk]),
        reverse("facts", args=[company, cast["other_period"].pk]),
        reverse("run_export", args=[company, cast["other_run"].pk]),
        reverse("card_edit", args=[company, cast["people"]["outsider"].pk])
        + f"?period={cast['other_period'].pk}",
        reverse("card_edit", args=[company, cast["people"]["anna"].pk])
        + f"?period={cast['other_period'].pk}",
        reverse("template_edit", args=[company, cast["people"]["outsider"].assignments.get().position_id]),
        reverse("template_apply", args=[company, cast["people"]["outsider"].assignments.get().position_id]),
        reverse("staff_person", args=[company, cast["people"]["outsider"].pk]),
        reverse("paycfg_scale_edit", args=[company, cast["other_scale"].pk]),
        reverse(
            "paycfg_scheme_edit",
            args=[company, PayScheme.objects.get(organization=cast["other"]).pk],
        ),
        reverse("staff_position", args=[company, cast["people"]["outsider"].assignments.get().position_id]),
        reverse("staff_unit", args=[company, cast["people"]["outsider"].assignments.get().unit_id]),
        reverse("staff_unit_absences", args=[company, cast["people"]["outsider"].assignments.get().unit_id]),
    ]
    from motiva.imports.models import ImportJob

    job = ImportJob.objects.create(
        organization=cast["company"],
        kind="facts",
        period=cast["period"],
        file="imports/missing.csv",
        original_name="facts.csv",
        sha256="0" * 64,
        created_by=cast["users"]["hr"],
    )
    urls += [
        ("imports", "", reverse("imports", args=[company])),
        ("import_template", "", reverse("import_template", args=[company, "facts"]) + "?format=xlsx"),
        ("import_template", "", reverse("import_template", args=[company, "facts"]) + "?format=csv"),
        ("import_template", "indicators", reverse("import_template", args=[company, "indicators"])),
        ("import_job", "", reverse("import_job", args=[company, job.pk])),
        ("import_job", "", reverse("import_job", args=[company, job.pk]) + "?part=progress"),
    ]
    urls += [
        ("payroll_run", "", reverse("payroll_run", args=[company, cast["run"].pk])),
        (
            "payroll_download",
            "",
            reverse("payroll_download", args=[company, cast["run"].pk]) + "?layout=generic&format=csv",
        ),
        ("payroll_mappings", "", reverse("payroll_mappings", args=[company])),
        ("smuggled", "", reverse("payroll_run", args=[company, cast["other_run"].pk])),
    ]
    urls += [("smuggled", "", url) for url in smuggled]
    return urls


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(cell) for row in book.active.iter_rows(values_only=True) for cell in row if cell is not None
        )
    return response.content.decode()


@pytest.mark.parametrize(
    "user", ["admin", "gd", "hr", "fin", "auditor", "boss", "boss2", "anna", "boris", "carl", "outsider"]
)
def test_every_page_with_every_user(client, cast, user):
    client.force_login(cast["users"][user])
    for name, target, url in urls_for(cast):
        response = client.get(url)
        if name == "smuggled":
            want = 404
        elif name.startswith("other:"):
            page = name.split(":")[1]
            want = 200 if user == "admin" or (user == "outsider" and page != "run") else 404
        else:
            want = expected_status(user, name, target)
        assert response.status_code == want, f"{user} GET {url}: {response.status_code}, expected {want}"
        if response.status_code != 200:
            continue
        page = text_of(response)
        for person in CARDED:
            if not may_see_pay(user, person):
                leaked = [v for v in money_of(person) if v in page]
                assert not leaked, f"{user} sees {person}'s money {leaked} at {url}"


def admin_pages() -> list[str]:
    """Every registered model's list in the Django admin, and the change page of up to three objects."""
    from django.contrib import admin

    urls = []
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        for pk in model._default_manager.order_by("-pk").values_list("pk", flat=True)[:3]:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk]))
    return urls


def test_every_admin_page_with_the_superuser_shows_no_pay(client, cast):
    """The `admin` user is a superuser without roles: an administrator, who sees no one's pay — neither
    in the site nor in the Django admin (more in tests/web/test_admin_pay.py)."""
    client.force_login(cast["users"]["admin"])
    money = set().union(*(money_of(person) for person in CARDED)) | variants(Decimal("77777"))
    opened = 0
    for url in admin_pages():
        response = client.get(url)
        assert response.status_code in (200, 403), f"admin GET {url}: {response.status_code}"
        if response.status_code == 200:
            opened += 1
            leaked = sorted(v for v in money if v in response.content.decode())
            assert not leaked, f"admin sees {leaked} at {url}"
    assert opened > 30


def test_the_home_and_my_card_show_only_my_own(client, cast):
    client.force_login(cast["users"]["anna"])
    home = client.get(reverse("home")).content.decode()
    assert "110" in home  # her result
    card = client.get(reverse("my_card"), follow=True)
    page = card.content.decode()
    assert card.status_code == 200 and "Аннина" in page
    assert any(v in page for v in variants(PAY["anna"]))
    for person in ("boris", "boss", "carl"):
        assert not any(v in page or v in home for v in money_of(person))


def test_the_auditor_reads_the_audit_log_without_pay_and_hr_with_it(client, cast):
    client.force_login(cast["users"]["auditor"])
    audit = reverse("audit", args=[cast["company"].pk])
    page = client.get(audit + "?person=Кадрова").content.decode()
    assert "Кадрова" in page and "оклад" in page and "•••" in page
    for query in ("", "?person=Аннина", "?entity=org.Assignment", "?field=salary"):
        page = client.get(audit + query).content.decode()
        assert not any(v in page for v in variants(SALARIES["anna"])), query
    client.force_login(cast["users"]["hr"])
    page = client.get(audit + "?person=Аннина&field=salary").content.decode()
    assert any(v in page for v in variants(SALARIES["anna"]))


def test_the_export_holds_the_rows_and_columns_the_viewer_may_see(client, cast):
    url = reverse("run_export", args=[cast["company"].pk, cast["run"].pk])
    client.force_login(cast["users"]["boss"])
    rows = list(load_workbook(io.BytesIO(client.get(url).content)).active.iter_rows(values_only=True))
    names = {row[1].split()[0] for row in rows[1:]}
    assert names == {"Начальников", "Аннина", "Борисов"}
    assert Decimal(str(next(r for r in rows[1:] if r[1].startswith("Аннина"))[3])) == PAY["anna"]
    client.force_login(cast["users"]["auditor"])
    rows = list(load_workbook(io.BytesIO(client.get(url).content)).active.iter_rows(values_only=True))
    assert len(rows) == 6 and len(rows[0]) == 4  # everyone, with no pay columns


def test_actions_are_refused_to_those_without_the_role(client, cast):
    period = cast["period"]
    company = cast["company"].pk
    for user in ("anna", "auditor", "outsider"):
        client.force_login(cast["users"][user])
        client.post(reverse("period_move", args=[company, period.pk]), {"to": "fact_collection"})
        client.post(reverse("period_sign", args=[company, period.pk]), {"kind": "executive"})
        client.post(reverse("period_run", args=[company, period.pk]))
        client.post(reverse("period_close", args=[company, period.pk]))
        client.post(
            reverse("adjustment_add", args=[company, period.pk]),
            {"personnel_number": "7", "amount": "1000", "reason": "Премия"},
        )
    period.refresh_from_db()
    assert not period.adjustments.exists()
    assert period.status == "calculated"
    assert period.runs.count() == 1
    assert not cast["run"].signatures.exists()


def test_an_observer_reads_a_subtree_without_managing_it(client, cast):
    """SPEC C1 «матрица заместителя»: Carl, an engineer of the service, observes the sales unit — he reads
    its people's cards, results and pay as its manager would, but scores, enters and signs nothing."""
    import datetime as dt

    from motiva.calc import approvals
    from motiva.core import access
    from motiva.org.services import observer_end, observer_grant

    company = cast["company"].pk
    anna, boss2 = cast["people"]["anna"], cast["people"]["boss2"]
    card = reverse("employee_card", args=[company, anna.pk])
    client.force_login(cast["users"]["carl"])
    assert client.get(card).status_code == 404
    grant = observer_grant(
        actor=cast["users"]["hr"],
        unit=cast["units"]["sales"],
        user=cast["users"]["carl"],
        start_date=dt.date(2020, 1, 1),
    )
    page = client.get(card)
    assert page.status_code == 200 and any(v in page.content.decode() for v in variants(PAY["anna"]))
    run = client.get(reverse("run", args=[company, cast["run"].pk])).content.decode()
    assert "Аннина" in run and "Сервисов" not in run and not any(v in run for v in money_of("boss2"))
    assert client.get(reverse("employee_card", args=[company, boss2.pk])).status_code == 404
    for name in ("team", "staff_people"):
        assert client.get(reverse(name, args=[company])).status_code == 404
    viewer = access.viewer_for(cast["users"]["carl"])
    assert not access.can_score_components(viewer, anna)
    assert not access.can_enter_facts(viewer, company)
    assert not approvals.can_sign(viewer, cast["run"], "manager")
    assert not access.can_edit_cards(viewer, company)
    observer_end(actor=cast["users"]["hr"], grant=grant, end_date=dt.date(2020, 12, 31))
    assert client.get(card).status_code == 404
