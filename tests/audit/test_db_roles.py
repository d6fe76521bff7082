"""Issue 14 F5: the application connects as a least-privilege role (scripts/db/init-roles.sh
creates it; ``migrate``, run as the owner, grants it its rights). As that role it cannot
update, delete or truncate the audit log or the chain links, write a link itself, switch a
trigger off, or write an audit entry without the chain key; and the application still works.

These tests need the role: CI creates it with the same script as Compose and sets
DATABASE_APP_ROLE (and DATABASE_APP_PASSWORD for the tests); the rest of the suite runs as the
owner, which Django's test runner needs to create, migrate and flush the test database.
"""

import os
from contextlib import contextmanager

import psycopg2
import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.urls import reverse

from prevent_portal.audit.anchors import anchor_write, chain_check
from prevent_portal.audit.models import AuditChainLink
from prevent_portal.audit.roles import app_role_excess
from prevent_portal.outbox.services import outbox_send_pending
from tests import factories
from tests.conftest import build_world, sign_in
from tests.permissions.urlwalk import all_routes

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's"),
    pytest.mark.skipif(
        not settings.DATABASE_APP_ROLE,
        reason="set DATABASE_APP_ROLE to a role made by scripts/db/init-roles.sh",
    ),
]
APP_PASSWORD = os.environ.get("DATABASE_APP_PASSWORD", "")


@contextmanager
def raw_app_connection(*, with_key=True):
    """A connection to the test database as the application role, as psql would open one."""
    db = connection.settings_dict
    options = f"-c prevent.audit_chain_key={settings.AUDIT_CHAIN_KEY}" if with_key else ""
    conn = psycopg2.connect(
        dbname=db["NAME"],
        user=settings.DATABASE_APP_ROLE,
        password=APP_PASSWORD,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        options=f"{options} -c lock_timeout=5s",
    )
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


@contextmanager
def connected_as_app_role():
    """Django's own connection, as web, worker and beat open it in production."""
    settings_dict = connection.settings_dict
    owner = settings_dict["USER"], settings_dict["PASSWORD"]
    connection.close()
    settings_dict["USER"], settings_dict["PASSWORD"] = settings.DATABASE_APP_ROLE, APP_PASSWORD
    try:
        yield
    finally:
        connection.close()
        settings_dict["USER"], settings_dict["PASSWORD"] = owner


# The admin is the system administrator's (configuration, its own tests); static files are
# not the application's queries; signing out would end the walk.
NOT_WALKED = ("admin/", "static/", "media/", "accounts/sign-out/")

REFUSED = {
    "update the audit log": "UPDATE auditlog_logentry SET object_repr = 'x'",
    "delete from the audit log": "DELETE FROM auditlog_logentry",
    "truncate the audit log": "TRUNCATE auditlog_logentry",
    "update a chain link": "UPDATE audit_auditchainlink SET mac = NULL",
    "delete a chain link": "DELETE FROM audit_auditchainlink",
    "truncate the chain": "TRUNCATE audit_auditchainlink",
    "write a chain link": "INSERT INTO audit_auditchainlink (seq, entry_id, prev_hash, hash) "
    "VALUES (1000000, 1, 'a', 'b')",
    "call the appender": "SELECT audit_chain_append(NULL::auditlog_logentry)",
    "disable the log's triggers": "ALTER TABLE auditlog_logentry DISABLE TRIGGER USER",
    "disable the chain's triggers": "ALTER TABLE audit_auditchainlink DISABLE TRIGGER ALL",
    "drop the chain trigger": "DROP TRIGGER auditlog_logentry_chain ON auditlog_logentry",
    "switch triggers off for the session": "SET session_replication_role = replica",
    "rewrite the migration history": "DELETE FROM django_migrations",
    "create a table": "CREATE TABLE public.audit_shadow (id int)",
}


@pytest.mark.parametrize("attempt", REFUSED)
def test_the_application_role_cannot_touch_audit_history(db, attempt):
    with (
        raw_app_connection() as conn,
        conn.cursor() as cursor,
        pytest.raises(psycopg2.Error) as refused,
    ):
        cursor.execute(REFUSED[attempt])
    # Refused by the role's rights, not merely by the append-only trigger (which the owner
    # could switch off): "permission denied ..." or "must be owner ...".
    message = str(refused.value)
    assert "append-only" not in message
    assert "permission denied" in message or "must be owner" in message


def test_the_application_role_cannot_write_an_audit_entry_without_the_key(db):
    with raw_app_connection(with_key=False) as conn, conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_repr, action, "
            "changes_text, timestamp) "
            "SELECT id, '1', 'x', 0, '', now() FROM django_content_type LIMIT 1"
        )
        with pytest.raises(psycopg2.Error, match="audit chain key is not set"):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_migrate_granted_the_application_role_exactly_its_rights(db):
    with connection.cursor() as cursor:
        assert app_role_excess(cursor, settings.DATABASE_APP_ROLE) == []
        cursor.execute(f'GRANT DELETE ON auditlog_logentry TO "{settings.DATABASE_APP_ROLE}"')
        assert app_role_excess(cursor, settings.DATABASE_APP_ROLE) == [
            f"{settings.DATABASE_APP_ROLE} has DELETE on auditlog_logentry"
        ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_application_works_connected_as_its_least_privilege_role(client):
    world = build_world()
    before = LogEntry.objects.count()
    with connected_as_app_role():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == settings.DATABASE_APP_ROLE
        call_command("check", databases=["default"])  # audit.E001 finds nothing
        # Records written (audited), a page read (access logged), the outbox swept.
        referral = factories.referral(world.agency_a)
        referral.concern_summary = "changed"
        referral.save()
        sign_in(client, world.coordinator)
        response = client.get(reverse("referrals:detail", args=[referral.pk]))
        assert response.status_code == 200
        # Every page that takes no record id, for a council role and a partner role: none
        # needs a right the application role lacks (a refusal would raise here).
        for persona in (world.coordinator, world.manager, world.spoc_a):
            sign_in(client, persona)
            for route in all_routes():
                if route.params or route.template.startswith(NOT_WALKED):
                    continue
                assert client.get(route.path({})).status_code < 500, route.key
        outbox_send_pending()
        # The chain links itself through the trigger, the anchor is written and checks out.
        assert LogEntry.objects.count() > before
        assert AuditChainLink.objects.count() == LogEntry.objects.count()
        assert anchor_write() is not None
        assert chain_check().ok
        # And the history it wrote is out of its reach.
        with pytest.raises(DatabaseError, match="permission denied"):
            LogEntry.objects.filter(pk=LogEntry.objects.latest("pk").pk).delete()
