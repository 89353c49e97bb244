from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Motiva administration")
admin.site.site_title = _("Motiva")
admin.site.index_title = _("KPI and performance pay")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("motiva.web.urls")),
    path("", include("motiva.worktime.urls")),
]

# Uploaded files (attachments to facts) are never served from a public media URL: each goes through
# motiva.web.facts.value_attachment, which checks who may read the value.
