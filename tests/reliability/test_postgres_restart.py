"""PostgreSQL restarts under a running application (gunicorn, persistent connections as in
production): with CONN_HEALTH_CHECKS the next request reconnects and nothing fails. The
control run without health checks shows what the setting prevents: one 500, then recovery.

The database is a throwaway cluster started by the test, loaded with the schema of the test
database (pg_dump), so the shared development server is never restarted.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import connection

from tests.reliability.servers import (
    PG_BIN,
    ROOT,
    PostgresServer,
    free_port,
    port_open,
    wait_for,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,  # so that pytest-django creates the test database to copy
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="restarts a PostgreSQL server it starts"
    ),
]


@pytest.fixture
def postgres(db):
    server = PostgresServer()
    server.start()
    try:
        source = connection.settings_dict  # the test database, migrated by pytest-django
        name = source["NAME"]
        dump = subprocess.run(
            [str(PG_BIN / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges"]
            + ["-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432)]
            + ["-U", source["USER"] or "postgres", name],
            check=True,
            capture_output=True,
        ).stdout
        psql = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres"]
        subprocess.run([*psql, "-qc", "CREATE DATABASE portal"], check=True)
        subprocess.run(
            [*psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", "portal"],
            input=dump,
            check=True,
            capture_output=True,
        )
        yield server
    finally:
        server.stop()


class Web:
    """gunicorn, one sync worker (so every request reuses the same database connection)."""

    def __init__(self, postgres: PostgresServer, tmp_path, *, health_checks: bool):
        self.port = free_port()
        env = {
            "DJANGO_ENV": "test",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{postgres.port}/portal",
            "CONN_MAX_AGE": "60",
            "CONN_HEALTH_CHECKS": str(health_checks).lower(),
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        self.log = tmp_path / f"gunicorn-{health_checks}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "prevent_portal.wsgi:application"]
                + ["--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--timeout", "30"],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: port_open(self.port), timeout=60, what="gunicorn to listen")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def status(self, path: str, data: dict | None = None) -> int:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body)
        if data is not None:
            request.add_header("Referer", f"http://127.0.0.1:{self.port}{path}")
        try:
            with self.opener.open(request, timeout=30) as response:
                self.last_body = response.read().decode()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def journey(self) -> list[int]:
        """Health check (raw SQL), the sign-in page, and a wrong password (ORM reads and
        writes: the user, the failed-attempt record)."""
        statuses = [self.status("/healthz"), self.status("/sign-in/")]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.last_body)
        form = {"username": "nobody", "password": "wrong"}  # noqa: S106 - a test credential
        statuses.append(self.status("/sign-in/", {"csrfmiddlewaretoken": token[1], **form}))
        return statuses

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


@pytest.fixture
def web_factory(postgres, tmp_path):
    started = []

    def start(*, health_checks: bool) -> Web:
        started.append(Web(postgres, tmp_path, health_checks=health_checks))
        return started[-1]

    yield start
    for web in started:
        web.stop()


def test_requests_after_a_postgres_restart_succeed_without_restarting_the_app(
    postgres, web_factory
):
    web = web_factory(health_checks=True)
    assert web.journey() == [200, 200, 200]
    postgres.restart()
    assert web.journey() == [200, 200, 200]
    assert web.journey() == [200, 200, 200]


def test_without_health_checks_the_first_request_after_a_restart_fails(postgres, web_factory):
    """The control: what CONN_HEALTH_CHECKS prevents. The persistent connection is dead; the
    first request that uses it fails with a 500 and Django discards the connection; the next
    request opens a new one and succeeds."""
    web = web_factory(health_checks=False)
    assert web.journey() == [200, 200, 200]
    postgres.restart()
    assert web.status("/healthz") == 500
    assert web.journey() == [200, 200, 200]
