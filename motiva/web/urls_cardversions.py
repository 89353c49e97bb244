"""Pages of one area of the site (included by motiva.web.urls): card template versions applied to cards."""

from django.urls import path

from motiva.web import cards

urlpatterns: list = [
    path("o/<int:org>/positions/<int:pk>/template/apply/", cards.template_apply, name="template_apply"),
]
