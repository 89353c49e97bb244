"""Run the test OpenID provider: migrate its SQLite file, load the seed (users and one client), serve.

    OIDC_PROVIDER_DB=/tmp/x.sqlite3 OIDC_PROVIDER_SEED=seed.json python -m tests.oidc_provider.serve PORT

The seed is JSON: {"users": [{"username", "password", "email", "email_verified", "employee_number"}],
"client": {"client_id", "client_secret", "redirect_uri"}}."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    port = sys.argv[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    with open(os.environ["OIDC_PROVIDER_SEED"], encoding="utf-8") as handle:
        seed = json.load(handle)
    user_model = get_user_model()
    for person in seed["users"]:
        if not user_model.objects.filter(username=person["username"]).exists():
            user_model.objects.create_user(username=person["username"], password=person["password"])
    client = seed["client"]
    if not Application.objects.filter(client_id=client["client_id"]).exists():
        Application.objects.create(
            name="Motiva",
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=client["redirect_uri"],
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,  # consent is skipped: the test walks straight back to Motiva
        )
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)


if __name__ == "__main__":
    main()
