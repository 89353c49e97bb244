"""LDAP / Active Directory login (django-auth-ldap) with Motiva's mapping of a directory user to an employee
(motiva.core.sso). Its own module: django-auth-ldap needs python-ldap (the `ldap` extra, built against
Debian's libldap2-dev), and config/settings.py names this backend only when LDAP_SERVER_URI is set."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.dispatch import receiver
from django_auth_ldap.backend import LDAPBackend, ldap_error

from motiva.core.sso import REFUSAL_ATTR, REFUSALS, DirectoryIdentity, ldap_enabled, log, login_with


def _attribute(attrs: Any, name: str) -> str:
    if not name:
        return ""
    wanted = name.lower()
    for key, values in (attrs or {}).items():
        if key.lower() == wanted and values:
            value = values[0]
            return (value.decode() if isinstance(value, bytes) else str(value)).strip()
    return ""


class MotivaLDAPBackend(LDAPBackend):
    """Binds as the user (found by the search with the service account), then maps the entry. Group
    mirroring, group permissions and user flags by group are never configured: no role comes from the
    directory, and the Motiva account's fields are not overwritten at each login."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if not ldap_enabled():
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Any, bool]:
        attrs = ldap_user.attrs
        identity = DirectoryIdentity(
            source="ldap",
            username=username,
            personnel_number=_attribute(attrs, settings.LDAP_ATTR_PERSONNEL_NUMBER),
            email=_attribute(attrs, settings.LDAP_ATTR_EMAIL),
        )
        user = login_with(getattr(ldap_user, "_request", None), identity)
        if user is None:
            raise ldap_user.AuthenticationFailed("refused by Motiva's mapping")
        return user, False

    def get_user(self, user_id: Any) -> Any:
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


@receiver(ldap_error)
def _directory_down(
    sender: Any, context: str, user: Any, request: Any = None, exception: Any = None, **kwargs: Any
) -> None:
    """The directory did not answer (or refused the service account): the login page says so."""
    log.warning("LDAP error during %s: %s", context, exception)
    if request is not None and not hasattr(request, REFUSAL_ATTR):
        setattr(request, REFUSAL_ATTR, str(REFUSALS["directory_down"]))
