"""Access entries: who looked at which protected record, and when.

Every view, list, search or export that shows a protected record calls ``log_access`` with
the records it shows. Entries are auditlog ACCESS rows, written in one INSERT per page so
the query count of a list does not grow with its length.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone

from prevent_portal.audit.chain import COLUMNS
from prevent_portal.core.client_ip import client_ip

# An access entry's columns: those that differ from one record shown to the next are sent as
# arrays, the others once for the page. They are the hash chain's columns, all but the id:
# a column auditlog adds fails test_chain's column test, and is a KeyError here on the first
# entry written, not a column left to its database default.
_PER_RECORD = ("content_type_id", "object_pk", "object_id", "object_repr")
_SHARED = tuple(c for c in COLUMNS if c != "id" and c not in _PER_RECORD)


def _unbounded(field) -> str:
    """The column's type without its length: a cast to ``varchar(255)`` would cut a longer
    value short, where storing it into the column refuses it (as ``bulk_create`` did)."""
    return field.db_type(connection).split("(")[0]


@functools.cache
def _insert_sql() -> str:
    """One INSERT of every entry of a page, as ``bulk_create`` wrote them (the same columns,
    values and order: ``test_access_log`` compares the rows), without building a model
    instance and preparing each of its 15 fields for every record shown (about 1,500 calls
    for the 100 entries of an agenda page)."""
    fields = {f.column: f for f in LogEntry._meta.concrete_fields}
    quote = connection.ops.quote_name
    per_record = [fields[name] for name in _PER_RECORD]
    shared = [fields[name] for name in _SHARED]
    columns = ", ".join(quote(f.column) for f in per_record + shared)
    arrays = ", ".join(f"%s::{_unbounded(f)}[]" for f in per_record)
    names = ", ".join(quote(f.column) for f in per_record)
    values = ", ".join(f"e.{quote(f.column)}" for f in per_record)
    constants = ", ".join(f"%s::{_unbounded(f)}" for f in shared)
    table = quote(LogEntry._meta.db_table)
    # Built from the model's metadata only.
    return (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT {values}, {constants} "
        f"FROM unnest({arrays}) WITH ORDINALITY AS e({names}, n) ORDER BY e.n"
    )


def log_access(request, instances: Iterable[models.Model], *, view: str) -> int:
    """Write one ACCESS entry per record shown to ``request.user`` by ``view``, in one
    statement."""
    instances = [obj for obj in instances if obj.pk is not None]
    if not instances:
        return 0
    actor = request.user if request.user.is_authenticated else None
    content_types = ContentType.objects.get_for_models(*{type(o) for o in instances})
    if connection.vendor != "postgresql":
        # SQLite (the demo) has neither arrays nor unnest: the model's own bulk insert, the
        # same rows (one statement too).
        return _bulk_created(request, instances, actor, content_types, view)
    type_ids = {model: content_type.pk for model, content_type in content_types.items()}
    shared = {
        "serialized_data": None,
        "action": int(LogEntry.Action.ACCESS),
        "changes_text": "",
        "changes": "{}",
        "actor_id": actor.pk if actor else None,
        "cid": None,
        "remote_addr": client_ip(request),
        "remote_port": None,
        "timestamp": timezone.now(),
        "additional_data": json.dumps({"view": view}),
        "actor_email": getattr(actor, "email", None) if actor else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_sql(),
            [
                *(shared[name] for name in _SHARED),
                [type_ids[type(obj)] for obj in instances],
                [str(obj.pk) for obj in instances],
                [obj.pk if isinstance(obj.pk, int) else None for obj in instances],
                [str(obj)[:1000] for obj in instances],
            ],
        )
    return len(instances)


def _bulk_created(request, instances, actor, content_types, view: str) -> int:
    entries = [
        LogEntry(
            content_type=content_types[type(obj)],
            object_pk=str(obj.pk),
            object_id=obj.pk if isinstance(obj.pk, int) else None,
            object_repr=str(obj)[:1000],
            action=LogEntry.Action.ACCESS,
            changes={},
            actor=actor,
            actor_email=getattr(actor, "email", None) if actor else None,
            remote_addr=client_ip(request),
            timestamp=timezone.now(),
            additional_data={"view": view},
        )
        for obj in instances
    ]
    LogEntry.objects.bulk_create(entries)
    return len(entries)


def log_search(request, *, view: str, kinds: list[str], digest: str, shown: int) -> None:
    """Record that ``request.user`` searched: one ACCESS entry on their own account, with
    the kinds of term searched for (name, date of birth ...), a keyed hash of the terms and
    how many results the page showed. Never the terms themselves: they are personal data,
    and the audit log is read by people who may not see case content (docs/security.md,
    "Search"). Each result shown has its own entry from ``log_access``."""
    user = request.user
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(user),
        object_pk=str(user.pk),
        object_id=user.pk,
        object_repr=str(user)[:1000],
        action=LogEntry.Action.ACCESS,
        changes={},
        actor=user,
        actor_email=getattr(user, "email", None),
        remote_addr=client_ip(request),
        timestamp=timezone.now(),
        additional_data={
            "view": view,
            "search": {"kinds": list(kinds), "terms_hmac": digest, "results_shown": shown},
        },
    )
