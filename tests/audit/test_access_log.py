"""Access entries are written by one statement of their own (``log_access``), not by
``bulk_create``: the rows must be the ones ``bulk_create`` wrote, column for column, in the
order the records were shown."""

import datetime as dt
import types

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import DataError, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from prevent_portal.audit import access_log
from prevent_portal.audit.access_log import log_access
from tests import factories
from tests.conftest import on_postgres

WHEN = dt.datetime(2026, 12, 7, 21, 30, 0, 123456, tzinfo=dt.UTC)


def request_by(user, address="2001:DB8::1"):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = user
    return request


def as_bulk_create_wrote(request, instances, *, view):
    """The entries as ``log_access`` wrote them before it had a statement of its own."""
    actor = request.user
    content_types = ContentType.objects.get_for_models(*{type(o) for o in instances})
    LogEntry.objects.bulk_create(
        LogEntry(
            content_type=content_types[type(obj)],
            object_pk=str(obj.pk),
            object_id=obj.pk if isinstance(obj.pk, int) else None,
            object_repr=str(obj)[:1000],
            action=LogEntry.Action.ACCESS,
            changes={},
            actor=actor,
            actor_email=actor.email,
            remote_addr=access_log.client_ip(request),
            timestamp=WHEN,
            additional_data={"view": view},
        )
        for obj in instances
    )


def rows(view):
    columns = [f.attname for f in LogEntry._meta.concrete_fields if not f.primary_key]
    return list(LogEntry.objects.filter(additional_data__view=view).order_by("pk").values(*columns))


@pytest.mark.parametrize("written_by", ["the statement of its own", "bulk_create (SQLite)"])
def test_access_entries_are_the_rows_bulk_create_wrote_in_the_order_shown(
    world, monkeypatch, written_by
):
    if written_by.startswith("bulk_create"):
        # The demo's path (no arrays on SQLite), taken here on any database.
        monkeypatch.setattr(access_log, "connection", types.SimpleNamespace(vendor="sqlite"))
    elif not on_postgres():
        pytest.skip("the statement of its own is PostgreSQL's (arrays and unnest)")
    monkeypatch.setattr(access_log, "timezone", types.SimpleNamespace(now=lambda: WHEN))
    referral = factories.referral(world.agency_a)
    shown = [
        referral.person,
        referral,
        world.agency_b,
        Session(session_key="k" * 40),
        referral.person,
    ]
    request = request_by(world.spoc_a)
    ContentType.objects.get_for_models(*{type(o) for o in shown})  # cached, as on a page

    with CaptureQueriesContext(transaction.get_connection()) as queries:
        assert log_access(request, shown, view="one statement") == 5
    as_bulk_create_wrote(request, shown, view="bulk create")

    written, expected = rows("one statement"), rows("bulk create")
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert [r["object_pk"] for r in written] == [str(o.pk) for o in shown]
    for row in (*written, *expected):
        row.pop("additional_data")
    assert written == expected
    assert written[0]["remote_addr"] == "2001:db8::1"
    assert written[0]["changes"] == {} and written[0]["changes_text"] == ""


@pytest.mark.skipif(not on_postgres(), reason="SQLite does not hold a text to its length")
def test_a_value_too_long_for_its_column_is_refused_not_cut(world):
    """The statement casts to the columns' types without their lengths: a value longer than
    its column raises, as it did through the model, instead of being stored cut short."""
    with pytest.raises(DataError), transaction.atomic():
        log_access(request_by(world.spoc_a), [Session(session_key="k" * 300)], view="too long")
