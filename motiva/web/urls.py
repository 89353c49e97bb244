from django.contrib.auth import views as auth_views
from django.urls import include, path

from motiva.web import audit_log, cards, facts, library, otp, people, periods, runs, views

urlpatterns = [
    path("", views.home, name="home"),
    # The password step with the per-name progressive delay, then the second factor (motiva.web.otp).
    path("login/", otp.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("me/", people.my_card, name="my_card"),
    path("o/<int:org>/employees/<int:pk>/", people.employee_card, name="employee_card"),
    path("o/<int:org>/team/", people.team, name="team"),
    path("o/<int:org>/indicators/", library.indicator_list, name="indicators"),
    path("o/<int:org>/indicators/new/", library.indicator_edit, name="indicator_new"),
    path("o/<int:org>/indicators/<int:pk>/", library.indicator_edit, name="indicator_edit"),
    path("o/<int:org>/scales/<int:pk>/", library.scale_detail, name="scale"),
    path("o/<int:org>/audit/", audit_log.audit_log, name="audit"),
    path("o/<int:org>/templates/", cards.template_list, name="templates"),
    path("o/<int:org>/positions/<int:pk>/template/", cards.template_edit, name="template_edit"),
    path("o/<int:org>/positions/<int:pk>/assign/", cards.template_assign, name="template_assign"),
    path("o/<int:org>/employees/<int:pk>/card/", cards.card_edit, name="card_edit"),
    path(
        "o/<int:org>/employees/<int:pk>/lines/<int:line>/score/",
        people.component_score,
        name="component_score",
    ),
    path("o/<int:org>/periods/", periods.period_list, name="periods"),
    path("o/<int:org>/periods/<int:pk>/", periods.period_detail, name="period"),
    path("o/<int:org>/periods/<int:pk>/move/", periods.period_move, name="period_move"),
    path("o/<int:org>/periods/<int:pk>/run/", periods.period_run, name="period_run"),
    path("o/<int:org>/periods/<int:pk>/sign/", periods.period_sign, name="period_sign"),
    path("o/<int:org>/periods/<int:pk>/close/", periods.period_close_view, name="period_close"),
    path("o/<int:org>/periods/<int:pk>/facts/", facts.fact_grid, name="facts"),
    path("o/<int:org>/values/<int:pk>/", facts.value_detail, name="value"),
    path("o/<int:org>/values/<int:pk>/attachment/", facts.value_attachment, name="value_attachment"),
    path("o/<int:org>/periods/<int:pk>/adjustments/", periods.adjustment_add, name="adjustment_add"),
    path(
        "o/<int:org>/periods/<int:pk>/adjustments/<int:adjustment>/approve/",
        periods.adjustment_approve_view,
        name="adjustment_approve",
    ),
    path("o/<int:org>/runs/<int:pk>/", runs.run_detail, name="run"),
    path("o/<int:org>/runs/<int:pk>/export.xlsx", runs.run_export, name="run_export"),
    # Each area of the site keeps its own pages' URLs.
    path("", include("motiva.web.urls_staff")),
    path("", include("motiva.web.urls_imports")),
    path("", include("motiva.web.urls_paycfg")),
    path("", include("motiva.web.urls_cardversions")),
    path("", include("motiva.web.urls_factsui")),
    path("", include("motiva.web.urls_reading")),
    path("", include("motiva.web.urls_otp")),
    path("", include("motiva.web.urls_dualcontrol")),
    path("", include("motiva.web.urls_payroll")),
]
