import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, parse_database_url

ROOT = Path(__file__).resolve().parents[1]


def test_booleans_are_strict(monkeypatch):
    monkeypatch.setenv("DEBUG", "flase")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", False)
    monkeypatch.setenv("DEBUG", "yes")
    assert env_bool("DEBUG", False) is True


def test_sqlite_url_is_relative_to_the_project():
    config = parse_database_url("sqlite:///db.sqlite3", ROOT).as_django()
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(ROOT / "db.sqlite3")


def test_postgres_url_is_parsed():
    config = parse_database_url(
        "postgres://motiva:p%40ss@db.local:5433/motiva?sslmode=require", ROOT
    ).as_django()
    assert (
        config["ENGINE"],
        config["NAME"],
        config["USER"],
        config["PASSWORD"],
        config["HOST"],
        config["PORT"],
    ) == (
        "django.db.backends.postgresql",
        "motiva",
        "motiva",
        "p@ss",
        "db.local",
        "5433",
    )
    assert config["OPTIONS"] == {"sslmode": "require", "connect_timeout": 2}
    # a kept connection is checked before reuse: a restarted server costs no failed request
    assert config["CONN_HEALTH_CHECKS"] is True


def test_postgres_connect_timeout_comes_from_the_setting_unless_the_url_names_one():
    assert parse_database_url("postgres://h/m", ROOT).as_django(connect_timeout=5)["OPTIONS"] == {
        "connect_timeout": 5
    }
    url = "postgres://h/m?connect_timeout=9"
    assert parse_database_url(url, ROOT).as_django(connect_timeout=5)["OPTIONS"] == {"connect_timeout": "9"}


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host/", "sqlite://"])
def test_bad_database_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url, ROOT)


def run_manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_SETTINGS_MODULE",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS",
        }
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x7#kP2!vQ9@mL4$wR8^tN1&zB6*yH3(eJ5)uF0_cD2+gA7=sX-longer-than-fifty-characters",
        ALLOWED_HOSTS="motiva.example.com",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="false", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_simulate_runs_as_the_readme_writes_it_without_any_settings():
    """`manage.py simulate examples/…` needs no SECRET_KEY, DEBUG or database: only a PATH."""
    result = subprocess.run(
        [sys.executable, "manage.py", "simulate", "examples/workshop_a.yaml"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 283,00 RUB" in result.stdout and "published numbers reproduced" in result.stdout
