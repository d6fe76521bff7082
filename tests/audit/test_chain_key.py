"""Issue 14 F5: the audit chain's tail could be deleted or rewritten undetected, and a link
forged, by anyone with the database owner's or superuser's SQL, because the chain was
unkeyed SHA-256 checked only from the start. Now every link carries an HMAC under
AUDIT_CHAIN_KEY, which the database never stores, and the signed head is anchored outside
PostgreSQL (ADR 0010). Each attack below passed ``verify_audit`` before."""

import hashlib
import hmac
import json
import logging
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from prevent_portal.audit.anchors import Anchor, anchor_last, anchor_write, chain_check_and_alert
from prevent_portal.audit.chain import key_id, link_hash, link_mac
from prevent_portal.audit.context import acting_as
from prevent_portal.audit.models import AuditChainLink
from prevent_portal.outbox.models import Notification
from tests import factories
from tests.audit.tampering import link_pending_entries, tamper_sql

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the hash chain is PostgreSQL's"
)
ATTACKER_KEY = "attacker-guess-of-the-audit-chain-key-0000000000"


def verify_audit(*args):
    out = StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def some_history(world, n=4):
    with acting_as(world.coordinator):
        for _ in range(n):
            ref = factories.referral(world.agency_a)
            ref.concern_summary = "updated"
            ref.save()
    link_pending_entries()


