"""A local OpenID provider for the corporate-login tests (django-oauth-toolkit with OpenID Connect on).

Never part of Motiva: tests/sso/conftest.py starts it in a subprocess on a free loopback port
(`python -m tests.oidc_provider.serve`), with its own SQLite file and a fresh RS256 key, and stops it
after the tests."""
