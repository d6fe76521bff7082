"""The application's least-privilege database role (ADR 0010).

``scripts/db/init-roles.sh`` creates the roles when the database is first made: an owner,
which runs migrations and owns every table, and DATABASE_APP_ROLE, which web, worker and
beat connect as. Tables do not exist yet at that point, so ``migrate`` (as the owner) grants
the application role its rights after every run, here. It gets SELECT, INSERT, UPDATE and
DELETE on the application's tables, and on the audit tables only what appending needs:

- ``auditlog_logentry``: SELECT and INSERT; never UPDATE, DELETE or TRUNCATE.
- ``audit_auditchainlink``: SELECT only; links are written by the chain trigger, which runs
  with the owner's rights.
- ``django_migrations``: SELECT only.

It owns nothing and is not a superuser, so it can neither ALTER TABLE ... DISABLE TRIGGER nor
SET session_replication_role. The ``audit.E001`` check fails when the connected role is the
application role and holds more than this.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import connections
from psycopg2 import sql

# Tables whose rows are history: no role but the owner may change or remove a row.
AUDIT_TABLES = ("auditlog_logentry", "audit_auditchainlink")
APPEND_ONLY = {"auditlog_logentry": ("SELECT", "INSERT"), "audit_auditchainlink": ("SELECT",)}
READ_ONLY = ("django_migrations",)
FORBIDDEN = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


def app_role_grant(*, connection, role: str) -> None:
    """Grant ``role`` what the application needs and revoke everything that could rewrite or
    remove audit history. Idempotent; run by the owner after every migrate."""
    role_id = sql.Identifier(role)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role_id),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            role_id
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role_id),
    ]
    for table in (*AUDIT_TABLES, *READ_ONLY):
        allowed = APPEND_ONLY.get(table, ("SELECT",))
        denied = [p for p in FORBIDDEN if p not in allowed]
        # PUBLIC too: a right granted to everyone would reach the application role.
        for grantee in (role_id, sql.SQL("PUBLIC")):
            statements.append(
                sql.SQL("REVOKE {} ON {} FROM {}").format(
                    sql.SQL(", ").join(sql.SQL(p) for p in denied), sql.Identifier(table), grantee
                )
            )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.as_string(cursor.connection))


def grant_after_migrate(sender, using="default", **kwargs) -> None:
    connection = connections[using]
    role = settings.DATABASE_APP_ROLE
    if connection.vendor != "postgresql" or not role:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, %s IN (SELECT rolname FROM pg_roles)", [role])
        current, exists = cursor.fetchone()
    if current == role or not exists:
        return  # the application role cannot grant itself anything; a missing role: see check
    app_role_grant(connection=connection, role=role)


def app_role_excess(cursor, role: str) -> list[str]:
    """What ``role`` may do that could rewrite the audit trail, in words (empty: nothing)."""
    problems = []
    cursor.execute(
        "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = %s", [role]
    )
    row = cursor.fetchone()
    if row is None:
        return [f"the role {role} does not exist"]
    if any(row):
        problems.append(f"{role} is a superuser or may bypass row security or create roles")
    for table in (*AUDIT_TABLES, *READ_ONLY):
        allowed = APPEND_ONLY.get(table, ("SELECT",))
        cursor.execute(
            "SELECT pg_get_userbyid(relowner) = %s FROM pg_class "
            "WHERE relname = %s AND relnamespace = 'public'::regnamespace",
            [role, table],
        )
        owner = cursor.fetchone()
        if owner is None:
            continue
        if owner[0]:
            problems.append(f"{role} owns {table} (and so can disable its triggers)")
        for privilege in FORBIDDEN:
            if privilege in allowed:
                continue
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
            if cursor.fetchone()[0]:
                problems.append(f"{role} has {privilege} on {table}")
    return problems


@register(Tags.database)
def check_app_role(app_configs, databases=None, **kwargs):
    """audit.E001: the application role must not be able to rewrite the audit trail. Runs
    with ``check --database default`` when connected as DATABASE_APP_ROLE."""
    role = settings.DATABASE_APP_ROLE
    if not databases or "default" not in databases or not role:
        return []
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] != role:
            return []
        problems = app_role_excess(cursor, role)
    return [
        Error(
            f"The application's database role can rewrite the audit trail: {problem}.",
            hint="Run migrate as the owning role (it re-grants); see docs/operations.md.",
            id="audit.E001",
        )
        for problem in problems
    ]


@register(Tags.security, deploy=True)
def check_chain_key(app_configs, **kwargs):
    """audit.E002 (``check --deploy``): the audit chain must be signed with a key of the
    deployment's own, not the published demo key (settings refuse it in production too)."""
    if settings.AUDIT_CHAIN_KEY and settings.AUDIT_CHAIN_KEY != settings.AUDIT_CHAIN_DEMO_KEY:
        return []
    return [
        Error(
            "The audit chain is signed with the published demo key (or none).",
            hint="Set AUDIT_CHAIN_KEY or AUDIT_CHAIN_KEY_FILE (ADR 0010, docs/operations.md).",
            id="audit.E002",
        )
    ]