def db_canonical(entry_id):
    """The entry's canonical form as the trigger computes it (what an attacker would use)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT audit_chain_canonical(e) FROM auditlog_logentry e WHERE id = %s", [entry_id]
        )
        return cursor.fetchone()[0]


def head():
    return AuditChainLink.objects.order_by("-seq").first()


@pytest.mark.parametrize("key", ["k" * 32, "\xff" * 40, "x" * 64, "y" * 65, "a-much-longer-" * 9])
def test_the_trigger_signs_links_exactly_as_python_checks_them(db, key):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT audit_chain_hmac(convert_to(%s, 'UTF8'), convert_to('7:abc', 'UTF8'))", [key]
        )
        in_sql = cursor.fetchone()[0]
    assert in_sql == hmac.new(key.encode(), b"7:abc", hashlib.sha256).hexdigest()
    assert in_sql == link_mac(key, 7, "abc")


def test_every_link_is_signed_with_the_chain_key(world, settings):
    some_history(world)
    links = list(AuditChainLink.objects.order_by("seq"))
    assert links and all(link.key_id == key_id(settings.AUDIT_CHAIN_KEY) for link in links)
    assert all(
        link.mac == link_mac(settings.AUDIT_CHAIN_KEY, link.seq, link.hash) for link in links
    )


def test_deleting_the_tail_is_caught_against_the_last_anchor(world):
    some_history(world)
    anchored = anchor_write()
    assert anchored.seq == head().seq
    cut = list(AuditChainLink.objects.order_by("-seq")[:2])
    tamper_sql(
        "DELETE FROM auditlog_logentry WHERE id = ANY(%(ids)s); "
        "DELETE FROM audit_auditchainlink WHERE seq = ANY(%(seqs)s)",
        {"ids": [link.entry_id for link in cut], "seqs": [link.seq for link in cut]},
    )
    # What is left is a valid, shorter chain: only the anchor outside the database shows it.
    assert "verified" in verify_audit("--no-anchor")
    with pytest.raises(CommandError, match=f"no longer reaches position {anchored.seq}") as failure:
        verify_audit()
    assert failure.value.returncode == 1


@pytest.mark.parametrize("signature", ["kept", "attacker-key", "removed"])
def test_rewriting_the_tail_is_caught_without_an_anchor(world, signature):
    some_history(world)
    last = head()
    tamper_sql(
        "UPDATE auditlog_logentry SET object_repr = 'nothing to see' WHERE id = %s", [last.entry_id]
    )
    # The attacker recomputes the unkeyed hash, which was all the old check looked at.
    new_hash = link_hash(last.prev_hash, db_canonical(last.entry_id))
    mac = {"kept": last.mac, "attacker-key": link_mac(ATTACKER_KEY, last.seq, new_hash)}.get(
        signature
    )
    tamper_sql(
        "UPDATE audit_auditchainlink SET hash = %s, mac = %s WHERE seq = %s",
        [new_hash, mac, last.seq],
    )
    with pytest.raises(CommandError, match="signature does not match|not signed") as failure:
        verify_audit("--no-anchor")
    assert f"First broken: entry id={last.entry_id} " in str(failure.value)


@pytest.mark.parametrize("signature", ["attacker-key", "none"])
def test_a_forged_link_is_caught(world, signature):
    some_history(world)
    ref = factories.referral(world.agency_a)
    link_pending_entries()
    previous = head()
    tamper_sql(
        "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_id, object_repr, "
        "action, changes_text, timestamp) VALUES (%s, %s, %s, 'forged', 1, '', now())",
        [ContentType.objects.get_for_model(ref).pk, str(ref.pk), ref.pk],
    )
    forged = LogEntry.objects.get(object_repr="forged")
    forged_hash = link_hash(previous.hash, db_canonical(forged.pk))
    seq = previous.seq + 1
    mac = link_mac(ATTACKER_KEY, seq, forged_hash) if signature == "attacker-key" else None
    tamper_sql(
        "INSERT INTO audit_auditchainlink (seq, entry_id, prev_hash, hash, key_id, mac) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        [seq, forged.pk, previous.hash, forged_hash, previous.key_id, mac],
    )
    with pytest.raises(CommandError, match="signature does not match|not signed") as failure:
        verify_audit("--no-anchor")
    assert f"First broken: entry id={forged.pk} " in str(failure.value)


def test_a_session_without_the_key_cannot_write_an_audit_entry(world):
    """psql, or any connection not opened by the application, cannot extend the chain."""
    with pytest.raises(DatabaseError, match="audit chain key is not set"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL prevent.audit_chain_key = ''")
        factories.referral(world.agency_a)
        link_pending_entries()


def test_removing_every_signature_is_caught_against_the_anchor(world):
    some_history(world)
    anchor_write()
    tamper_sql("UPDATE audit_auditchainlink SET mac = NULL, key_id = NULL")
    with pytest.raises(CommandError, match="differs from the anchor"):
        verify_audit()


def test_links_signed_before_a_key_rotation_verify_with_the_retired_key(world, settings):
    some_history(world, n=2)
    old_key = settings.AUDIT_CHAIN_KEY
    new_key = "the-new-audit-chain-key-after-rotation-000000000"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL prevent.audit_chain_key = %s", [new_key])
    some_history(world, n=2)
    assert AuditChainLink.objects.filter(key_id=key_id(new_key)).exists()
    settings.AUDIT_CHAIN_KEY = new_key
    settings.AUDIT_CHAIN_PREVIOUS_KEYS = []
    with pytest.raises(CommandError, match="signed with a key this check was not given"):
        verify_audit()
    settings.AUDIT_CHAIN_PREVIOUS_KEYS = [old_key]
    assert f"verified: {LogEntry.objects.count()} entries" in verify_audit()


def test_an_anchor_is_a_signed_line_appended_outside_the_database(world, settings, caplog):
    some_history(world)
    with caplog.at_level(logging.INFO, logger="prevent_portal.audit.anchor"):
        first = anchor_write()
    assert anchor_write() is None  # nothing new: nothing written
    some_history(world, n=1)
    second = anchor_write()
    lines = settings.AUDIT_ANCHOR_FILE.read_text().splitlines()
    assert [Anchor.from_line(line) for line in lines] == [first, second]
    assert second.seq == head().seq and second.hash == head().hash
    assert anchor_last() == second
    record = json.loads(lines[0])
    assert record["key_id"] == key_id(settings.AUDIT_CHAIN_KEY)
    assert "AUDIT_CHAIN_KEY" not in lines[0] and settings.AUDIT_CHAIN_KEY not in lines[0]
    assert lines[0] in caplog.text


def test_an_edited_anchor_is_refused(world, settings):
    some_history(world)
    anchor = anchor_write()
    path = settings.AUDIT_ANCHOR_FILE
    forged = Anchor(**{**anchor.__dict__, "seq": anchor.seq - 1})
    path.write_text(forged.to_line() + "\n")
    with pytest.raises(CommandError, match="anchor file was altered"):
        verify_audit()


def test_a_cut_chain_is_never_anchored_and_the_coordinators_are_told(world, settings):
    some_history(world)
    anchor_write()
    last = head()
    tamper_sql(
        "DELETE FROM auditlog_logentry WHERE id = %s; "
        "DELETE FROM audit_auditchainlink WHERE seq = %s",
        [last.entry_id, last.seq],
    )
    assert anchor_write() is None
    assert len(settings.AUDIT_ANCHOR_FILE.read_text().splitlines()) == 1
    alert = Notification.objects.get(kind="audit.chain_check_failed")
    assert alert.recipient == world.coordinator
    assert "audit trail check failed" in alert.subject
    # No personal data: no name, username, record reference or entry in the message.
    for text in (world.coordinator.username, "referral", str(last.entry_id), "Agency A"):
        assert text not in alert.subject + alert.body


def test_the_nightly_check_alerts_the_coordinators_only_when_the_chain_is_broken(world):
    import datetime as dt

    some_history(world)
    anchor_write()
    today = dt.date(2026, 12, 6)
    assert chain_check_and_alert(today=today).ok
    assert not Notification.objects.filter(kind="audit.chain_check_failed").exists()
    tamper_sql("UPDATE auditlog_logentry SET object_repr = 'x' WHERE id = %s", [head().entry_id])
    report = chain_check_and_alert(today=today)
    assert not report.ok and "altered" in report.problem
    chain_check_and_alert(today=today)  # again the same night: one message, not two
    alerts = Notification.objects.filter(kind="audit.chain_check_failed")
    assert [a.recipient for a in alerts] == [world.coordinator]


def test_beat_anchors_the_head_and_checks_the_chain_on_a_schedule():
    from prevent_portal.celery import app

    tasks = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert tasks["audit.anchor_head"] == 600.0
    assert "audit.check_chain" in tasks


def test_audit_anchor_command_anchors_now_and_refuses_a_cut_chain(world, settings):
    with acting_as():
        pass  # the system account the command acts as exists, and its entries are linked
    some_history(world)
    out = StringIO()
    call_command("audit_anchor", stdout=out)
    assert f"Anchored {head().seq}:{head().hash}" in out.getvalue()
    last = head()
    tamper_sql(
        "DELETE FROM auditlog_logentry WHERE id = %s; "
        "DELETE FROM audit_auditchainlink WHERE seq = %s",
        [last.entry_id, last.seq],
    )
    with pytest.raises(CommandError, match="Not anchored: the chain no longer reaches") as failure:
        call_command("audit_anchor", stdout=StringIO())
    assert failure.value.returncode == 1
    assert len(settings.AUDIT_ANCHOR_FILE.read_text().splitlines()) == 1
