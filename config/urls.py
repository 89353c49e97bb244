from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from motiva.core import sso
from motiva.web import otp

admin.site.site_header = _("Motiva administration")
admin.site.site_title = _("Motiva")
admin.site.index_title = _("KPI and performance pay")
# The admin's login form keeps the per-name progressive delay of the main login (motiva.web.otp).
admin.site.login_form = otp.ThrottledAdminAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # OpenID Connect sign-in (motiva.core.sso): 404 unless OIDC_RP_CLIENT_ID is set.
    path("oidc/authenticate/", sso.oidc_authenticate, name="oidc_authentication_init"),
    path("oidc/callback/", sso.oidc_callback, name="oidc_authentication_callback"),
    path("api/", include("motiva.api.urls")),
    path("", include("motiva.api.urls_web")),
    path("", include("motiva.web.urls")),
    path("", include("motiva.web.urls_worktime")),
]

# Motiva's own error pages (motiva.web.errors), in the reader's language.
handler403 = "motiva.web.errors.forbidden"
handler404 = "motiva.web.errors.not_found"
handler500 = "motiva.web.errors.server_error"

# Uploaded files (attachments to facts) are never served from a public media URL: each goes through
# motiva.web.facts.value_attachment, which checks who may read the value.
