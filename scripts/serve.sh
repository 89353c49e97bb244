#!/usr/bin/env bash
# Runs Motiva's production processes with the settings from the environment (docs/deployment.md).
#
#   scripts/serve.sh prepare   check the settings (check --deploy), migrate, collect static files
#   scripts/serve.sh web       the web process: gunicorn with config/gunicorn.conf.py (foreground)
#   scripts/serve.sh worker    a Celery worker for calculation runs and import jobs (foreground)
#   scripts/serve.sh           all three: prepare, then the worker in the background and the web in front;
#                              Ctrl+C or SIGTERM stops both
#
# The systemd units in deploy/systemd run exactly `serve.sh prepare`, `serve.sh web` and `serve.sh worker`.
# Needs at least SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL; an env file
# can be loaded with MOTIVA_ENV_FILE=/etc/motiva/motiva.env (deploy/motiva.env.example lists them all).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${MOTIVA_ENV_FILE:-}" ]; then
  set -a
  # shellcheck disable=SC1090
  . "$MOTIVA_ENV_FILE"
  set +a
fi
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings}"
VENV="${MOTIVA_VENV:-.venv}"

need() {
  if [ -z "${!1:-}" ]; then
    echo "serve.sh: $1 is not set ($2)" >&2
    exit 2
  fi
}

prepare() {
  need SECRET_KEY "the Django secret key"
  need DATABASE_URL "postgres://user:password@host:5432/motiva"
  "$VENV/bin/python" manage.py check --deploy --fail-level "${MOTIVA_CHECK_LEVEL:-ERROR}"
  # migrate runs as the schema's owner when MIGRATE_DATABASE_URL names it, and then brings the
  # application role's grants up to date (docs/deployment.md, "Two database roles").
  "$VENV/bin/python" manage.py migrate --noinput
  "$VENV/bin/python" manage.py collectstatic --noinput -v0
}

web() {
  unset MIGRATE_DATABASE_URL  # the owner's connection stays with `prepare`
  need SECRET_KEY "the Django secret key"
  need DATABASE_URL "postgres://user:password@host:5432/motiva"
  exec "$VENV/bin/gunicorn" --config config/gunicorn.conf.py config.wsgi:application
}

worker() {
  unset MIGRATE_DATABASE_URL
  need SECRET_KEY "the Django secret key"
  need DATABASE_URL "postgres://user:password@host:5432/motiva"
  need CELERY_BROKER_URL "redis://127.0.0.1:6379/0 or amqp://user:password@host:5672//"
  exec "$VENV/bin/celery" --app config.celery:app worker \
    --loglevel "${LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}" \
    --hostname "motiva@%h" --without-gossip --without-mingle
}

case "${1:-all}" in
  prepare) prepare ;;
  web) web ;;
  worker) worker ;;
  all)
    ( prepare )
    ( worker ) &
    worker_pid=$!
    ( web ) &
    web_pid=$!
    trap 'kill -TERM "$web_pid" "$worker_pid" 2>/dev/null || true' INT TERM
    # when one of the two ends (or a signal came), stop the other and wait for both
    wait -n "$web_pid" "$worker_pid" || true
    kill -TERM "$web_pid" "$worker_pid" 2>/dev/null || true
    wait || true
    ;;
  *)
    echo "usage: scripts/serve.sh [prepare|web|worker|all]" >&2
    exit 2
    ;;
esac
