"""Starting Motiva's production processes as subprocesses for the deployment tests: exactly the
commands of the systemd units (scripts/serve.sh prepare|web|worker) with production settings
(config.settings, DEBUG off) on a loopback port, and a small cookie-keeping HTTP client."""

from __future__ import annotations

import html.parser
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "scripts" / "serve.sh"


def unit_command(unit: str) -> list[str]:
    """The ExecStart of deploy/systemd/<unit>, with the installed path (/opt/motiva) made this checkout."""
    text = (ROOT / "deploy" / "systemd" / unit).read_text(encoding="utf-8")
    line = next(row for row in text.splitlines() if row.startswith("ExecStart="))
    words = line.removeprefix("ExecStart=").split()
    return [words[0].replace("/opt/motiva", str(ROOT)), *words[1:]]


def production_env(
    *, database_url: str, port: int, static_root: Path, broker_url: str = "", **extra: str
) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "MOTIVA_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="deploy-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # plain HTTP on the loopback: TLS ends at the proxy in a real installation
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        MOTIVA_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        CELERY_CONCURRENCY="1",
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child writes to it until it stops
        self.popen = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 30) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)


def run_prepare(env: dict[str, str], log_path: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        unit_command("motiva-prepare.service"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    log_path.write_text(result.stdout + result.stderr, encoding="utf-8")
    return result


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float
    url: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> object:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Browser:
    """Cookies, CSRF and redirects handled explicitly; every answer is returned (4xx/5xx too)."""

    base: str
    language: str = "ru"
    jar: CookieJar = field(default_factory=CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        timeout: float = 30,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - loopback test server
        req.add_header("Accept-Language", self.language)
        if method == "POST":
            req.add_header("Referer", self.base + "/")
            token = self.cookie("csrftoken")
            if token:
                req.add_header("X-CSRFToken", token)
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        began = time.monotonic()
        try:
            with self.opener.open(req, timeout=timeout) as response:
                payload = response.read()
                return Answer(response.status, dict(response.headers), payload, time.monotonic() - began, url)
        except urllib.error.HTTPError as error:
            payload = error.read()
            return Answer(error.code, dict(error.headers), payload, time.monotonic() - began, url)

    def get(self, path: str, **kwargs: object) -> Answer:
        return self.request("GET", path, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, data: dict[str, str], **kwargs: object) -> Answer:
        return self.request("POST", path, data=data, **kwargs)  # type: ignore[arg-type]

    def cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.jar if c.name == name), "")

    def login(self, username: str, password: str) -> Answer:
        page = self.get("/login/")
        fields = hidden_fields(page.text, action="")  # the sign-in form posts to its own address
        fields.update(username=username, password=password)
        return self.post("/login/", fields)


class _Hidden(html.parser.HTMLParser):
    def __init__(self, action: str | None) -> None:
        super().__init__()
        self.action = action
        self.inside = action is None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and self.action is not None:
            self.inside = (values.get("action") or "") == self.action
        elif tag == "input" and self.inside and values.get("type") == "hidden" and values.get("name"):
            self.fields[values["name"] or ""] = values.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.action is not None:
            self.inside = False


def hidden_fields(page: str, action: str | None = None) -> dict[str, str]:
    """The hidden inputs (CSRF token, idempotency key) of the form posting to `action` (any form if None)."""
    parser = _Hidden(action)
    parser.feed(page)
    return parser.fields


def wait_until_answers(browser: Browser, path: str, process: Process, timeout: float = 90) -> Answer:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not process.alive():
            raise AssertionError(f"{process.name} exited:\n{process.log()[-4000:]}")
        try:
            return browser.get(path, timeout=10)
        except OSError as error:  # not listening yet
            last = error
            time.sleep(0.3)
    raise AssertionError(f"{process.name} never answered {path}: {last}\n{process.log()[-4000:]}")


def location_id(location: str, pattern: str) -> int:
    match = re.search(pattern, location)
    if not match:
        raise AssertionError(f"unexpected redirect {location!r}")
    return int(match.group(1))
