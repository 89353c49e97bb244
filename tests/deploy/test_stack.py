"""The production deployment, started as the systemd units start it: `serve.sh prepare` (check
--deploy, migrate, collectstatic), then gunicorn (`serve.sh web`) and a Celery worker (`serve.sh
worker`) as subprocesses on a loopback port, against the test database on PostgreSQL and the local
Redis. A person signs in, opens pages, queues a calculation that the worker runs, and /healthz
reports both components. PostgreSQL only: SQLite is the embedded development default."""

from __future__ import annotations

import os
import re
import time

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from motiva.calc.models import CalculationRun, RunStatus
from tests.deploy import stack
from tests.support.pgcluster import free_port

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="the production deployment runs on PostgreSQL (set DATABASE_URL=postgres://…)",
)

REDIS = "127.0.0.1:6379"
PASSWORD = "x-Secret-123"


def _redis_or_skip() -> str:
    import redis

    # a database of its own, so that no other worker on this machine takes the test's tasks
    url = f"redis://{REDIS}/{1 + os.getpid() % 15}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception:
        pytest.skip(f"no Redis at {REDIS}")
    return url


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def production(transactional_db, cast, tmp_path):
    """The cast committed to the test database, and the three processes of the deployment."""
    broker = _redis_or_skip()
    import redis

    redis.Redis.from_url(broker).flushdb()
    port = free_port()
    env = stack.production_env(
        database_url=_test_database_url(),
        port=port,
        static_root=tmp_path / "static",
        broker_url=broker,
        # HR signs in with a password only here: the second factor has its own tests
        MOTIVA_OTP_ROLES="admin",
    )
    # the test settings hash passwords with MD5 for speed; production knows only its own hashers
    hr = cast["users"]["hr"]
    hr.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    hr.save(update_fields=["password"])
    connection.close()  # the subprocesses see what the fixture committed
    prepared = stack.run_prepare(env, tmp_path / "prepare.log")
    assert prepared.returncode == 0, prepared.stdout[-3000:] + prepared.stderr[-3000:]
    web = stack.Process("web", stack.unit_command("motiva-web.service"), env, tmp_path / "web.log").start()
    worker = stack.Process(
        "worker", stack.unit_command("motiva-worker.service"), env, tmp_path / "worker.log"
    ).start()
    try:
        yield {"base": f"http://127.0.0.1:{port}", "web": web, "worker": worker, "env": env, "cast": cast}
    finally:
        web.stop()
        worker.stop()
        redis.Redis.from_url(broker).flushdb()


def test_gunicorn_and_a_celery_worker_serve_motiva(production):
    web, worker, cast = production["web"], production["worker"], production["cast"]
    browser = stack.Browser(production["base"], language="en")

    health = stack.wait_until_answers(browser, "/healthz", web)
    assert health.status == 200, health.text
    body = health.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["broker"]["status"] == "up"  # a real broker, not the embedded mode
    assert "127.0.0.1" not in health.text and "postgres" not in health.text

    # production settings: no debug page, static files from WhiteNoise (collected by prepare)
    missing = browser.get("/no-such-page/")
    assert missing.status == 404 and "Traceback" not in missing.text and "URLconf" not in missing.text
    css = browser.get("/static/motiva/motiva.css")
    assert css.status == 200 and css.headers.get("Content-Type", "").startswith("text/css")
    assert "Cache-Control" in css.headers

    # sign in and read pages
    answer = browser.login("hr", PASSWORD)
    assert answer.status == 302, answer.text[:2000]
    assert browser.cookie("sessionid")
    organization = cast["company"].pk
    period = cast["period"]
    for path in (
        "/",
        f"/o/{organization}/periods/",
        f"/o/{organization}/periods/{period.pk}/",
        f"/o/{organization}/people/",
    ):
        page = browser.get(path)
        assert page.status == 200, (path, page.status, web.log()[-3000:])

    # queue a calculation: the web process only enqueues it, the worker computes it
    before = set(CalculationRun.objects.values_list("pk", flat=True))
    period_page = browser.get(f"/o/{organization}/periods/{period.pk}/")
    action = f"/o/{organization}/periods/{period.pk}/run/"
    fields = stack.hidden_fields(period_page.text, action)
    assert "csrfmiddlewaretoken" in fields
    fields.update(reason="deployment test", confirm="1")
    queued = browser.post(action, fields)
    assert queued.status == 302, queued.text[:2000]
    run_id = stack.location_id(queued.headers["Location"], r"/runs/(\d+)/")
    assert run_id not in before
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = CalculationRun.objects.get(pk=run_id)
        if run.status in (RunStatus.DONE, RunStatus.FAILED):
            break
        time.sleep(0.5)
    assert run.status == RunStatus.DONE, (run.status, worker.log()[-4000:])
    log = worker.log()
    assert "motiva.calc.execute_run" in log and re.search(r"succeeded in [\d.]+s", log), log[-4000:]
    assert browser.get(f"/o/{organization}/runs/{run_id}/").status == 200

    # a worker that stops does not take the site down: /healthz still reports the broker up
    worker.stop()
    assert browser.get("/healthz").status == 200
    assert web.alive()
