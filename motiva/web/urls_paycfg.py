"""Pages of one area of the site (included by motiva.web.urls): scales and pay schemes."""

from django.urls import path

from motiva.web import paycfg

urlpatterns: list = [
    path("o/<int:org>/scales/", paycfg.scale_list, name="paycfg_scales"),
    path("o/<int:org>/scales/new/", paycfg.scale_edit, name="paycfg_scale_new"),
    path("o/<int:org>/scales/<int:pk>/edit/", paycfg.scale_edit, name="paycfg_scale_edit"),
    path("o/<int:org>/scales/chart/", paycfg.scale_chart, name="paycfg_scale_chart"),
    path("o/<int:org>/schemes/", paycfg.scheme_list, name="paycfg_schemes"),
    path("o/<int:org>/schemes/new/", paycfg.scheme_edit, name="paycfg_scheme_new"),
    path("o/<int:org>/schemes/<int:pk>/", paycfg.scheme_edit, name="paycfg_scheme_edit"),
    path("o/<int:org>/schemes/preview/", paycfg.scheme_preview, name="paycfg_scheme_preview"),
]
