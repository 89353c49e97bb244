"""The OpenAPI description of Motiva's Bearer keys (drf-spectacular reads it from the authenticator)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "motiva.api.tokens.BearerTokenAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "API key from «Ключи API» / “API keys” (docs/api.md)",
        }
