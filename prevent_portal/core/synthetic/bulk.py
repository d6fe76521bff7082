"""Batched inserts for the synthetic data, with one audit entry per batch."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone

from prevent_portal.areas import rls
from prevent_portal.core.synthetic import SyntheticContext


def batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def allocate_ids(model: type[models.Model], n: int) -> list[int]:
    """Take ``n`` primary keys from the table's own sequence, as an insert would, so a record
    whose reference is made from its id (``PR-<year>-<id>``) is written once, and the
    application's next insert follows on. SQLite has no sequence: the next ids after the
    largest (one writer at a time there)."""
    if n <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, n],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT MAX("{column}") FROM "{table}"')  # noqa: S608 - model metadata
        start = (cursor.fetchone()[0] or 0) + 1
        return list(range(start, start + n))


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _completed(model: type[models.Model], keys: list[str]) -> tuple[list[str], list]:
    """The columns a row must fill that ``keys`` does not name (Django fills defaults, not the
    database), with their default values; ``auto_now`` fields get the time now."""
    extra, values = [], []
    now = timezone.now()
    for field in model._meta.concrete_fields:
        if field.attname in keys or (field.primary_key and field.attname not in keys):
            continue
        if field.generated:  # the database computes it
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.null and not field.has_default():
            continue
        elif field.name == "area" and field.related_model is not None:
            # A generator files its rows by area (``area_id`` in each row: referrals,
            # persons, meetings, cases); one that does not yet puts them in the first area.
            value = field.related_model.objects.order_by("pk").values_list("pk", flat=True)[0]
        else:
            value = field.get_default()  # "" for text fields without a default
            if value is None and not field.null:
                raise ValueError(f"{model.__name__}.{field.name} needs a value")
        extra.append(field.attname)
        values.append(value)
    return extra, values


def _copy_mode(table: str) -> tuple[bool, bool]:
    """(COPY or not, through the owner's brief bypass or not). PostgreSQL refuses COPY FROM
    into a table whose row-level security applies to the session (the council-area wall,
    ADR 0011), whatever areas it acts for. A superuser or BYPASSRLS role is not subject to it
    and copies; the tables' owner (CI, and a bench run as the owner role) is subject only
    because the wall is FORCEd, and copies through ``_owner_bypass``; any other role inserts
    row by row (about three times slower: docs/performance.md)."""
    if connection.vendor != "postgresql":
        return False, False
    if not (rls.enabled() and table in rls.area_owned_tables()):
        return True, False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_security_active(c.oid), pg_has_role(c.relowner, 'USAGE')"
            " FROM pg_class c WHERE c.oid = %s::regclass",
            [f'"{table}"'],
        )
        active, owner = cursor.fetchone()
    if not active:
        return True, False
    return owner, owner


@contextlib.contextmanager
def _owner_bypass(cursor, table: str):
    """The wall lowered for the owner, for one COPY, inside the generator's transaction: NO
    FORCE exempts the owner (the application role stays subject), and FORCE is back before
    the statement after. ALTER TABLE holds the table's exclusive lock to the end of the
    transaction, so no other session ever sees the wall down; it refuses to run with the
    table's deferred checks pending, so they are run first (they would run at commit)."""
    quoted = f'"{table}"'
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f"ALTER TABLE {quoted} NO FORCE ROW LEVEL SECURITY")
    try:
        yield
    finally:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def copy_rows(
    ctx: SyntheticContext,
    model: type[models.Model],
    rows: Iterable[dict],
    *,
    label: str | None = None,
) -> int:
    """Write plain rows (dicts of attribute names to values, the same keys in every row) in
    batches: PostgreSQL's COPY, or executemany elsewhere. Ten times faster than building
    model instances for ``bulk_create``; defaults are filled as Django would. Audited as
    ``insert`` is (one entry per batch): give the rows their ids (``allocate_ids``) so the
    entry can name them."""
    audited = auditlog.contains(model)
    content_type = ContentType.objects.get_for_model(model) if audited else None
    table = model._meta.db_table
    copy, bypass = _copy_mode(table)
    written = 0
    for batch in batched(rows, ctx.batch_size):
        keys = list(batch[0])
        extra, defaults = _completed(model, keys)
        columns = [_column(model, k) for k in keys + extra]
        quoted = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            if copy:
                buffer = io.StringIO()
                tail = [_copy_text(v) for v in defaults]
                for row in batch:
                    buffer.write("\t".join([_copy_text(row[k]) for k in keys] + tail))
                    buffer.write("\n")
                buffer.seek(0)
                if bypass:
                    with _owner_bypass(cursor, table):
                        cursor.cursor.copy_expert(f'COPY "{table}" ({quoted}) FROM STDIN', buffer)
                else:
                    cursor.cursor.copy_expert(f'COPY "{table}" ({quoted}) FROM STDIN', buffer)
            else:
                # Other databases: values prepared by their fields, as Django saves them.
                fields = [_field(model, k) for k in keys + extra]
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})',  # noqa: S608
                    [
                        [
                            f.get_db_prep_save(v, connection)
                            for f, v in zip(fields, [row[k] for k in keys] + defaults, strict=True)
                        ]
                        for row in batch
                    ],
                )
        written += len(batch)
        if audited:
            ids = [row["id"] for row in batch] if "id" in keys else []
            _audit_batch(ctx, model, content_type, len(batch), ids)
    ctx.add_count(label or model._meta.label, written)
    return written


def _field(model, attname: str):
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    raise ValueError(f"{model.__name__} has no field {attname}")


def _column(model, attname: str) -> str:
    return _field(model, attname).column


def _audit_batch(ctx, model, content_type, count: int, ids: list[int]) -> None:
    first, last = (min(ids), max(ids)) if ids else (None, None)
    LogEntry.objects.create(
        content_type=content_type,
        object_pk=str(first or ""),
        object_id=first,
        object_repr=(
            f"Synthetic data: {count} {model._meta.verbose_name_plural}"
            + (f", ids {first} to {last}" if first is not None else "")
        ),
        action=LogEntry.Action.CREATE,
        changes={},
        actor=ctx.actor,
        additional_data={
            "synthetic_batch": {
                "count": count,
                "first_id": first,
                "last_id": last,
                "scale": ctx.scale,
                "seed": ctx.seed,
            }
        },
    )


def insert(
    ctx: SyntheticContext,
    model: type[models.Model],
    rows: Iterable[models.Model],
    *,
    label: str | None = None,
) -> int:
    """Write ``rows`` with ``bulk_create`` in batches; returns how many were written.

    bulk_create sends no signals, so django-auditlog writes nothing for these rows. For a
    model registered with auditlog, each batch writes one entry itself: action create, actor
    the system account, the model's content type, the first id as the object, and the count
    and id range in ``additional_data``. Nothing personal is in it (masking has nothing to
    mask). Through tables of many-to-many fields are not registered and get none.
    """
    audited = auditlog.contains(model)
    content_type = ContentType.objects.get_for_model(model) if audited else None
    written = 0
    for batch in batched(rows, ctx.batch_size):
        model.objects.bulk_create(batch)
        written += len(batch)
        if audited:
            _audit_batch(ctx, model, content_type, len(batch), [o.pk for o in batch if o.pk])
    ctx.add_count(label or model._meta.label, written)
    return written
