#!/usr/bin/env bash
# Runs the whole test suite (on SQLite by default; set DATABASE_URL=postgres://… for PostgreSQL).
# Installs what the tests need into .venv first, so it works on a fresh checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Install only when pyproject.toml changed since the last install (a stamp in .venv remembers it).
stamp=".venv/.motiva-installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  rm -f .venv/.motiva-installed-* && touch "$stamp"
fi
exec .venv/bin/python -m pytest "$@"
