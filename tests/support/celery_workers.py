"""Celery workers of the project as subprocesses (one pool process each) on a queue of their own, for
the tests and the calculation benchmark; and pointing this process's Celery app at them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class CeleryWorker:
    def __init__(self, queue: str, log: Path, **env: str) -> None:
        """`env` adds to this process's environment (without its Django, pytest and Celery task settings):
        DATABASE_URL and CELERY_BROKER_URL when they differ from this process's."""
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "CELERY_TASK"))
        }
        environment.update(
            DJANGO_SETTINGS_MODULE="config.settings", DEBUG="true", CELERY_TASK_DEFAULT_QUEUE=queue, **env
        )
        self.log_path = log
        self.popen = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "-Q",
                queue,
                "--hostname",
                f"{log.stem}-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while " ready." not in self.log():
            if time.monotonic() > deadline or self.popen.poll() is not None:
                raise RuntimeError("the Celery worker did not start: " + self.log()[-2000:])
            time.sleep(0.1)

    def children(self) -> list[int]:
        """The pool processes that run the tasks."""
        path = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def peak_mb(self) -> float:
        """The largest peak memory of the worker's processes (the main one and its pool process)."""
        peaks = [0.0]
        for pid in (self.popen.pid, *self.children()):
            status = Path(f"/proc/{pid}/status")
            for line in status.read_text().splitlines() if status.exists() else ():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)


def send_to(app: Any, queue: str, broker: str | None = None) -> None:
    """This process's Celery app sends its tasks to `queue` (on `broker`, when given), not eagerly."""
    app.conf.update(task_always_eager=False, task_default_queue=queue)
    if broker is not None:
        app.conf.update(broker_url=broker)
    reset(app)


def reset(app: Any) -> None:
    """The app's connections and routes made anew from its configuration (another broker, queue)."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.__dict__.pop("amqp", None)
