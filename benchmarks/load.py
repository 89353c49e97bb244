"""Load run of a running Motiva deployment (docs/deployment.md, "Load run").

    bash scripts/serve.sh &          # gunicorn + Celery worker on the demo data (PostgreSQL)
    python benchmarks/load.py --base http://127.0.0.1:8000 --minutes 10

8 concurrent clients (--clients) sign in first as demo people of different roles and then, until
the time is up, open a mix of pages: my card (employee), my team, the fact grid, the period page and
the people list (line manager, general director) and /healthz. The addresses are found the way a
person finds them: from the links of the pages (the navigation, the periods list, the period page).
It prints p50/p95/p99 per page, the error rate (any answer but 200, or no answer within --timeout
seconds), the requests per second, and as the last line one JSON object with all of it. It asserts
nothing; it only reads (no form is sent except the sign-in).
"""

from __future__ import annotations

import argparse
import html.parser
import json
import os
import random
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from http.cookiejar import CookieJar

# who signs in, and the pages each role opens (names as printed)
ROLES = {
    "employee": ["my_card", "my_card", "healthz"],
    "manager": ["team", "facts", "period", "people", "healthz"],
    "director": ["period", "people", "team", "facts", "healthz"],
}
CLIENT_ROLES = ["employee", "manager", "director"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class _Hidden(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields, self.inside = {}, False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "form":
            self.inside = not values.get("action")
        elif tag == "input" and self.inside and values.get("type") == "hidden" and values.get("name"):
            self.fields[values["name"]] = values.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


class Client:
    def __init__(self, base: str, timeout: float):
        self.base, self.timeout = base.rstrip("/"), timeout
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - the deployment under test
        req.add_header("Accept-Language", "ru")
        if data is not None:
            req.add_header("Referer", self.base + "/")
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def request_location(self, path: str) -> tuple[int, str]:
        req = urllib.request.Request(self.base + path)  # noqa: S310 - the deployment under test
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                return response.status, ""
        except urllib.error.HTTPError as error:
            location = error.headers.get("Location", "")
            return error.code, urllib.parse.urlsplit(location).path if location else ""

    def login(self, username: str, password: str) -> None:
        status, page = self.request("/login/")
        if status != 200:
            raise SystemExit(f"/login/ answered {status}")
        parser = _Hidden()
        parser.feed(page)
        status, _ = self.request("/login/", {**parser.fields, "username": username, "password": password})
        if status != 302:
            raise SystemExit(
                f"signing in as {username!r} failed ({status}): is MOTIVA_DEMO=true, the demo loaded?"
            )


def _first(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(0) if match else None


def discover(client: Client, role: str) -> dict[str, str]:
    """The addresses of the role's pages, from the links a person would follow."""
    urls = {"healthz": "/healthz", "my_card": "/me/"}
    status, location = client.request_location("/me/")
    if status == 302 and location.startswith("/"):
        urls["my_card"] = location  # /me/ sends a person to their own card
    _, home = client.request("/")
    team = _first(r"/o/\d+/team/", home)
    if team:
        urls["team"] = team
    people = _first(r"/o/\d+/people/", home)
    if people:
        urls["people"] = people
    periods = _first(r"/o/\d+/periods/", home)
    if periods:
        _, listing = client.request(periods)
        # the first period of the list that is open for facts, else the first one
        details = re.findall(r"/o/\d+/periods/\d+/", listing)
        for detail in dict.fromkeys(details):
            _, page = client.request(detail)
            facts = _first(r"/o/\d+/periods/\d+/facts/", page)
            urls.setdefault("period", detail)
            if facts:
                urls["period"], urls["facts"] = detail, facts
                break
    return {name: urls[name] for name in ROLES[role] if name in urls}


def worker(
    client: Client, urls: dict[str, str], names: list[str], deadline: float, seed: int, out: dict, lock
):
    rng = random.Random(seed)
    names = [n for n in names if n in urls]
    local: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    statuses: dict[str, int] = defaultdict(int)
    while time.monotonic() < deadline:
        name = rng.choice(names)
        began = time.perf_counter()
        try:
            status, _ = client.request(urls[name])
        except OSError as error:
            status = type(error).__name__
        local[name].append(time.perf_counter() - began)
        statuses[str(status)] += 1
        if status != 200:
            errors[name] += 1
    with lock:
        for name, values in local.items():
            out["latency"][name].extend(values)
        for name, n in errors.items():
            out["errors"][name] += n
        for status, n in statuses.items():
            out["statuses"][status] += n


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--password", default="motiva-demo")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.minutes <= 0 or args.clients < 1:
        parser.error("--minutes must be positive and --clients at least 1")

    clients = []
    for index in range(args.clients):
        role = CLIENT_ROLES[index % len(CLIENT_ROLES)]
        client = Client(args.base, args.timeout)
        client.login(role, args.password)
        urls = discover(client, role)
        clients.append((role, client, urls))
        print(f"client {index + 1}: {role}: {', '.join(f'{k} {v}' for k, v in urls.items())}", flush=True)

    load_before = os.getloadavg()[0]
    out = {"latency": defaultdict(list), "errors": defaultdict(int), "statuses": defaultdict(int)}
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + args.minutes * 60
    threads = [
        threading.Thread(target=worker, args=(client, urls, ROLES[role], deadline, i, out, lock))
        for i, (role, client, urls) in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    total = sum(len(v) for v in out["latency"].values())
    failed = sum(out["errors"].values())
    pages = {}
    print(f"\n{'page':<10} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name in sorted(out["latency"]):
        values = out["latency"][name]
        pages[name] = {
            "requests": len(values),
            "errors": out["errors"][name],
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(percentile(values, 95) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
        }
        row = pages[name]
        print(
            f"{name:<10} {row['requests']:>9} {row['errors']:>7} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8}"
        )
    everything = [v for values in out["latency"].values() for v in values]
    summary = {
        "benchmark": "load",
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": total,
        "requests_per_second": round(total / elapsed, 1) if elapsed else 0,
        "error_rate": round(failed / total, 5) if total else None,
        "statuses": dict(out["statuses"]),
        "p50_ms": round(statistics.median(everything) * 1000, 1) if everything else None,
        "p95_ms": round(percentile(everything, 95) * 1000, 1),
        "p99_ms": round(percentile(everything, 99) * 1000, 1),
        "pages": pages,
        # the machine's 1-minute load average before and after: other work on it shows here
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(f"\nall: {total} requests, {summary['requests_per_second']}/s, error rate {summary['error_rate']}")
    print(json.dumps(summary, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
