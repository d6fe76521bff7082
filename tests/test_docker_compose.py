"""The production shape: docker-compose.yml, .env.example, the Dockerfile and the settings'
refusal to start without their secrets.

Docker has no engine on the development machines, so compose is kept correct by reading it.
"""

from __future__ import annotations

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"web", "worker", "beat", "db", "redis"}
APP_SERVICES = {"web", "worker", "beat"}
REQUIRED_IN_PRODUCTION = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
ENV_LINE = re.compile(r"^\s*(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _env_example() -> tuple[dict[str, str], set[str]]:
    """(variables set in .env.example, variables only shown commented out)."""
    values: dict[str, str] = {}
    commented: set[str] = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = ENV_LINE.match(line)
        if not match:
            continue
        hashed, name, value = match.groups()
        if hashed:
            commented.add(name)
        else:
            values[name] = value
    return values, commented - set(values)


def _settings_variables() -> set[str]:
    """Every environment variable prevent_portal/settings.py reads through ``env``."""
    tree = ast.parse((ROOT / "prevent_portal" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        reads_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        first = node.args[0]
        if reads_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _healthcheck(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def _depends_on(service: dict) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


# --- docker-compose.yml -----------------------------------------------------------------------


def test_compose_defines_web_worker_beat_database_and_redis(services):
    assert set(services) >= SERVICES


def test_only_a_one_off_migrate_job_is_added_to_the_five_services(services):
    assert set(services) - SERVICES == {"migrate"}
    migrate = services["migrate"]
    # Migrations, then the database checks (accounts.E001: nobody but the coordinator role
    # holds model-wide sight of case records); a failure stops web, worker and beat.
    assert _command(migrate) == (
        "sh -c python manage.py migrate --no-input && python manage.py check --database default"
    )
    assert migrate["restart"] == "no"
    assert _depends_on(migrate) == {"db": "service_healthy"}


@pytest.mark.parametrize("name", sorted(APP_SERVICES | {"migrate"}))
def test_app_services_run_the_one_production_image(services, name):
    service = services[name]
    assert service["build"] == "."
    assert service["image"] == services["web"]["image"]
    assert service["env_file"] == ".env"
    assert service["environment"]["DJANGO_ENV"] == "production"
    # compose itself refuses to start when these are missing or empty in .env
    assert service["environment"]["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert service["environment"]["ALLOWED_HOSTS"].startswith("${ALLOWED_HOSTS:?")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("web", "gunicorn prevent_portal.wsgi:application --bind=0.0.0.0:8000"),
        ("worker", "celery -A prevent_portal worker"),
        ("beat", "celery -A prevent_portal beat"),
    ],
)
def test_app_services_run_their_own_command(services, name, expected):
    assert _command(services[name]).startswith(expected)


def test_database_and_redis_run_the_agreed_images(services):
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"


@pytest.mark.parametrize(
    ("name", "probe"),
    [
        ("web", "http://127.0.0.1:8000/healthz"),
        ("worker", "celery -A prevent_portal inspect ping"),
        ("beat", "celerybeat-schedule"),
        ("db", "pg_isready"),
        ("redis", "redis-cli ping"),
    ],
)
def test_every_service_has_a_health_check(services, name, probe):
    healthcheck = services[name]["healthcheck"]
    assert not healthcheck.get("disable", False)
    assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}
    assert probe in _healthcheck(services[name])


def test_beat_health_check_reads_the_schedule_file_beat_writes(services):
    schedule = re.search(r"--schedule=(\S+)", _command(services["beat"])).group(1)
    assert f'glob.glob("{schedule}*")' in _healthcheck(services["beat"])


def test_app_services_start_after_migrations_and_healthy_dependencies(services):
    assert _depends_on(services["web"]) == {
        "db": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    for name in ("worker", "beat"):
        assert _depends_on(services[name]) == {
            "db": "service_healthy",
            "redis": "service_healthy",
            "migrate": "service_completed_successfully",
        }


def test_web_does_not_wait_for_redis_because_requests_never_touch_the_broker(services):
    assert "redis" not in services["web"]["depends_on"]


def test_database_keeps_its_data_in_a_named_volume_and_redis_keeps_none(compose, services):
    assert "postgres-data:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "volumes" not in services["redis"]
    assert "media:/app/var/media" in services["web"]["volumes"]
    assert {"postgres-data", "media"} <= set(compose["volumes"])


def test_database_and_redis_are_not_published_to_the_host(services):
    for name in ("db", "redis", "worker", "beat", "migrate"):
        assert "ports" not in services[name], f"{name} publishes a port"
    for service in services.values():
        assert service.get("network_mode") != "host"
    # web only on the host's loopback, for a TLS-terminating reverse proxy
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_database_credentials_come_from_the_env_file(services):
    environment = services["db"]["environment"]
    assert environment["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


# --- .env.example -------------------------------------------------------------------------------


def test_env_example_sets_what_production_requires():
    values, _ = _env_example()
    assert values["DJANGO_ENV"] == "production"
    assert set(values) >= REQUIRED_IN_PRODUCTION
    # No usable secret is shipped: compose refuses to start until one is set.
    assert values["SECRET_KEY"] == ""


def test_env_example_lists_every_variable_settings_reads():
    values, commented = _env_example()
    missing = _settings_variables() - set(values) - commented
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_env_example_lists_every_variable_compose_fills_in():
    values, commented = _env_example()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text()))
    assert used - set(values) - commented == set()


def test_env_example_points_the_app_at_the_compose_database_and_redis():
    values, _ = _env_example()
    database = urlsplit(values["DATABASE_URL"])
    assert database.scheme == "postgres"
    assert database.hostname == "db"
    assert database.username == values["POSTGRES_USER"]
    assert database.password == values["POSTGRES_PASSWORD"]
    assert database.path == f"/{values['POSTGRES_DB']}"
    assert urlsplit(values["REDIS_URL"]).hostname == "redis"


# --- Dockerfile ---------------------------------------------------------------------------------


def test_dockerfile_builds_assets_with_node_and_runs_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE)
    assert stages[0].startswith("node:20") and stages[-1] == "python:3.11-slim"
    assert "npm ci" in dockerfile and "npm run build:css" in dockerfile
    assert "node_modules/govuk-frontend/dist" in dockerfile
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "collectstatic --no-input" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


# --- Settings in production ---------------------------------------------------------------------


def _manage(tmp_path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter with only ``variables`` of the settings' own.

    Django's own variables go too: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this
    process, and the deploy check rightly fails on it.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _settings_variables() and not k.startswith("DJANGO_")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}"
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage(tmp_path, "check", DJANGO_ENV="production", ALLOWED_HOSTS="portal.example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set the SECRET_KEY environment variable" in result.stderr


@pytest.mark.parametrize("key", ["", "short-key"])
def test_production_refuses_an_empty_or_short_secret_key(tmp_path, key):
    result = _manage(
        tmp_path,
        "check",
        DJANGO_ENV="production",
        SECRET_KEY=key,
        ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = _manage(
        tmp_path, "check", DJANGO_ENV="production", SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set ALLOWED_HOSTS in production" in result.stderr


def test_production_deploy_check_passes_with_no_warnings(tmp_path):
    result = _manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
