"""Real servers the reliability tests start, stop and kill: a Redis, a PostgreSQL cluster
and a Celery worker, each on a free loopback port and stopped at the end, also on failure.
The shared development servers are never touched."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class RedisServer:
    """redis-server on 127.0.0.1:<free port>, no persistence; start() and stop() at will."""

    def __init__(self, workdir: Path):
        if not Path(REDIS_SERVER).exists():
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), timeout=10, what="redis-server to listen")

    def stop(self) -> None:
        """What an outage looks like to clients: the port refuses connections."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class PostgresServer:
    """A throwaway PostgreSQL 15 cluster (initdb in a temporary directory, trust auth)."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"PostgreSQL binaries not found in {PG_BIN}")
        self.port = free_port()
        # Not under pytest's tmp_path: the postgres user cannot enter root's 0700 directories.
        workdir = self.workdir = Path(tempfile.mkdtemp(prefix="prevent-pg-"))
        self.data = workdir / "pgdata"
        self.log = workdir / "pg.log"
        self.data.mkdir(parents=True)
        self.as_root = os.geteuid() == 0
        if self.as_root:  # initdb refuses to run as root, as in .ci/run
            shutil.chown(workdir, "postgres")
            shutil.chown(self.data, "postgres")
        self._run(
            [PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8"]
            + ["--locale=C.UTF-8"]
        )

    def _run(self, args) -> None:
        args = [str(a) for a in args]
        if self.as_root:
            args = ["runuser", "-u", "postgres", "--", *args]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            [PG_BIN / "pg_ctl", "-D", self.data, "-w", "-t", "30", "-l", self.log]
            + ["-o", options, action, *extra]
        )

    def database_settings(self, name: str = "postgres") -> dict:
        return {"HOST": "127.0.0.1", "PORT": str(self.port), "USER": "postgres", "NAME": name}


class CeleryWorker:
    """`celery -A prevent_portal worker` as its own process group, so a test can SIGKILL the
    main process and its pool child at once, as when the host dies."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env = {**os.environ, **env}
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "prevent_portal", "worker"]
                + ["--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-heartbeat"]
                + ["--without-mingle", "--without-gossip"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL to the whole worker: no shutdown, no acknowledgement, no cleanup."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def kill_pool_process(self) -> None:
        """SIGKILL to the pool process running the task; the main process lives on."""
        children = [
            int(pid)
            for pid in (Path("/proc") / str(self.process.pid) / "task").glob("*/children")
            for pid in pid.read_text().split()
        ]
        assert len(children) == 1, f"expected one pool process, found {children}"
        os.kill(children[0], signal.SIGKILL)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None


def database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    if settings_dict.get("PASSWORD"):
        user = f"{user}:{settings_dict['PASSWORD']}"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
