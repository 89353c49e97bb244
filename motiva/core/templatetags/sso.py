"""{% corporate_login as corporate %}: which corporate sign-ins the login page offers."""

from __future__ import annotations

from django import template

from motiva.core.sso import ldap_enabled, oidc_enabled

register = template.Library()


@register.simple_tag
def corporate_login() -> dict[str, bool]:
    return {"oidc": oidc_enabled(), "ldap": ldap_enabled()}
