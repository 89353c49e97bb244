"""The settings and commands of the two roles and the trusted proxies: a wrong value stops the start with
a message naming the variable; db_roles says what it needs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.test_settings import run_manage


def test_a_malformed_trusted_proxy_stops_the_start_naming_the_variable():
    result = run_manage("check", DEBUG="true", MOTIVA_TRUSTED_PROXIES="10.0.0.0/8, proxy.local")
    assert (
        result.returncode != 0
        and "MOTIVA_TRUSTED_PROXIES" in result.stderr
        and "proxy.local" in result.stderr
    )
    assert run_manage("check", DEBUG="true", MOTIVA_TRUSTED_PROXIES="10.0.0.0/8, 2001:db8::1").returncode == 0


def test_the_owners_url_must_name_the_same_kind_of_database():
    result = run_manage(
        "check",
        DEBUG="true",
        DATABASE_URL="sqlite:///db.sqlite3",
        MIGRATE_DATABASE_URL="postgres://owner:x@127.0.0.1:5432/motiva",
    )
    assert result.returncode != 0 and "MIGRATE_DATABASE_URL" in result.stderr


@pytest.mark.django_db
def test_db_roles_says_what_it_needs():
    with pytest.raises(CommandError) as refusal:
        call_command("db_roles", stdout=StringIO())
    expected = "MIGRATE_DATABASE_URL" if connection.vendor == "postgresql" else "PostgreSQL"
    assert expected in str(refusal.value)


@pytest.mark.django_db
def test_migrate_without_an_owner_is_djangos_own():
    out = StringIO()
    call_command("migrate", "--check", stdout=out)  # nothing left to apply, nothing switched
    assert "Grants of the application role" not in out.getvalue()
