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
SERVICES = {"web", "worker", "beat", "db", "redis", "clamav"}
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


def test_only_a_one_off_migrate_job_is_added_to_the_six_services(services):
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
        ("clamav", "clamdcheck.sh"),
    ],
)
def test_every_service_has_a_health_check(services, name, probe):
    healthcheck = services[name]["healthcheck"]
    assert not healthcheck.get("disable", False)
    assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}
    assert probe in _healthcheck(services[name])


def test_clamav_runs_the_official_image_with_freshclam_and_keeps_its_signatures(compose, services):
    clamav = services["clamav"]
    assert clamav["image"].startswith("clamav/clamav:")
    # The official image starts freshclam unless told not to.
    environment = clamav.get("environment", {})
    assert str(environment.get("CLAMAV_NO_FRESHCLAMD", "false")).lower() == "false"
    assert "clamav-db:/var/lib/clamav" in clamav["volumes"] and "clamav-db" in compose["volumes"]
    assert "ports" not in clamav  # reached on the compose network only


@pytest.mark.parametrize("name", sorted(APP_SERVICES | {"migrate"}))
def test_app_services_scan_documents_with_the_compose_clamd(services, name):
    environment = services[name]["environment"]
    assert environment["DOCUMENT_SCANNER"] == "clamd"
    assert environment["CLAMD_ADDRESS"] == "tcp://clamav:3310"


def test_web_keeps_serving_without_clamd_so_does_not_wait_for_it(services):
    assert "clamav" not in _depends_on(services["web"])


