"""gunicorn settings for Motiva's web process (docs/deployment.md); every value can be set from the
environment, so the systemd unit, the compose file and scripts/serve.sh share this one file.

    gunicorn --config config/gunicorn.conf.py config.wsgi:application
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r}: expected a whole number") from None


# Where to listen: a loopback port behind the TLS-terminating proxy (nginx, a load balancer).
bind = [os.environ.get("MOTIVA_BIND", "127.0.0.1:8000")]
# Synchronous workers: a page is a few database queries; 2 × cores + 1 processes keep the CPU busy
# while some wait for PostgreSQL.
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)
# A request that runs longer is killed and logged (an export or a large grid stays well below this).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then: a slow leak never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# The proxy's address whose X-Forwarded-* headers are trusted (see USE_X_FORWARDED_PROTO).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Logs go to stdout/stderr: journald or `docker compose logs` keep them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
proc_name = "motiva-web"
# Each worker imports Django itself (no preload): database connections are never shared by forks.
preload_app = False
# gunicorn's control socket (in the home directory) is not used: systemd and signals manage the process,
# and the unit's home is read-only.
control_socket_disable = True
