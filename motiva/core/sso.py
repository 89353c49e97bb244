"""Corporate login: OpenID Connect single sign-on (mozilla-django-oidc) and the rule that maps a directory
user to a Motiva employee, shared with the LDAP / Active Directory backend (motiva.core.sso_ldap).

The mapping (docs/security.md, "Corporate login"):
- the directory user is matched to exactly one employee, by personnel number (a configurable claim or
  attribute, e.g. employeeNumber) or by the e-mail of the employee's Motiva account (MOTIVA_SSO_MATCH_BY);
  no match or more than one is refused with a message and logged;
- the employee's linked account is reused; a disabled account stays disabled;
- an employee without an account gets one at the first corporate login, with no password and no roles
  (org.services.account_invite); roles, staff and superuser flags never come from the directory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from motiva.core.errors import InvalidInput

log = logging.getLogger("motiva.sso")

# The request attribute that carries a refusal to the login page (templates/web/login.html shows it
# instead of the generic "wrong user name or password").
REFUSAL_ATTR = "motiva_login_refusal"
MATCH_PERSONNEL_NUMBER = "personnel_number"
MATCH_EMAIL = "email"
MATCH_CHOICES = (MATCH_PERSONNEL_NUMBER, MATCH_EMAIL)

REFUSALS = {
    "no_employee": _(
        "Your corporate account matches no employee in Motiva. Ask HR to check your personnel number "
        "and e-mail."
    ),
    "ambiguous": _("Your corporate account matches more than one employee in Motiva. Ask HR to resolve it."),
    "disabled": _("Your Motiva account is disabled."),
    "no_personnel_number": _("The corporate directory did not send your personnel number."),
    "no_email": _("The corporate directory did not send your e-mail address."),
    "email_unverified": _("The corporate sign-in did not confirm your e-mail address."),
    "account": _("Motiva could not open an account for you: %(reason)s"),
    "directory_down": _("The corporate directory does not answer. Try again later."),
    "provider_down": _("The corporate sign-in service does not answer. Try again later."),
    "session": _("The corporate sign-in answer does not belong to this browser session. Start again."),
    "failed": _("Corporate sign-in failed. Try again."),
}


class DirectoryRefusal(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        text = str(REFUSALS[self.code])
        return text % self.params if self.params else text


@dataclass(frozen=True)
class DirectoryIdentity:
    """What the directory says about the person who has just proved who they are."""

    source: str  # "oidc" or "ldap"
    username: str  # the directory's login name (preferred_username, uid, sAMAccountName)
    personnel_number: str = ""
    email: str = ""
    email_verified: bool = True


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def ldap_enabled() -> bool:
    return bool(getattr(settings, "AUTH_LDAP_SERVER_URI", ""))


def note_refusal(request: HttpRequest | None, refusal: DirectoryRefusal, identity: DirectoryIdentity) -> None:
    """Log the refusal (who, from where, why) and leave its message for the login page."""
    log.warning(
        "corporate login refused: source=%s username=%r personnel_number=%r email=%r reason=%s ip=%s",
        identity.source,
        identity.username,
        identity.personnel_number,
        identity.email,
        refusal.code,
        request.META.get("REMOTE_ADDR", "") if request is not None else "",
    )
    if request is not None:
        setattr(request, REFUSAL_ATTR, refusal.message)


def _matching_employees(identity: DirectoryIdentity) -> list[Any]:
    from motiva.org.models import Employee

    employees = Employee.objects.all()
    if settings.MOTIVA_SSO_ORGANIZATION:
        employees = employees.filter(organization__name=settings.MOTIVA_SSO_ORGANIZATION)
    if settings.MOTIVA_SSO_MATCH_BY == MATCH_EMAIL:
        if not identity.email:
            raise DirectoryRefusal("no_email")
        if not identity.email_verified:
            raise DirectoryRefusal("email_unverified")
        # Employees carry no e-mail of their own: the address is that of their Motiva account.
        employees = employees.filter(user__email__iexact=identity.email)
    else:
        if not identity.personnel_number:
            raise DirectoryRefusal("no_personnel_number")
        employees = employees.filter(personnel_number=identity.personnel_number)
    return list(employees.order_by("pk")[:2])


@transaction.atomic
def directory_login(*, identity: DirectoryIdentity) -> Any:
    """The Motiva account of the employee the directory user is; raises DirectoryRefusal."""
    from motiva.org import services as org_services
    from motiva.org.models import Employee

    found = _matching_employees(identity)
    if not found:
        raise DirectoryRefusal("no_employee")
    if len(found) > 1:
        raise DirectoryRefusal("ambiguous")
    # Only the employee's row is locked: two first logins at once open one account, not two.
    employee = Employee.objects.select_for_update(of=("self",)).select_related("user").get(pk=found[0].pk)
    user = employee.user
    if user is not None:
        if not user.is_active:
            raise DirectoryRefusal("disabled")
        return user
    try:
        # No password, no roles: the account is the employee's own view (roles stay with dual control).
        user = org_services.account_invite(
            actor=None, employee=employee, username=identity.username, email=identity.email
        )
    except InvalidInput as error:
        raise DirectoryRefusal("account", reason="; ".join(error.messages())) from None
    log.info(
        "corporate login opened account %r for employee #%s (%s)", user.username, employee.pk, identity.source
    )
    return user


def login_with(request: HttpRequest | None, identity: DirectoryIdentity) -> Any:
    """directory_login, with a refusal logged and left for the page; None when refused."""
    try:
        return directory_login(identity=identity)
    except DirectoryRefusal as refusal:
        note_refusal(request, refusal, identity)
        return None


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name) if name else None
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value).strip()


class MotivaOIDCBackend(OIDCAuthenticationBackend):
    """The authorization-code flow of mozilla-django-oidc (state, nonce, PKCE, RS256 signature), with
    Motiva's mapping in place of its create-or-match-by-e-mail."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.enabled = oidc_enabled()
        if self.enabled:
            super().__init__(*args, **kwargs)
        else:  # Django builds every backend for every sign-in; an unconfigured one answers None
            self.UserModel = get_user_model()

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        # Only the callback: a password form that carries ?code=&state= is not an OIDC answer.
        if not self.enabled or request is None or "username" in kwargs or "password" in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub", "")) != str(payload.get("sub", "")):
            raise SuspiciousOperation("userinfo sub differs from the ID token's sub")
        claims = {**payload, **userinfo}
        verified = claims.get("email_verified", True)
        identity = DirectoryIdentity(
            source="oidc",
            username=_claim(claims, settings.OIDC_CLAIM_USERNAME) or _claim(claims, "sub"),
            personnel_number=_claim(claims, settings.OIDC_CLAIM_PERSONNEL_NUMBER),
            email=_claim(claims, settings.OIDC_CLAIM_EMAIL),
            email_verified=verified is True or str(verified).lower() == "true",
        )
        return login_with(self.request, identity)

    def get_user(self, user_id: Any) -> Any:
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


class MotivaOIDCCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: any failure goes back to the login page with a message, never a 500."""

    @property
    def failure_url(self) -> str:
        return reverse("login")

    def login_failure(self) -> HttpResponse:
        message = getattr(self.request, REFUSAL_ATTR, None) or str(REFUSALS["failed"])
        messages.error(self.request, message)
        return super().login_failure()

    def _refuse(self, code: str, error: Exception) -> HttpResponse:
        refusal = DirectoryRefusal(code)
        log.warning("corporate login refused: source=oidc reason=%s detail=%s", code, error)
        setattr(self.request, REFUSAL_ATTR, refusal.message)
        return self.login_failure()

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except SuspiciousOperation as error:  # state, nonce or signature that does not match
            return self._refuse("session", error)
        except requests.RequestException as error:  # the provider is down or refused the code
            return self._refuse("provider_down", error)


def oidc_authenticate(request: HttpRequest) -> HttpResponse:
    """/oidc/authenticate/?next=…: off (404) unless OpenID Connect is configured."""
    if not oidc_enabled():
        raise Http404
    return OIDCAuthenticationRequestView.as_view()(request)


def oidc_callback(request: HttpRequest) -> HttpResponse:
    if not oidc_enabled():
        raise Http404
    return MotivaOIDCCallbackView.as_view()(request)
