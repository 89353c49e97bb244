"""What a retry key costs a POST.

    DATABASE_URL=postgres://… python benchmarks/idempotency.py --requests 300

Signs a throwaway user in (Django's test client, in this process) and posts the language switch —
a light view, so the middleware's share shows — N times without a key, N times each with a fresh key
(claim: one INSERT, outcome: one UPDATE) and N times repeating one key (the replay: one SELECT, the
view not run). Prints the p50 and p95 of each in milliseconds; the last line is one JSON object. It
asserts nothing and deletes its user (and so its keys) at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from motiva.idempotency.models import IdempotencyKey  # noqa: E402
from motiva.web.idempotency import FIELD_NAME  # noqa: E402


def timed(client: Client, n: int, data_for) -> list[float]:
    times = []
    for i in range(n):
        start = time.perf_counter()
        response = client.post("/i18n/setlang/", data_for(i), secure=True)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 302, response.status_code
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    n = parser.parse_args().requests
    user = get_user_model().objects.create_user(username=f"bench-idem-{secrets.token_hex(4)}")
    try:
        client = Client()
        client.force_login(user)
        base = {"language": "en", "next": "/"}
        timed(client, 20, lambda i: base)  # warm up
        plain = timed(client, n, lambda i: base)
        fresh = timed(client, n, lambda i: {**base, FIELD_NAME: f"bench-key-{i:08d}"})
        repeated = timed(client, n, lambda i: {**base, FIELD_NAME: "bench-key-repeat"})
        kept = IdempotencyKey.objects.filter(user=user).count()
    finally:
        user.delete()
    result = {
        "benchmark": "idempotency",
        "database": connection.vendor,
        "requests": n,
        "no_key": summary(plain),
        "fresh_key": summary(fresh),
        "repeated_key": summary(repeated),
        "keys_kept": kept,
    }
    for name in ("no_key", "fresh_key", "repeated_key"):
        print(f"{name:13} p50 {result[name]['p50_ms']} ms  p95 {result[name]['p95_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
