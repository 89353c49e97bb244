"""Strict parsers for settings read from the environment.

A typo in a variable must stop the start with a message that names the variable, never fall back
silently to a default (a silently ignored `DEBUG=flase` is how a production server ends up in debug).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected one of {sorted(TRUE_WORDS | FALSE_WORDS)}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class DatabaseUrl:
    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    options: dict[str, str] | None = None

    def as_django(self, connect_timeout: int = 2) -> dict[str, object]:
        """Django's DATABASES entry. On PostgreSQL a connection lives 60 s and is checked before a
        request reuses it (so a restarted server costs no failed request), and a server that does not
        answer fails the connect after `connect_timeout` seconds (the outage page, not a hung worker);
        a `?connect_timeout=` in the URL wins."""
        config: dict[str, object] = {
            "ENGINE": self.engine,
            "NAME": self.name,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": self.port,
            "CONN_MAX_AGE": 60 if self.engine.endswith("postgresql") else 0,
            "CONN_HEALTH_CHECKS": self.engine.endswith("postgresql"),
            "OPTIONS": dict(self.options or {}),
        }
        if self.engine.endswith("postgresql"):
            config["OPTIONS"] = {"connect_timeout": connect_timeout, **config["OPTIONS"]}  # type: ignore[dict-item]
        if self.engine.endswith("sqlite3"):
            # WAL lets readers work while a calculation run writes; the timeout waits for a lock
            # instead of failing at once when two requests write together.
            config["OPTIONS"] = {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                **config["OPTIONS"],  # type: ignore[dict-item]
            }
        return config


def parse_database_url(url: str, base_dir: Path) -> DatabaseUrl:
    """sqlite:///relative.db, sqlite:////absolute.db, postgres://user:pass@host:5432/name?sslmode=require"""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parts.path)
        if path in ("", "/"):
            raise ImproperlyConfigured(f"DATABASE_URL={url!r}: the SQLite file name is missing")
        if path == "/:memory:":
            name: str = ":memory:"
        else:
            relative = path[1:]  # sqlite:///db.sqlite3 -> db.sqlite3 beside the project
            name = relative if relative.startswith("/") else str(base_dir / relative)
        return DatabaseUrl(engine="django.db.backends.sqlite3", name=name)
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r}: the database name is missing")
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        try:
            port = str(parts.port or "")
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r}: the port is not a number") from None
        return DatabaseUrl(
            engine="django.db.backends.postgresql",
            name=name,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            host=parts.hostname or "",
            port=port,
            options=options,
        )
    raise ImproperlyConfigured(
        f"DATABASE_URL={url!r}: unsupported scheme {scheme!r}; use sqlite:/// or postgres://"
    )
