"""Until motiva.api's url module includes the endpoints: the site's routes plus the endpoints at /api/v1/."""

from django.urls import include, path

from config.urls import urlpatterns as site

urlpatterns = [path("api/v1/", include(("motiva.api.endpoints.urls", "api"), namespace="api")), *site]
