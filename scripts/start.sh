#!/usr/bin/env bash
# Installs everything Motiva needs into .venv and node_modules, prepares the database, loads the demo
# organization into an empty database and starts the server at http://127.0.0.1:8000.
# Safe to run again: installs are incremental, migrations idempotent, the demo is loaded only once.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Motiva needs Python 3.11 or newer")'

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtual environment (.venv)"
  "$PYTHON" -m venv .venv
fi
echo "==> Installing Python packages (if needed)"
# Install only when pyproject.toml changed since the last install (a stamp in .venv remembers it).
stamp=".venv/.motiva-installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  rm -f .venv/.motiva-installed-* && touch "$stamp"
fi

if command -v npm >/dev/null 2>&1; then
  echo "==> Installing front-end packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
else
  echo "!! npm not found: pages will work without HTMX/Alpine/ECharts until Node.js is installed" >&2
fi

export DEBUG="${DEBUG:-true}"
export MOTIVA_DEMO="${MOTIVA_DEMO:-true}"
echo "==> Preparing the database (${DATABASE_URL:-sqlite:///db.sqlite3})"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py load_demo --if-empty
echo "==> Motiva: http://127.0.0.1:${PORT:-8000}/  (Ctrl+C to stop)"
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT:-8000}"
