"""What an attacker who holds the database's owner or superuser rights, but not the chain key
(AUDIT_CHAIN_KEY lives only in the application's environment), can do to the audit trail."""

from django.db import connection

AUDIT_TABLES = ("auditlog_logentry", "audit_auditchainlink")


def link_pending_entries():
    """Fire the commit-time chain trigger now, inside the test's transaction, as a commit
    would (the test transaction is rolled back, never committed)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def tamper_sql(sql, params=None):
    """Switch the audit tables' triggers off and write, as the tables' owner may (a superuser
    could equally SET session_replication_role = replica). Rolled back with the test."""
    with connection.cursor() as cursor:
        for table in AUDIT_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            cursor.execute(sql, params)
            # The foreign-key checks the write queued must run before ALTER TABLE again.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        finally:
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
