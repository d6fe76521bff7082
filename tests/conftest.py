"""Personas and helpers shared by every test.

The personas (``world``) are built once per test module and shared: see ``_module_world``.
"""

import copy
import os
import time
from dataclasses import dataclass, fields

import pytest
from django.db import connection, transaction
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


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Settle what a module's (or class's, or session's) records left pending, once, at the
    level of the fixture's own transaction, as soon as the fixture is set up.

    PostgreSQL defers the foreign-key checks and the audit chain's trigger to commit. Each
    test's teardown runs ``SET CONSTRAINTS ALL IMMEDIATE`` inside the test's savepoint
    (Django's ``check_constraints``), which fires every pending check of the transaction,
    the module's records included; the savepoint's rollback then undoes the firing, so the
    next test fires them all again. The permission matrix's module left about 400 audit
    entries pending: every one of its 1,200 tests appended 400 chain links and threw them
    away, and late in a full run each teardown took seconds (docs/performance.md, "The
    permission matrix's teardowns"). Fired here, outside any test's savepoint, they stay
    fired until the module's transaction is rolled back. Every fixture wider than a test
    gets this, whoever writes the next one (``tests/core/test_module_transactions.py``)."""
    outcome = yield
    if (
        outcome.excinfo is None
        and fixturedef.scope != "function"
        and connection.vendor == "postgresql"
        and connection.in_atomic_block
    ):
        with request.getfixturevalue("django_db_blocker").unblock():
            connection.check_constraints()


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


@pytest.fixture(autouse=True)
def _forget_sole_area():
    """The sole area a process remembers (areas.models.sole_area_pk) may be one a previous
    test created and rolled back: each test looks again, so its query counts do not depend on
    the tests before it."""
    from prevent_portal.areas.models import forget_sole_area

    forget_sole_area()
    yield
    forget_sole_area()


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


# The role the area wall is proved as, when the tests connect as a superuser (a developer's
# machine): a superuser or BYPASSRLS role passes through every policy. CI connects as the
# tables' owner, on whom the FORCEd policies apply, and may not create roles: there the
# tests run as themselves.
WALL_PROBE_ROLE = "rls_wall_probe"


def become_wall_role(*, owning: tuple[str, ...] = ()) -> bool:
    """For the rest of the current transaction, act as a role the row-level security wall
    applies to (ADR 0011): as ourselves when we are not a superuser or BYPASSRLS, otherwise
    as ``WALL_PROBE_ROLE`` (made if missing, with the application's table rights, and made
    the owner of the ``owning`` tables). Returns whether the role was switched."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {WALL_PROBE_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {WALL_PROBE_ROLE}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {WALL_PROBE_ROLE}")
        for table in owning:
            cursor.execute(f'ALTER TABLE "{table}" OWNER TO {WALL_PROBE_ROLE}')
        cursor.execute(f"SET LOCAL ROLE {WALL_PROBE_ROLE}")
    return True


@pytest.fixture
def wall_role(db):
    """The test runs as a role the area wall applies to (``become_wall_role``); skipped on
    SQLite, which has no wall (in CI a skip fails). The role is reset after the test, so that
    a module's shared world (one transaction) does not carry it into the next test."""
    if not on_postgres():
        pytest.skip("row-level security exists on PostgreSQL only; SQLite runs without it")
    switched = become_wall_role()
    yield switched
    if switched and not connection.needs_rollback:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


# What every test runs under (``_test_settings``), and so what the shared world is built under.
TEST_SETTINGS = {
    "OUTBOX_SEND_INLINE": False,
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}


@pytest.fixture(autouse=True)
def _test_settings(settings):
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)


@dataclass
class World:
    """Two partner agencies (A, B), the council, and one user per role."""

    council: Agency
    agency_a: Agency
    agency_b: Agency
    coordinator: User
    chair: User
    manager: User
    regional: User
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
    "regional",
    "sysadmin",
    "spoc_a",
    "spoc_b",
    "panel_a",
    "referrer_a",
    "referrer_b",
    "no_role",
]


