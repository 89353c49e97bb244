"""A private, throw-away PostgreSQL cluster for fault tests and fault benchmarks.

The cluster lives in a temporary directory, listens on 127.0.0.1 only, on a free port of its own
(never the shared 5432), with its Unix socket inside that directory, and is run with Debian's
PostgreSQL binaries (``/usr/lib/postgresql/<version>/bin``, overridable with ``MOTIVA_PG_BIN``).
PostgreSQL refuses to run as root: when this process is root, every server command runs as the
``postgres`` system user through ``runuser`` (the directory is handed to that user); otherwise it
runs as the current user.

Interface::

    from tests.support.pgcluster import PgCluster, available

    if not available():            # None when usable, else the reason (for pytest.skip)
        ...
    with PgCluster() as cluster:   # initdb + start; stop + delete on exit
        cluster.create_database("motiva")
        url = cluster.url("motiva")          # postgres://postgres@127.0.0.1:<port>/motiva
        cluster.stop()                       # "fast" (default) or cluster.stop("immediate") = a crash
        cluster.is_running()                 # False
        cluster.start()                      # same data, same port
        cluster.freeze(); cluster.thaw()     # SIGSTOP/SIGCONT the postmaster: connects hang (a black hole)

``PgCluster(port=None, version=None, keep=False)``: ``port`` picks a fixed port (default: a free
one), ``keep=True`` leaves the directory on exit (for a post-mortem). ``cluster.port``,
``cluster.directory``, ``cluster.log_path`` (the server's log) are attributes. ``start()`` waits
until the server accepts connections (``pg_isready``) and returns the seconds it took.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "postgres"


def _bin_dir(version: str | None = None) -> Path | None:
    override = os.environ.get("MOTIVA_PG_BIN")
    if override:
        return Path(override)
    root = Path("/usr/lib/postgresql")
    if not root.is_dir():
        return None
    versions = [version] if version else sorted((p.name for p in root.iterdir()), key=_version_key)
    for name in reversed(versions):
        candidate = root / name / "bin"
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def available(version: str | None = None) -> str | None:
    """None when a private cluster can be started here, else the reason why not."""
    if _bin_dir(version) is None:
        return "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin or MOTIVA_PG_BIN)"
    if _as_root():
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing (PostgreSQL refuses to run as root)"
        try:
            import pwd

            pwd.getpwnam(SUPERUSER)
        except KeyError:
            return "running as root and there is no 'postgres' system user to run the server"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PgCluster:
    def __init__(self, port: int | None = None, version: str | None = None, keep: bool = False) -> None:
        reason = available(version)
        if reason:
            raise RuntimeError(reason)
        self.bin = _bin_dir(version)
        assert self.bin is not None
        self.port = port or free_port()
        self.keep = keep
        self.directory = Path(tempfile.mkdtemp(prefix="motiva-pg-"))
        self.data = self.directory / "data"
        self.log_path = self.directory / "server.log"
        self._frozen = False
        if _as_root():
            import pwd

            entry = pwd.getpwnam(SUPERUSER)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                "\n# motiva private test cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.directory}'\n"
                # fsync off is safe for a process crash (the OS keeps the written WAL); commits stay
                # synchronous so that a committed row survives `stop("immediate")`
                "fsync = off\nfull_page_writes = off\n"
                "max_connections = 60\nshared_buffers = 32MB\n"
            )

    # --- running commands -------------------------------------------------------------------------
    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin / program), *args] if self.bin else [program, *args]
        if _as_root():
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        return command

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._command(program, *args),
            capture_output=True,
            text=True,
            check=check,
            cwd=self.directory,
            timeout=120,
        )

    # --- life cycle --------------------------------------------------------------------------------
    def start(self) -> float:
        """Start the server; return the seconds until it accepted connections."""
        began = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "-t", "60", "start")
        deadline = began + 60
        while time.monotonic() < deadline:
            ready = self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False)
            if ready.returncode == 0:
                return time.monotonic() - began
            time.sleep(0.05)
        raise RuntimeError(f"PostgreSQL did not become ready; see {self.log_path}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast" (clients disconnected, clean), "immediate" (like a crash)."""
        if mode not in ("smart", "fast", "immediate"):
            raise ValueError(f"unknown stop mode {mode!r}")
        if self._frozen:
            self.thaw()
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def is_running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def _postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def freeze(self) -> None:
        """Suspend the postmaster: new connections are accepted by the kernel but never answered."""
        os.kill(self._postmaster_pid(), signal.SIGSTOP)
        self._frozen = True

    def thaw(self) -> None:
        os.kill(self._postmaster_pid(), signal.SIGCONT)
        self._frozen = False

    def destroy(self) -> None:
        if self.is_running():
            self.stop("immediate")
        if not self.keep:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()

    # --- databases ---------------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL through psql (tuples only, unaligned) and return its output."""
        result = self._run(
            "psql", "-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-p", str(self.port),
            "-U", SUPERUSER, "-d", database, "-v", "ON_ERROR_STOP=1", "-c", sql,
        )  # fmt: skip
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name)
        return self.url(name)
