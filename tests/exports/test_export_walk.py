"""The access walk for exports: every page that exports (?format=csv|xlsx) answers its export exactly where
the page answers (the same 404s, smuggled objects included), and no export holds money the page hides."""

from __future__ import annotations

import pytest

from tests.web.test_access import CARDED, expected_status, may_see_pay, money_of, text_of, urls_for

pytestmark = pytest.mark.django_db

EXPORTING = {"team", "staff_people", "facts", "audit", "employee_card", "run_export", "run"}


@pytest.mark.parametrize(
    "user", ["admin", "gd", "hr", "fin", "auditor", "boss", "boss2", "anna", "boris", "carl", "outsider"]
)
def test_every_export_with_every_user(client, cast, user):
    client.force_login(cast["users"][user])
    walked = 0
    for name, target, url in urls_for(cast):
        exported = "/export" in url or any(
            p in url for p in ("/team/", "/people/", "/facts/", "/audit/", "/card")
        )
        if name == "smuggled":
            if not exported:
                continue
            want = 404
        elif name in EXPORTING and name != "run":
            want = expected_status(user, name, target)
        else:
            continue
        for fmt in ("csv", "xlsx"):
            export = url + ("&" if "?" in url else "?") + f"format={fmt}"
            response = client.get(export)
            walked += 1
            assert response.status_code == want, (
                f"{user} GET {export}: {response.status_code}, expected {want}"
            )
            if response.status_code != 200:
                continue
            assert response["Cache-Control"] == "no-store"
            page = (
                response.content.decode("utf-8-sig", errors="replace") if fmt == "csv" else text_of(response)
            )
            for person in CARDED:
                if not may_see_pay(user, person):
                    leaked = [v for v in money_of(person) if v in page]
                    assert not leaked, f"{user} sees {person}'s money {leaked} at {export}"
    assert walked > 10
