#!/usr/bin/env bash
# Runs the whole test suite (on SQLite by default; set DATABASE_URL=postgres://… for PostgreSQL).
# Installs what the tests need into .venv first, so it works on a fresh checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
exec .venv/bin/python -m pytest "$@"
