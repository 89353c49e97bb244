"""Benchmark of the main pages.

    DATABASE_URL=postgres://… python benchmarks/pages.py --employees 10000

Builds a synthetic organization (benchmarks/calc.py's builder), calculates its period, gives one
employee a login, makes another the manager of 200, and prints the p50 and p95 server time of the
home page, my card, my team and the run's results page (Django's test client in this process: the
view, the templates and the database, no network), then the requests per second the threaded
development server answers with concurrent clients. It prints figures, the last line all of them as
one JSON object; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from benchmarks.calc import build, cleanup  # noqa: E402
from motiva.calc.runs import calculation_run_create  # noqa: E402
from motiva.core.models import AuditEvent, Role, RoleAssignment  # noqa: E402
from motiva.org.models import Assignment, Employee  # noqa: E402
from motiva.periods.models import PeriodStatus  # noqa: E402

PASSWORD = "bench-Secret-123"  # noqa: S105 - a throwaway user of a throwaway organization


def prepare(n: int):
    period = build(n, seed=1)
    organization = period.organization
    User = get_user_model()
    tag = organization.pk
    people = list(Employee.objects.filter(organization=organization).order_by("pk")[:202])
    manager, employee = people[0], people[1]
    Assignment.objects.filter(employee_id__in=[p.pk for p in people[1:201]]).update(manager=manager)
    users = {}
    for name, person in (("employee", employee), ("manager", manager), ("hr", people[201])):
        user = User.objects.create_user(username=f"bench{tag}-{name}", password=PASSWORD)
        person.user = user
        person.save(update_fields=["user"])
        users[name] = user
    RoleAssignment.objects.create(user=users["hr"], organization=organization, role=Role.HR)
    return period, users, manager, employee


def signed_in(user) -> Client:
    """A client signed in as the user; HR needs the second factor (MOTIVA_OTP_ROLES), so its session is
    marked as verified by a TOTP device, as the code page does after a good code."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None and user.motiva_roles.exists():
        device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def calculate(period, hr):
    period.status = PeriodStatus.REVIEW
    period.save(update_fields=["status"])
    return calculation_run_create(actor=hr, period=period)


def measure(client: Client, url: str, count: int) -> tuple[float, float, int]:
    times = []
    status = 0
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url, follow=False)
        times.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], status


def throughput(url: str, session_cookie: str, clients: int, seconds: float) -> float:
    done = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal done
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        opener.addheaders = [("Cookie", f"{settings.SESSION_COOKIE_NAME}={session_cookie}")]
        while time.perf_counter() < stop:
            with opener.open(url) as response:
                response.read()
            with lock:
                done += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done / (time.perf_counter() - started)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args, **kwargs) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=60, help="requests per page for the percentiles")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for requests per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    print(f"database: {connection.vendor}; employees: {args.employees}")
    started = time.perf_counter()
    period, users, _manager, employee = prepare(args.employees)
    organization = period.organization
    print(f"{'page':<44} {'p50 ms':>8} {'p95 ms':>8}")
    clients: dict[str, Client] = {}
    figures: dict[str, object] = {"database": connection.vendor, "employees": args.employees, "pages": {}}
    # While facts are collected: HR's home counts what is missing, and the period's page lists it.
    period.status = PeriodStatus.FACT_COLLECTION
    period.save(update_fields=["status"])
    for title, url in (
        ("home (HR, facts being collected)", "/"),
        ("period page (HR, facts being collected)", f"/o/{organization.pk}/periods/{period.pk}/"),
        ("fact grid (HR, first page)", f"/o/{organization.pk}/periods/{period.pk}/facts/"),
        ("people list (HR, first page)", f"/o/{organization.pk}/people/"),
        ("people list (HR, sorted by unit, searched)", f"/o/{organization.pk}/people/?sort=unit&q=a"),
        ("organization tree (HR)", f"/o/{organization.pk}/org/"),
    ):
        if "hr" not in clients:
            clients["hr"] = signed_in(users["hr"])
        client = clients["hr"]
        client.get(url)  # warm up
        p50, p95, status = measure(client, url, args.requests)
        print(f"{title:<44} {p50:>8.1f} {p95:>8.1f}   (HTTP {status})")
        figures["pages"][title] = {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "status": status}
    run = calculate(period, users["hr"])
    print(f"build and calculation: {time.perf_counter() - started:.0f} s")
    figures["build_and_calculation_s"] = round(time.perf_counter() - started)
    pages = [
        ("home (employee)", "employee", "/"),
        ("my card (employee)", "employee", f"/o/{organization.pk}/employees/{employee.pk}/"),
        ("my team (manager of 200)", "manager", f"/o/{organization.pk}/team/"),
        (f"run results ({args.employees} rows, 200 a page)", "hr", f"/o/{organization.pk}/runs/{run.pk}/"),
    ]
    for title, who, url in pages:
        if who not in clients:
            clients[who] = signed_in(users[who])
        client = clients[who]
        client.get(url)  # warm up
        p50, p95, status = measure(client, url, args.requests)
        print(f"{title:<44} {p50:>8.1f} {p95:>8.1f}   (HTTP {status})")
        figures["pages"][title] = {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "status": status}
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    for title, who, url in pages[:3]:
        cookie = clients[who].cookies[settings.SESSION_COOKIE_NAME].value
        rate = throughput(f"http://127.0.0.1:{port}{url}", cookie, args.clients, args.seconds)
        print(
            f"{title}: {rate:.0f} requests/s with {args.clients} concurrent clients (threaded development server)"
        )
        figures["pages"][title]["requests_per_second"] = round(rate)
    server.shutdown()
    if not args.keep:
        for user in users.values():
            Employee.objects.filter(user=user).update(user=None)
            RoleAssignment.objects.filter(user=user).delete()
        cleanup(period)
        for user in users.values():
            TOTPDevice.objects.filter(user=user).delete()
            if AuditEvent.objects.filter(actor=user).exists():  # append-only: the account stays, disabled
                user.is_active = False
                user.set_unusable_password()
                user.save(update_fields=["is_active", "password"])
            else:
                user.delete()
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
