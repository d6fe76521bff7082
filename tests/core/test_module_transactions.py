"""A fixture wider than a test that writes inside its own transaction (the permission matrix's
``matrix``, the shared world, the demo) has its deferred checks settled once, when it is set up
(``pytest_fixture_setup`` in tests/conftest.py): a test's teardown must not fire them again and
roll them back, once per test."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from prevent_portal.audit.models import AuditChainLink
from referrals.models import Person

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the audit chain's deferred trigger is PostgreSQL's"
)


@pytest.fixture(scope="module")
def module_entry(django_db_setup, django_db_blocker):
    """One audit entry written in a module's transaction, as the matrix's records are."""
    with django_db_blocker.unblock(), transaction.atomic():
        entry = LogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(Person),
            object_pk="1",
            object_id=1,
            object_repr="fictional person",
            action=LogEntry.Action.CREATE,
            changes={},
        )
        yield entry
        transaction.set_rollback(True)


@pytest.mark.parametrize("run", [1, 2])
def test_the_module_entry_is_linked_before_any_test_runs(module_entry, db, run):
    # Without the settling, the chain's trigger is still pending here: no link yet.
    assert AuditChainLink.objects.filter(entry_id=module_entry.pk).count() == 1
    # Firing again at this test's teardown (as Django's does) finds nothing of the module's.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert AuditChainLink.objects.filter(entry_id=module_entry.pk).count() == 1
