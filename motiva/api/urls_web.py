from django.urls import path

from motiva.api import views_web

urlpatterns = [
    path("account/api-keys/", views_web.token_list, name="api_tokens"),
    path("account/api-keys/<int:pk>/revoke/", views_web.token_revoke, name="api_token_revoke"),
]
