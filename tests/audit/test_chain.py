"""The audit log's hash chain on PostgreSQL: the trigger links every entry, and
``verify_audit`` recomputes the chain in Python and names the first entry that was altered,
deleted, reordered or slipped in outside the chain by someone with the database owner's or
superuser's SQL. The signatures that need the chain key are tested in test_chain_key.py."""

import datetime as dt
import threading
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from prevent_portal.audit.access_log import log_access
from prevent_portal.audit.chain import COLUMNS, GENESIS, canonical, link_hash
from prevent_portal.audit.context import acting_as
from prevent_portal.audit.models import AuditChainLink
from referrals.models import Person
from tests import factories
from tests.audit.tampering import link_pending_entries, tamper_sql

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the hash chain is PostgreSQL's"
)


def verify_audit(*args):
    out = StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def some_history(world, n=5):
    with acting_as(world.coordinator):
        refs = [factories.referral(world.agency_a) for _ in range(n)]
        for ref in refs:
            ref.concern_summary = "updated"
            ref.save()
    link_pending_entries()
    return refs


def test_every_column_of_the_log_is_in_the_hash():
    columns = [f.column for f in LogEntry._meta.concrete_fields]
    assert sorted(columns) == sorted(COLUMNS)


def test_canonical_form_frames_each_value_so_values_cannot_run_together():
    a = dict.fromkeys(COLUMNS)
    b = dict.fromkeys(COLUMNS)
    a.update(object_pk="12", object_repr="3")
    b.update(object_pk="1", object_repr="23")
    assert canonical(a) != canonical(b)
    assert canonical(dict.fromkeys(COLUMNS, "")) != canonical(dict.fromkeys(COLUMNS))


@postgres_only
def test_clean_chain_verifies_every_entry(world):
    some_history(world)
    count = LogEntry.objects.count()
    assert count > 10
    out = verify_audit()
    assert f"Audit chain verified: {count} entries" in out
    links = list(AuditChainLink.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))
    assert [seq for seq, _, _ in links] == list(range(1, count + 1))
    assert links[0][1] == GENESIS
    assert all(links[i][1] == links[i - 1][2] for i in range(1, len(links)))


@postgres_only
def test_python_serialisation_reproduces_the_trigger_for_awkward_values(world):
    content_type = ContentType.objects.get_for_model(Person)
    awkward = [
        dict(object_repr='Zoë 🐍 "quoted" back\\slash\nnew line\ttab', changes_text="ü"),
        dict(changes={"k": ["a'b", 1.5, 10**20, None, True, -0.0, 1e-7]}),
        dict(additional_data={"b": 1, "aa": {"nested": "é"}, "a": []}, remote_addr="::1"),
        dict(remote_addr="2001:db8::ffff:1.2.3.4", remote_port=65535, cid="c-1"),
        dict(timestamp=dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)),
        dict(timestamp=dt.datetime(2031, 3, 30, 1, 30, 0, 1, tzinfo=dt.UTC), actor_email=""),
        dict(serialized_data={"fields": {"x": "y"}}, object_id=None, changes=None),
    ]
    for i, extra in enumerate(awkward):
        fields = dict(
            content_type=content_type,
            object_pk=str(i),
            object_id=i,
            object_repr="x",
            action=LogEntry.Action.UPDATE,
            changes={},
            actor=world.coordinator,
        )
        fields.update(extra)
        LogEntry.objects.create(**fields)
    link_pending_entries()
    out = verify_audit()
    assert f"verified: {LogEntry.objects.count()} entries" in out
    # And by hand for the last awkward entry: Python's canonical form gives the stored hash.
    entry = LogEntry.objects.latest("id")
    link = AuditChainLink.objects.get(entry=entry)
    values = {c: getattr(entry, c) for c in COLUMNS}
    values.update(serialized_data='{"fields": {"x": "y"}}', changes=None, additional_data=None)
    assert link_hash(link.prev_hash, canonical(values)) == link.hash


