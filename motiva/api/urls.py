"""/api/: v1 endpoints (namespace "api"), the OpenAPI schema and the documentation page."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from motiva.api import base, views_web

v1 = [
    path("organizations/", base.OrganizationList.as_view(), name="organizations"),
    path("organizations/<int:pk>/", base.OrganizationDetail.as_view(), name="organization"),
    path("", include("motiva.api.endpoints.urls")),
    # Any other address under /api/v1/ (an unknown route, a negative or non-numeric id) is the API's
    # structured 404, never the site's HTML page. Only addresses ending in "/": without it the common
    # middleware first redirects to the address with the slash.
    re_path(r"^.*/$", base.not_found),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", views_web.docs, name="api_docs"),
]
