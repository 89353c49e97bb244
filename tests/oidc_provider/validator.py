"""The claims the test provider puts in the ID token and the userinfo answer: the directory's personnel
number (employee_number), e-mail and user name, read from the seed file of the run."""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


@cache
def seeded_people() -> dict[str, dict[str, Any]]:
    path = os.environ.get("OIDC_PROVIDER_SEED", "")
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        return {person["username"]: person for person in json.load(handle)["users"]}


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "employee_number": "profile",
        "email_verified": "email",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        person = seeded_people().get(request.user.username, {})
        claims: dict[str, Any] = {"preferred_username": request.user.username}
        if person.get("email"):
            claims["email"] = person["email"]
            claims["email_verified"] = bool(person.get("email_verified", True))
        if person.get("employee_number"):
            claims["employee_number"] = person["employee_number"]
        return claims
