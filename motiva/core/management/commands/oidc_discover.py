"""`manage.py oidc_discover https://sso.corp.example/realms/main`: reads the provider's
/.well-known/openid-configuration once and prints the OIDC_OP_* lines for the environment, so that
Motiva itself never fetches the configuration at start (docs/security.md, "Corporate login")."""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

WELL_KNOWN = "/.well-known/openid-configuration"
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class Command(BaseCommand):
    help = "Print the OIDC_OP_* settings read from an OpenID provider's discovery document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("issuer", help="the issuer URL, or the full URL of its discovery document")

    def handle(self, *args: Any, **options: Any) -> None:
        issuer = options["issuer"].rstrip("/")
        url = issuer if issuer.endswith(WELL_KNOWN) else issuer + WELL_KNOWN
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise CommandError(f"{url}: no discovery document ({error})") from None
        missing = [key for key in ENDPOINTS.values() if not document.get(key)]
        if missing:
            raise CommandError(f"{url}: the document has no {', '.join(missing)}")
        algorithms = document.get("id_token_signing_alg_values_supported") or []
        if algorithms and settings.OIDC_RP_SIGN_ALGO not in algorithms:
            raise CommandError(
                f"{url}: the provider signs ID tokens with {', '.join(algorithms)}, not "
                f"OIDC_RP_SIGN_ALGO={settings.OIDC_RP_SIGN_ALGO}"
            )
        for name, key in ENDPOINTS.items():
            self.stdout.write(f"{name}={document[key]}")
