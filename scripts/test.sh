#!/usr/bin/env bash
# Runs the whole test suite (on SQLite by default; set DATABASE_URL=postgres://… for PostgreSQL).
# Installs what the tests need into .venv first, so it works on a fresh checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# The LDAP tests run Debian's slapd; python-ldap (the `ldap` extra) builds against libldap2-dev and
# libsasl2-dev, so these come before pip.
if ! { command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ]; } || [ ! -f /usr/include/ldap.h ] || [ ! -f /usr/include/sasl/sasl.h ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> Installing Debian's slapd, ldap-utils and the LDAP headers for the LDAP tests"
    ldap_pkgs="slapd ldap-utils libldap2-dev libsasl2-dev"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $ldap_pkgs >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $ldap_pkgs >/dev/null; }
  else
    echo "!! slapd or the LDAP headers are missing: install slapd ldap-utils libldap2-dev libsasl2-dev" >&2
  fi
fi
# Install only when pyproject.toml changed since the last install (a stamp in .venv remembers it).
stamp=".venv/.motiva-installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev,ldap]"
  rm -f .venv/.motiva-installed-* && touch "$stamp"
fi
# The browser tests need the front-end packages and Debian's chromium (Playwright never downloads one).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if command -v npm >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    echo "!! npm not found: the browser tests will fail until Node.js is installed" >&2
  fi
fi
if [ ! -x "${MOTIVA_CHROMIUM:-/usr/bin/chromium}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing Debian's chromium for the browser tests"
  apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi
exec .venv/bin/python -m pytest "$@"
