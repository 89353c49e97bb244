"""config/settings.py builds the corporate-login settings from the environment: off when unset, strict
when half set (the start stops naming the missing variable)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
django.setup()
search = getattr(settings, "AUTH_LDAP_USER_SEARCH", None)
print(json.dumps({
    "backends": settings.AUTHENTICATION_BACKENDS,
    "oidc_token": settings.OIDC_OP_TOKEN_ENDPOINT,
    "match_by": settings.MOTIVA_SSO_MATCH_BY,
    "ldap_uri": settings.AUTH_LDAP_SERVER_URI,
    "ldap_base": getattr(search, "base_dn", None),
    "ldap_filter": getattr(search, "filterstr", None),
    "start_tls": getattr(settings, "AUTH_LDAP_START_TLS", None),
    "mirror": getattr(settings, "AUTH_LDAP_MIRROR_GROUPS", None),
    "flags": getattr(settings, "AUTH_LDAP_USER_FLAGS_BY_GROUP", None),
    "always_update": getattr(settings, "AUTH_LDAP_ALWAYS_UPDATE_USER", None),
}))
"""
OIDC = {
    "OIDC_RP_CLIENT_ID": "motiva",
    "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sso.corp.example/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://sso.corp.example/token",
    "OIDC_OP_USER_ENDPOINT": "https://sso.corp.example/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://sso.corp.example/jwks",
}


def probe(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OIDC_", "LDAP_", "MOTIVA_SSO_", "DJANGO_SETTINGS_MODULE"))
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "config.test_settings", **env})
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def answer(**env: str) -> dict:
    result = probe(**env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_off_when_nothing_is_set():
    settings = answer()
    assert not any("sso" in backend for backend in settings["backends"])
    assert settings["ldap_uri"] == "" and settings["match_by"] == "personnel_number"


def test_oidc_from_the_environment():
    settings = answer(**OIDC)
    assert settings["backends"][-1] == "motiva.core.sso.MotivaOIDCBackend"
    assert settings["oidc_token"] == "https://sso.corp.example/token"


def test_half_an_oidc_configuration_stops_the_start_naming_what_is_missing():
    result = probe(OIDC_RP_CLIENT_ID="motiva", OIDC_OP_TOKEN_ENDPOINT="https://sso.corp.example/token")
    assert result.returncode != 0
    assert "OIDC_RP_CLIENT_SECRET" in result.stderr and "OIDC_OP_JWKS_ENDPOINT" in result.stderr
    assert "OIDC_OP_TOKEN_ENDPOINT" not in result.stderr.split("also set")[-1]


def test_ldap_from_the_environment_with_starttls_and_no_roles_from_groups():
    settings = answer(
        LDAP_SERVER_URI="ldap://dc1.corp.example",
        LDAP_BIND_DN="CN=motiva,OU=Services,DC=corp,DC=example",
        LDAP_BIND_PASSWORD="x",
        LDAP_USER_SEARCH_BASE="OU=People,DC=corp,DC=example",
        LDAP_USER_SEARCH_FILTER="(sAMAccountName=%(user)s)",
        LDAP_START_TLS="true",
    )
    assert settings["backends"][-1] == "motiva.core.sso_ldap.MotivaLDAPBackend"
    assert settings["ldap_base"] == "OU=People,DC=corp,DC=example"
    assert settings["ldap_filter"] == "(sAMAccountName=%(user)s)"
    assert settings["start_tls"] is True
    assert settings["mirror"] is False and settings["flags"] == {} and settings["always_update"] is False


def test_ldap_without_a_search_base_stops_the_start():
    result = probe(LDAP_SERVER_URI="ldap://dc1.corp.example")
    assert result.returncode != 0 and "LDAP_USER_SEARCH_BASE" in result.stderr


def test_a_bad_starttls_word_and_a_bad_match_rule_stop_the_start():
    result = probe(LDAP_SERVER_URI="ldap://x", LDAP_USER_SEARCH_BASE="dc=x", LDAP_START_TLS="maybe")
    assert result.returncode != 0 and "LDAP_START_TLS" in result.stderr
    result = probe(MOTIVA_SSO_MATCH_BY="name")
    assert result.returncode != 0 and "MOTIVA_SSO_MATCH_BY" in result.stderr