def is_transactional(item) -> bool:
    """Whether ``item`` runs in a transactional database (commits for real, flushed after),
    as pytest-django decides it: the marker's ``transaction=True`` or a fixture that needs it."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    needs = {"transactional_db", "live_server", "django_db_reset_sequences"}
    return bool(needs & set(getattr(item, "fixturenames", ())))


class SharedWorld:
    """One module's personas, built once inside an outer ``transaction.atomic()`` that is
    rolled back when the module ends, so that each test's own atomic (pytest-django's ``db``)
    nests as a savepoint: what a test writes, including to the world's rows, is undone after
    it, and the next test finds the world as built.

    ``world_copy()`` hands each test a ``copy.deepcopy`` of instances read back from the
    database after the build (as Django's ``TestData`` does for ``setUpTestData``), so that
    nothing a test does to its objects in memory (changed fields, the access module's
    per-user cache, related-object caches) reaches the next test.

    A transactional test must never run inside the outer atomic (its flush would run inside
    it, and its commits would not be commits): ``pytest_runtest_setup`` closes the shared
    world before one starts, and ``close`` refuses, loudly, to unwind atomics out of order."""

    current: "SharedWorld | None" = None

    def __init__(self, blocker, module_id: str):
        self.blocker = blocker
        self.module_id = module_id
        self.world: World | None = None
        self.content_types: dict = {}
        self._atomic = None

    @property
    def is_open(self) -> bool:
        return self._atomic is not None

    def open(self) -> "SharedWorld":
        from django.contrib.contenttypes.models import ContentType
        from django.test import override_settings

        if SharedWorld.current is not None and SharedWorld.current.is_open:
            SharedWorld.current.close()
        with self.blocker.unblock(), override_settings(**TEST_SETTINGS):
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            try:
                ContentType.objects.clear_cache()
                built = build_world()
                # The content types the build looked up, which a test that built its world
                # found in the process-wide cache (query-count tests are measured so).
                self.content_types = {
                    using: dict(entries) for using, entries in ContentType.objects._cache.items()
                }
                self.world = World(
                    **{
                        f.name: type(obj).objects.get(pk=obj.pk)
                        for f in fields(World)
                        for obj in [getattr(built, f.name)]
                    }
                )
            except BaseException:
                self.close()
                raise
        SharedWorld.current = self
        return self

    def world_copy(self) -> World:
        """A copy of the world, and the content-type cache as the build would leave it."""
        from django.contrib.contenttypes.models import ContentType

        for using, entries in self.content_types.items():
            ContentType.objects._cache.setdefault(using, {}).update(entries)
        return copy.deepcopy(self.world)

    def close(self) -> None:
        if self._atomic is None:
            return
        atomic, self._atomic = self._atomic, None
        self.world = None
        with self.blocker.unblock():
            if not connection.atomic_blocks or connection.atomic_blocks[-1] is not atomic:
                raise RuntimeError(
                    f"The shared world of {self.module_id} is not the innermost atomic block "
                    "at its end: a fixture opened a transaction around it and did not close "
                    "it first (see tests/conftest.py SharedWorld)."
                )
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
        if SharedWorld.current is self:
            SharedWorld.current = None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of a transactional test is set up, roll back and close the shared
    world left open by the test before it (pytest tears a module's fixtures down only when
    the next test is in another module, and pytest-django runs a module's transactional
    tests after everyone's others, sometimes straight after its own)."""
    current = SharedWorld.current
    if current is not None and current.is_open and is_transactional(item):
        current.close()


@pytest.fixture(scope="module")
def _module_world(request, django_db_setup, django_db_blocker):
    """The module's shared world (``SharedWorld``), or None when the first test to ask for
    it is transactional (that one, and any like it, builds its own)."""
    if is_transactional(request._pyfuncitem):
        yield None
        return
    shared = SharedWorld(django_db_blocker, request.node.nodeid).open()
    yield shared
    shared.close()


@pytest.fixture
def world(request, _module_world, db) -> World:
    """The personas (``World``). A transactional test gets a world of its own, built in its
    database and flushed after it; every other test a fresh copy of its module's shared world
    (``SharedWorld``), its writes rolled back with the test's savepoint. The README's
    test section has the measured saving."""
    if _module_world is None or not _module_world.is_open or is_transactional(request.node):
        return build_world()
    return _module_world.world_copy()


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
        # Issue 18: a regional lead sees suppressed aggregates across areas, no record.
        regional=factories.member(Role.REGIONAL_LEAD, council, username="regional"),
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