TAMPERING = {
    "entry-object-repr": (
        "UPDATE auditlog_logentry SET object_repr = 'Person 1' WHERE id = %(id)s",
        "altered",
        "victim",
    ),
    "entry-actor": (
        "UPDATE auditlog_logentry SET actor_id = NULL WHERE id = %(id)s",
        "altered",
        "victim",
    ),
    "entry-timestamp": (
        "UPDATE auditlog_logentry SET timestamp = timestamp + interval '1 microsecond' "
        "WHERE id = %(id)s",
        "altered",
        "victim",
    ),
    "link-hash": (
        "UPDATE audit_auditchainlink SET hash = md5('x') || md5('y') WHERE entry_id = %(id)s",
        "altered",
        "victim",
    ),
    "entries-swapped": (
        "UPDATE audit_auditchainlink SET entry_id = -1 WHERE entry_id = %(id)s; "
        "UPDATE audit_auditchainlink SET entry_id = %(id)s WHERE entry_id = %(next)s; "
        "UPDATE audit_auditchainlink SET entry_id = %(next)s WHERE entry_id = -1",
        "altered",
        "next",
    ),
    "entry-deleted": ("DELETE FROM auditlog_logentry WHERE id = %(id)s", "deleted", "victim"),
    "entry-and-link-deleted": (
        "DELETE FROM auditlog_logentry WHERE id = %(id)s; "
        "DELETE FROM audit_auditchainlink WHERE entry_id = %(id)s",
        "missing",
        "next",
    ),
}


@postgres_only
@pytest.mark.parametrize("case", TAMPERING)
def test_owner_or_superuser_tampering_is_named_by_verify_audit(world, case):
    sql, reason, named = TAMPERING[case]
    some_history(world)
    links = list(AuditChainLink.objects.order_by("seq"))
    middle = len(links) // 2
    victim, after = links[middle].entry, links[middle + 1].entry
    verify_audit()  # clean before
    tamper_sql(sql, {"id": victim.pk, "next": after.pk})
    with pytest.raises(CommandError) as failure:
        verify_audit()
    message = str(failure.value)
    assert failure.value.returncode == 1
    assert f"broken after {middle} verified entries" in message and reason in message
    first_broken = after if named == "next" else victim
    assert f"First broken: entry id={first_broken.pk} " in message
    if reason != "deleted":
        first_broken.refresh_from_db()  # as stored now, altered or not
        assert f"timestamp {first_broken.timestamp.isoformat()}" in message


@postgres_only
def test_entry_written_with_the_trigger_off_is_outside_the_chain(world):
    some_history(world)
    ref = factories.referral(world.agency_a)
    link_pending_entries()
    tamper_sql(
        "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_id, object_repr, "
        "action, changes_text, timestamp) VALUES (%s, %s, %s, 'forged', 1, '', now())",
        [ContentType.objects.get_for_model(ref).pk, str(ref.pk), ref.pk],
    )
    forged = LogEntry.objects.get(object_repr="forged")
    with pytest.raises(CommandError, match=rf"entry id={forged.pk} .*not in the chain"):
        verify_audit()


@postgres_only
def test_entries_cut_from_the_end_fail_against_a_recorded_head(world):
    some_history(world)
    head = verify_audit().split("Head: ")[1].strip()
    last = AuditChainLink.objects.order_by("-seq").first()
    tamper_sql(
        "DELETE FROM auditlog_logentry WHERE id = %(id)s; "
        "DELETE FROM audit_auditchainlink WHERE seq = %(seq)s",
        {"id": last.entry_id, "seq": last.seq},
    )
    assert "verified" in verify_audit()  # what is left is a consistent, shorter chain
    with pytest.raises(CommandError, match="expected head .* is not in the chain"):
        verify_audit("--expect-head", head)


@postgres_only
def test_verify_audit_reads_the_chain_in_batches(world):
    some_history(world, n=3)
    count = LogEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        out = verify_audit("--batch-size", "4")
    assert f"verified: {count} entries" in out
    walks = [q for q in queries.captured_queries if "LEFT JOIN auditlog_logentry" in q["sql"]]
    assert len(walks) == count // 4 + 1
    assert all("LIMIT 4" in q["sql"] for q in walks)


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_form_one_valid_chain():
    from tests.conftest import build_world

    world = build_world()
    barrier = threading.Barrier(2)
    errors = []

    def writer(user):
        request_for = RequestFactory().get("/")
        request_for.user = user
        try:
            barrier.wait()
            for _ in range(15):
                with transaction.atomic(), acting_as(user):
                    person = factories.PersonFactory()
                    log_access(request_for, [person] * 5, view="test")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(u,)) for u in (world.spoc_a, world.spoc_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    count = LogEntry.objects.count()
    assert LogEntry.objects.filter(additional_data__view="test").count() == 2 * 15 * 5
    assert AuditChainLink.objects.count() == count
    assert f"Audit chain verified: {count} entries" in verify_audit()


def test_verify_audit_says_so_when_there_is_no_chain(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="only on PostgreSQL") as failure:
        verify_audit()
    assert failure.value.returncode == 2
