"""Personas and helpers shared by every test."""

import os
import time
from dataclasses import dataclass

import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts.models import Agency, Role, User
from prevent_portal.accounts.reauth import SESSION_AUTHENTICATED_AT
from tests import factories

# CI sets this so that a test which would skip (no Chromium, no Redis, not PostgreSQL) fails.
REQUIRE_ALL = os.environ.get("PREVENT_REQUIRE_ALL_TESTS") == "1"


def pytest_collection_modifyitems(items):
    """A transactional test ends with a flush, and a flush without serialized rollback runs
    post_migrate: the role groups come back under new ids while the sectors and outcomes that
    migrations inserted do not. A later serialized test then cannot restore its rows
    (duplicate group names) and an unserialized one finds no sectors, so that what passes
    depends on the order tests run in. Every transactional test must restore the rows."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: use @pytest.mark.django_db(transaction=True, "
                "serialized_rollback=True); see tests/conftest.py"
            )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {report.longrepr}"


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """Transactional tests flush the database and content types come back with new ids;
    the process-wide ContentType cache must not hand out the old ones."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Django's cache is per process and outlives a test (the dashboard keeps its period
    figures in it): each test starts with it empty."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _document_storage(tmp_path_factory):
    """Uploaded documents go to a temporary directory, never under the repository's var/."""
    from django.conf import settings
    from django.test import override_settings

    storages = {**settings.STORAGES}
    storages["documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("documents")), "base_url": None},
    }
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture
def clamd(settings):
    """The real clamd that .ci/run starts with the repository's test signatures. Without it
    the test skips locally; in CI (PREVENT_REQUIRE_ALL_TESTS=1) a skip is a failure."""
    from documents import scanning

    address = os.environ.get("CLAMD_ADDRESS", "")
    if not address or not scanning.ping(address):
        pytest.skip(
            "clamd is not running: scripts/clamav/start-test-clamd.sh DIR, then set "
            "CLAMD_ADDRESS=tcp://127.0.0.1:PORT"
        )
    settings.DOCUMENT_SCANNER = "clamd"
    settings.CLAMD_ADDRESS = address
    return address


@pytest.fixture(scope="session", autouse=True)
def _acting_for_all_areas():
    """Test set-up and assertions act for every council area (the row-level security wall,
    ADR 0011): module-scoped data, the test body, and threads a test starts (which begin
    with an empty context). A request made by the test client, or by a live server, acts for
    its user's areas only; a task or command for what it declares; then this comes back."""
    from prevent_portal.areas import rls

    with rls.undeclared_code_acts_for(rls.ALL):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.OUTBOX_SEND_INLINE = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    """Two partner agencies (A, B), the council, and one user per role."""

    council: Agency
    agency_a: Agency
    agency_b: Agency
    coordinator: User
    chair: User
    manager: User
    sysadmin: User
    spoc_a: User
    spoc_b: User
    panel_a: User
    referrer_a: User
    referrer_b: User
    no_role: User

    def persona(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONAS = [
    "anonymous",
    "coordinator",
    "chair",
    "manager",
    "sysadmin",
    "spoc_a",
    "spoc_b",
    "panel_a",
    "referrer_a",
    "referrer_b",
    "no_role",
]


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    council = factories.AgencyFactory(name="Test council", short_code="test-council")
    agency_a = factories.AgencyFactory(name="Agency A", short_code="agency-a")
    agency_b = factories.AgencyFactory(name="Agency B", short_code="agency-b")
    no_role = factories.UserFactory(username="no-role")
    TOTPDevice.objects.create(user=no_role, name="Test authenticator", confirmed=True)
    return World(
        council=council,
        agency_a=agency_a,
        agency_b=agency_b,
        coordinator=factories.member(Role.COORDINATOR, council, username="coordinator"),
        chair=factories.member(Role.PANEL_CHAIR, council, username="chair"),
        manager=factories.member(Role.MANAGER, council, username="manager"),
        sysadmin=factories.member(Role.SYSADMIN, council, username="sysadmin"),
        spoc_a=factories.member(Role.SPOC, agency_a, username="spoc-a"),
        spoc_b=factories.member(Role.SPOC, agency_b, username="spoc-b"),
        panel_a=factories.member(Role.PANEL_MEMBER, agency_a, username="panel-a"),
        referrer_a=factories.member(Role.REFERRER, agency_a, username="referrer-a"),
        referrer_b=factories.member(Role.REFERRER, agency_b, username="referrer-b"),
        no_role=no_role,
    )


def sign_in(client, user: User) -> None:
    """Sign a test client in with password and second factor just given (so, as after a
    real sign-in, sensitive actions do not ask "Confirm it's you" for REAUTH_MAX_AGE_SECONDS:
    tests/accounts/test_reauthentication.py covers the stale case)."""
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session[SESSION_AUTHENTICATED_AT] = time.time()
    session.save()


@pytest.fixture
def signed_in_client(client):
    def _signed_in(user):
        if user is not None:
            sign_in(client, user)
        return client

    return _signed_in