def test_production_refuses_to_start_without_virus_scanning(tmp_path):
    result = _manage(
        tmp_path,
        "check",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.org",
        AUDIT_CHAIN_KEY=secrets.token_urlsafe(32),
        DOCUMENT_SCANNER="none-demo-only",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DOCUMENT_SCANNER must be clamd" in result.stderr


def test_the_demo_says_plainly_it_does_not_scan(tmp_path):
    result = _manage(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DOCUMENT_SCANNER)",
        DJANGO_ENV="demo",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "none-demo-only"


def test_the_s3_setting_configures_private_encrypted_document_storage(tmp_path):
    result = _manage(
        tmp_path,
        "shell",
        "-c",
        "from django.core.files.storage import storages; s = storages['documents']; "
        "print(type(s).__name__, s.bucket_name, s.default_acl, s.file_overwrite)",
        DJANGO_ENV="test",
        DOCUMENT_STORAGE="s3",
        DOCUMENT_S3_BUCKET="documents-bucket",
    )
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.split() == ["S3Storage", "documents-bucket", "private", "False"]


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


def test_database_passwords_and_the_chain_key_are_secrets_not_env_values(compose, services):
    files = {name: spec["file"] for name, spec in compose["secrets"].items()}
    assert files == {
        "postgres_password": "./secrets/postgres_password",
        "db_owner_password": "./secrets/db_owner_password",
        "db_app_password": "./secrets/db_app_password",
        "audit_chain_key": "./secrets/audit_chain_key",
    }
    environment = services["db"]["environment"]
    assert environment["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert "POSTGRES_PASSWORD" not in environment
    # The image would otherwise copy them in with the code.
    assert "secrets/" in (ROOT / ".dockerignore").read_text().splitlines()


def test_only_the_database_gets_the_superuser_password(services):
    for name, service in services.items():
        if name != "db":
            assert "postgres_password" not in service.get("secrets", []), name


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_services_connect_as_the_least_privilege_role(services, name):
    """ADR 0010: web, worker and beat can append to the audit trail but never change it."""
    service = services[name]
    environment = service["environment"]
    assert environment["DATABASE_APP_ROLE"] == "prevent_app"
    assert "DATABASE_URL" not in environment  # .env's, which names prevent_app
    assert environment["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_app_password"
    assert environment["AUDIT_CHAIN_KEY_FILE"] == "/run/secrets/audit_chain_key"
    assert sorted(service["secrets"]) == ["audit_chain_key", "db_app_password"]


def test_migrations_run_as_the_owner_role(services):
    migrate = services["migrate"]
    environment = migrate["environment"]
    database = urlsplit(environment["DATABASE_URL"])
    assert database.username == "prevent_owner" and database.password is None
    assert environment["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_owner_password"
    assert sorted(migrate["secrets"]) == ["audit_chain_key", "db_owner_password"]
    # Everything else as for the app services (the YAML merge keeps DJANGO_ENV and the rest).
    assert environment["DJANGO_ENV"] == "production"
    assert environment["DATABASE_APP_ROLE"] == "prevent_app"


def test_the_database_creates_the_roles_with_the_init_script_ci_uses(services):
    db = services["db"]
    assert (
        "./scripts/db/init-roles.sh:/docker-entrypoint-initdb.d/10-init-roles.sh:ro"
        in (db["volumes"])
    )
    script = ROOT / "scripts" / "db" / "init-roles.sh"
    assert os.access(script, os.X_OK)  # executed by the image, not sourced into its shell
    text = script.read_text()
    assert "${PREVENT_OWNER_ROLE:-prevent_owner}" in text
    assert "${PREVENT_APP_ROLE:-prevent_app}" in text
    assert db["environment"]["PREVENT_OWNER_PASSWORD_FILE"] == "/run/secrets/db_owner_password"
    assert db["environment"]["PREVENT_APP_PASSWORD_FILE"] == "/run/secrets/db_app_password"
    assert "scripts/db/init-roles.sh" in (ROOT / ".ci" / "run").read_text()


def test_only_the_worker_writes_the_audit_anchors(compose, services):
    """Beat schedules the anchor task, the worker runs it: the anchors' volume is outside
    PostgreSQL and mounted by no other service."""
    assert "audit-anchors" in compose["volumes"]
    anchor_dir = "/app/var/anchors"
    assert services["web"]["environment"]["AUDIT_ANCHOR_FILE"].startswith(anchor_dir)
    for name, service in services.items():
        mounted = any(v.startswith("audit-anchors:") for v in service.get("volumes", []))
        assert mounted == (name == "worker"), name
    assert f"audit-anchors:{anchor_dir}" in services["worker"]["volumes"]


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


def test_env_example_points_the_app_at_the_compose_database_and_redis(services):
    values, _ = _env_example()
    database = urlsplit(values["DATABASE_URL"])
    assert database.scheme == "postgres"
    assert database.hostname == "db"
    assert database.username == services["web"]["environment"]["DATABASE_APP_ROLE"]
    assert database.password is None  # from the db_app_password secret
    assert database.path == f"/{values['POSTGRES_DB']}"
    assert urlsplit(values["REDIS_URL"]).hostname == "redis"


def test_env_example_holds_no_password_or_chain_key():
    values, _ = _env_example()
    for name in ("POSTGRES_PASSWORD", "AUDIT_CHAIN_KEY", "AUDIT_CHAIN_PREVIOUS_KEYS"):
        assert not values.get(name), name


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


@pytest.mark.parametrize(
    "key",
    [None, "", "demo-and-test-only-audit-chain-key-not-for-production", "short", "has space " * 5],
)
def test_production_refuses_to_start_without_a_good_audit_chain_key(tmp_path, key):
    variables = dict(
        DJANGO_ENV="production", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="x.org"
    )
    if key is not None:
        variables["AUDIT_CHAIN_KEY"] = key
    result = _manage(tmp_path, "check", "--deploy", **variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "AUDIT_CHAIN_KEY" in result.stderr


def test_deploy_check_refuses_the_published_demo_chain_key(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", DJANGO_ENV="test")
    assert result.returncode != 0
    assert "audit.E002" in result.stderr + result.stdout


def test_production_reads_the_audit_chain_key_and_database_password_from_files(tmp_path):
    key_file, password_file = tmp_path / "key", tmp_path / "password"
    key = secrets.token_urlsafe(32)
    key_file.write_text(key + "\n")
    password_file.write_text("the-password\n")
    result = _manage(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.AUDIT_CHAIN_KEY); "
        "print(settings.DATABASES['default']['PASSWORD'])",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.org",
        AUDIT_CHAIN_KEY_FILE=str(key_file),
        DATABASE_PASSWORD_FILE=str(password_file),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == [key, "the-password"]


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
        AUDIT_CHAIN_KEY=secrets.token_urlsafe(32),
        SITE_URL="https://portal.example.org",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
