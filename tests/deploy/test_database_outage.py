"""The database goes away under a running production web process and comes back.

A private PostgreSQL cluster (tests/support/pgcluster.py: loopback, its own port, a temp directory)
serves gunicorn, started as the systemd unit starts it. While the cluster is stopped, every page
answers 503 with Retry-After at once; while it hangs (the postmaster suspended: connects are
accepted by the kernel and never answered) the answer waits for DATABASE_CONNECT_TIMEOUT and is a
503 too; when the cluster returns, the same session works again with nothing restarted. A service
interrupted in the middle by the outage leaves nothing behind. Runs whatever DATABASE_URL says
(the cluster is its own); skipped where PostgreSQL's server binaries are missing."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.deploy import stack
from tests.support import pgcluster

pytestmark = pytest.mark.skipif(bool(pgcluster.available()), reason=pgcluster.available() or "")

PASSWORD = "outage-Secret-123"
CONNECT_TIMEOUT = 2

CREATE_USER = f"""
from django.contrib.auth import get_user_model
get_user_model().objects.create_user(username="olga", password={PASSWORD!r})
"""

# Runs inside `manage.py shell`: the audit record (the last write of organization_create) first
# crashes the database server, so the organization and its calendars were already inserted when
# the connection dies. The service's transaction must take them all away.
INTERRUPTED_WRITE = """
import json, os, subprocess
from django.db import OperationalError
from motiva.core import audit
from motiva.org import services
from django.contrib.auth import get_user_model

original = audit.record
def crash_then_record(**kwargs):
    subprocess.run(json.loads(os.environ["CRASH_COMMAND"]), check=True, capture_output=True)
    return original(**kwargs)
audit.record = crash_then_record
try:
    services.organization_create(actor=get_user_model().objects.get(username="olga"), name="Half-saved LLC")
    print("RESULT committed")
except OperationalError as error:
    print("RESULT refused", type(error).__name__)
"""


def _manage(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=stack.ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def outage_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outage")
    cluster = pgcluster.PgCluster()
    cluster.start()
    try:
        url = cluster.create_database("motiva")
        env = stack.production_env(
            database_url=url,
            port=pgcluster.free_port(),
            static_root=tmp / "static",
            DATABASE_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
            MOTIVA_RETRY_AFTER="15",
        )
        migrated = _manage(env, "migrate", "--noinput", "-v0")
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        made = _manage(env, "shell", "-c", CREATE_USER)
        assert made.returncode == 0, made.stderr[-3000:]
        web = stack.Process("web", stack.unit_command("motiva-web.service"), env, tmp / "web.log").start()
        try:
            yield {"cluster": cluster, "env": env, "web": web, "base": "http://" + env["MOTIVA_BIND"]}
        finally:
            web.stop()
    finally:
        cluster.destroy()


def _wait_for(
    browser: stack.Browser, path: str, status: int, timeout: float = 60
) -> tuple[stack.Answer, float]:
    began = time.monotonic()
    while True:
        answer = browser.get(path, timeout=30)
        if answer.status == status or time.monotonic() - began > timeout:
            return answer, time.monotonic() - began
        time.sleep(0.2)


def test_pages_answer_503_while_the_database_is_down_and_recover_by_themselves(outage_site):
    cluster, web = outage_site["cluster"], outage_site["web"]
    browser = stack.Browser(outage_site["base"], language="en")
    assert stack.wait_until_answers(browser, "/healthz", web).status == 200
    assert browser.login("olga", PASSWORD).status == 302
    assert browser.get("/").status == 200
    pages = ["/", "/me/", "/o/1/periods/", "/healthz"]

    # 1. the server is stopped (a crash): refused connects, an answer at once
    cluster.stop("immediate")
    slowest = 0.0
    for path in pages:
        answer = browser.get(path, timeout=30)
        slowest = max(slowest, answer.elapsed)
        assert answer.status == 503, (path, answer.status, web.log()[-3000:])
        assert answer.headers["Retry-After"] == "15", path
        assert answer.headers.get("Cache-Control") == "no-store"
    print(f"\na stopped database: 503 in at most {slowest:.3f} s")
    page = browser.get("/me/")
    assert 'data-testid="error-503"' in page.text and "Temporarily unavailable" in page.text
    assert str(cluster.port) not in page.text and "127.0.0.1" not in page.text
    russian = stack.Browser(outage_site["base"], language="ru", jar=browser.jar).get("/me/")
    assert russian.status == 503 and '<html lang="ru">' in russian.text
    health = browser.get("/healthz")
    assert health.json()["checks"]["database"]["status"] == "down"
    assert str(cluster.port) not in health.text
    # a POST (sign out) is refused the same way and changes nothing
    assert browser.post("/logout/", stack.hidden_fields(page.text) or {"x": "1"}).status in (503, 403)
    assert web.alive()

    # 2. the server returns: the same session works again, nobody restarts gunicorn
    cluster.start()
    answer, recovery = _wait_for(browser, "/", 200)
    assert answer.status == 200, (answer.status, web.log()[-3000:])
    assert browser.get("/healthz").status == 200
    print(f"recovered {recovery:.2f} s after the database accepted connections")

    # 3. the server hangs: connects wait DATABASE_CONNECT_TIMEOUT, then 503 (a worker is never stuck)
    cluster.stop("fast")
    cluster.start()
    cluster.freeze()
    try:
        answer = browser.get("/me/", timeout=60)
        assert answer.status == 503, (answer.status, web.log()[-3000:])
        assert answer.headers["Retry-After"] == "15"
        print(
            f"a hung database: 503 after {answer.elapsed:.2f} s (DATABASE_CONNECT_TIMEOUT={CONNECT_TIMEOUT})"
        )
    finally:
        cluster.thaw()
    answer, _ = _wait_for(browser, "/", 200)
    assert answer.status == 200


def test_a_write_interrupted_by_the_outage_leaves_nothing(outage_site):
    """organization_create inserts the organization and its production calendars, then audits; the
    server crashes before the audit insert. Without the service's transaction the organization and
    its calendars would stay (autocommit); with it, nothing does."""
    cluster = outage_site["cluster"]
    if not cluster.is_running():
        cluster.start()
    counts = "SELECT (SELECT count(*) FROM core_organization), (SELECT count(*) FROM worktime_calendaryear), (SELECT count(*) FROM core_auditevent)"
    before = cluster.psql(counts, "motiva")
    crash = cluster._command("pg_ctl", "-D", str(cluster.data), "-m", "immediate", "-w", "stop")
    result = _manage(
        dict(outage_site["env"], CRASH_COMMAND=json.dumps(crash)), "shell", "-c", INTERRUPTED_WRITE
    )
    assert "RESULT refused OperationalError" in result.stdout, result.stdout + result.stderr[-3000:]
    assert not cluster.is_running()
    cluster.start()
    assert cluster.psql(counts, "motiva") == before == "0|0|0"


def test_the_connect_timeout_reaches_the_driver(outage_site):
    shown = _manage(
        outage_site["env"],
        "shell",
        "-c",
        "from django.db import connection; print(connection.get_connection_params()['connect_timeout'])",
    )
    assert shown.stdout.strip().splitlines()[-1] == str(CONNECT_TIMEOUT), shown.stderr[-2000:]
