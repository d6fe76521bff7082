"""The audit trail: one entry per write with its actor, one access entry per record shown,
masked personal data, and (on PostgreSQL) a log that cannot be rewritten."""

from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from prevent_portal.accounts.grants import object_share
from prevent_portal.audit.context import acting_as
from prevent_portal.audit.masking import REDACTED
from referrals.models import Person, Referral
from tests import factories
from tests.conftest import sign_in


def entries_for(obj, action=None):
    qs = LogEntry.objects.get_for_object(obj)
    return qs.filter(action=action) if action is not None else qs


def test_each_write_has_one_entry_with_its_actor(world):
    with acting_as(world.coordinator):
        person = factories.PersonFactory()
        person.postcode = "ZZ8 8ZZ"
        person.save()
    created = entries_for(person, LogEntry.Action.CREATE)
    updated = entries_for(person, LogEntry.Action.UPDATE)
    assert created.count() == 1 and updated.count() == 1
    assert {e.actor for e in [created.get(), updated.get()]} == {world.coordinator}


def test_personal_data_is_fully_masked(world):
    with acting_as(world.coordinator):
        person = factories.PersonFactory(given_name="Zebedee", family_name="Quaintance")
        ref = factories.referral(
            world.agency_a, person=person, concern_summary="paranoid schizophrenia"
        )
    for entry in [entries_for(person).get(), entries_for(ref, LogEntry.Action.CREATE).get()]:
        text = str(entry.changes) + entry.object_repr
        for secret in ["Zebedee", "Quaintance", "schizophrenia", "anoid", "2000-01-01", "ZZ9"]:
            assert secret not in text
    assert entries_for(person).get().changes["given_name"][1] == REDACTED


def test_web_request_write_records_the_signed_in_actor(client, world):
    ref = factories.referral(world.agency_b)
    sign_in(client, world.coordinator)
    response = client.post(
        f"/referrals/{ref.pk}/share/",
        {"share_with": "agency", "agency": world.agency_a.pk, "reason": "joint visit"},
    )
    assert response.status_code == 302
    grant = ref.group_grants.get()
    entry = LogEntry.objects.get_for_object(grant).get(action=LogEntry.Action.CREATE)
    assert entry.actor == world.coordinator
    assert entry.remote_addr == "127.0.0.1"


def test_viewing_a_referral_writes_one_access_entry(client, world):
    ref = factories.referral(world.agency_a)
    sign_in(client, world.spoc_a)
    client.get(f"/referrals/{ref.pk}/")
    accesses = entries_for(ref, LogEntry.Action.ACCESS)
    assert accesses.count() == 1
    assert accesses.get().actor == world.spoc_a
    assert entries_for(ref.person, LogEntry.Action.ACCESS).count() == 1
    client.get(f"/referrals/{ref.pk}/")
    assert entries_for(ref, LogEntry.Action.ACCESS).count() == 2


def test_a_refused_view_writes_no_access_entry(client, world):
    ref = factories.referral(world.agency_a)
    sign_in(client, world.spoc_b)
    assert client.get(f"/referrals/{ref.pk}/").status_code == 404
    assert entries_for(ref, LogEntry.Action.ACCESS).count() == 0


def test_list_writes_an_access_entry_per_row_shown(client, world):
    refs = [factories.referral(world.agency_a) for _ in range(3)]
    factories.referral(world.agency_b)
    sign_in(client, world.spoc_a)
    client.get("/referrals/")
    logged = set(
        LogEntry.objects.filter(action=LogEntry.Action.ACCESS).values_list("object_pk", flat=True)
    )
    assert logged == {str(r.pk) for r in refs}


def test_commands_record_the_system_actor(world):
    call_command("seed_demo", stdout=StringIO())
    entry = LogEntry.objects.get_for_model(Person).filter(action=LogEntry.Action.CREATE).first()
    assert entry is not None and entry.actor.username == "system"
    assert not entry.actor.is_active


def test_celery_task_records_the_system_actor(world):
    from prevent_portal.accounts.tasks import expire_grants

    ref = factories.referral(world.agency_a)
    grant = object_share(obj=ref, to_user=world.spoc_b, reason="x", acting_user=world.coordinator)
    type(grant).objects.filter(pk=grant.pk).update(expires_at="2000-01-01T00:00Z")
    assert expire_grants.apply().get() == 1
    deleted = LogEntry.objects.get_for_object(grant).get(action=LogEntry.Action.DELETE)
    assert deleted.actor.username == "system"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE auditlog_logentry SET object_repr = 'rewritten'",
        "DELETE FROM auditlog_logentry",
    ],
)
def test_audit_log_refuses_update_and_delete(world, sql):
    factories.referral(world.agency_a)
    before = LogEntry.objects.count()
    assert before > 0
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert LogEntry.objects.count() == before
    assert not LogEntry.objects.filter(object_repr="rewritten").exists()


def test_access_module_is_unaffected_by_referral_count(world):
    """Sanity: the audit entries above are per record, not per query."""
    assert Referral.objects.visible_to(world.manager).count() == 0


def test_no_audited_model_diffs_a_reverse_one_to_one():
    """auditlog's diff of a new record reads every reverse one-to-one: a query per record
    created for a value that belongs to another record. Each is excluded where registered."""
    from auditlog.registry import auditlog

    untracked = [
        f"{model.__name__}.{field.name}"
        for model in auditlog.get_models()
        for field in model._meta.get_fields()
        if field.one_to_one
        and field.auto_created
        and not field.concrete
        and field.name not in auditlog.get_model_fields(model)["exclude_fields"]
    ]
    assert untracked == []
