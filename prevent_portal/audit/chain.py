"""The audit hash chain: its canonical serialisation, the trigger that writes it, and the
independent Python check behind ``manage.py verify_audit`` (ADR 0008).

An entry's canonical form is its columns in ``COLUMNS`` order, each written as
``<length>:<text>`` (length in characters) or ``-`` for NULL, concatenated. The text of a
column is what PostgreSQL prints for it, except the timestamp, written as whole microseconds
since 1970-01-01 UTC so that no session time zone can change it. JSON columns use jsonb's
own text form (keys in jsonb order), which is a property of the stored value.

    hash(n) = sha256_hex(hash(n - 1) + canonical(entry n)),   hash(0) = "0" * 64

The trigger computes this in SQL when the inserting transaction commits; ``verify`` computes
it again in Python from the stored columns and compares.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# Changing COLUMNS or the canonical form needs a new migration that re-installs INSTALL_SQL
# (migration audit/0002 imports it), and a plan for chains already written in the old form.
GENESIS = "0" * 64
# pg_advisory_xact_lock key: one appender at a time, so the chain stays linear.
LOCK_KEY = 7_008_000_001
LINK_TABLE = "audit_auditchainlink"

# Every column of auditlog_logentry, in hash order. A test fails if auditlog adds a column
# this list does not name (it would otherwise be left out of the hash).
COLUMNS = [
    "id",
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "serialized_data",
    "action",
    "changes_text",
    "changes",
    "actor_id",
    "cid",
    "remote_addr",
    "remote_port",
    "timestamp",
    "additional_data",
    "actor_email",
]
JSON_COLUMNS = {"serialized_data", "changes", "additional_data"}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def _sql_text(column: str, row: str) -> str:
    if column == "timestamp":
        return f'((extract(epoch FROM {row}."timestamp") * 1000000)::bigint)::text'
    return f"{row}.{column}::text"


def _select_text(column: str, row: str) -> str:
    """How ``verify`` reads a column: JSON and inet as PostgreSQL prints them, the rest as
    Python values (ints, str, an aware datetime) serialised by ``field``."""
    if column in JSON_COLUMNS or column == "remote_addr":
        return f"{row}.{column}::text"
    return f'{row}."{column}"'


def field(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        value = (value - _EPOCH) // _MICROSECOND
    text = str(value)
    return f"{len(text)}:{text}"


def canonical(values: dict) -> str:
    return "".join(field(values[column]) for column in COLUMNS)


def link_hash(prev_hash: str, canonical_text: str) -> str:
    return hashlib.sha256((prev_hash + canonical_text).encode("utf-8")).hexdigest()


_CANONICAL_SQL = "\n        || ".join(
    f"audit_chain_field({_sql_text(column, 'e')})" for column in COLUMNS
)

INSTALL_SQL = f"""
CREATE OR REPLACE FUNCTION audit_chain_field(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v IS NULL THEN '-' ELSE length(v)::text || ':' || v END
$$;

CREATE OR REPLACE FUNCTION audit_chain_canonical(e auditlog_logentry) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT {_CANONICAL_SQL}
$$;

CREATE OR REPLACE FUNCTION audit_chain_append(e auditlog_logentry) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_hash text;
BEGIN
    -- Held to the end of the transaction: the next appender reads this link as its head.
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    SELECT seq, hash INTO head_seq, head_hash FROM {LINK_TABLE} ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        head_seq := 0;
        head_hash := '{GENESIS}';
    END IF;
    INSERT INTO {LINK_TABLE} (seq, entry_id, prev_hash, hash)
    VALUES (
        head_seq + 1,
        e.id,
        head_hash,
        encode(sha256(convert_to(head_hash || audit_chain_canonical(e), 'UTF8')), 'hex')
    );
END;
$$;

CREATE OR REPLACE FUNCTION audit_chain_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM audit_chain_append(NEW);
    RETURN NULL;
END;
$$;

-- Link existing entries first (oldest id first), with writers kept out meanwhile.
LOCK TABLE auditlog_logentry IN EXCLUSIVE MODE;
DO $$
DECLARE
    e auditlog_logentry;
BEGIN
    FOR e IN SELECT * FROM auditlog_logentry l
             WHERE NOT EXISTS (SELECT 1 FROM {LINK_TABLE} k WHERE k.entry_id = l.id)
             ORDER BY l.id LOOP
        PERFORM audit_chain_append(e);
    END LOOP;
END;
$$;

-- Deferred to commit: the advisory lock is held for the commit only, not for the whole
-- transaction, so page views and edits do not queue behind one another's work.
CREATE CONSTRAINT TRIGGER auditlog_logentry_chain
    AFTER INSERT ON auditlog_logentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_chain_on_insert();

CREATE TRIGGER audit_chain_append_only
    BEFORE UPDATE OR DELETE ON {LINK_TABLE}
    FOR EACH ROW EXECUTE FUNCTION prevent_audit_append_only();
"""  # noqa: S608 - built from this module's constants only

UNINSTALL_SQL = f"""
DROP TRIGGER IF EXISTS audit_chain_append_only ON {LINK_TABLE};
DROP TRIGGER IF EXISTS auditlog_logentry_chain ON auditlog_logentry;
DROP FUNCTION IF EXISTS audit_chain_on_insert();
DROP FUNCTION IF EXISTS audit_chain_append(auditlog_logentry);
DROP FUNCTION IF EXISTS audit_chain_canonical(auditlog_logentry);
DROP FUNCTION IF EXISTS audit_chain_field(text);
"""

_ENTRY_COLUMNS = ", ".join(_select_text(column, "e") for column in COLUMNS)
_SELECT_LINKS = f"""
SELECT l.seq, l.entry_id, l.prev_hash, l.hash, e.id IS NOT NULL AS present, {_ENTRY_COLUMNS}
FROM {LINK_TABLE} l LEFT JOIN auditlog_logentry e ON e.id = l.entry_id
WHERE l.seq > %s ORDER BY l.seq LIMIT %s
"""  # noqa: S608 - built from this module's constants only

_UNCHAINED = """
SELECT e.id, e."timestamp", count(*) OVER ()
FROM auditlog_logentry e
WHERE NOT EXISTS (SELECT 1 FROM audit_auditchainlink l WHERE l.entry_id = e.id)
ORDER BY e.id LIMIT 1
"""


@dataclass
class Break:
    entry_id: int
    timestamp: dt.datetime | None
    seq: int
    reason: str

    def __str__(self):
        when = self.timestamp.isoformat() if self.timestamp else "unknown"
        return (
            f"entry id={self.entry_id} (timestamp {when}, chain position {self.seq}): {self.reason}"
        )


@dataclass
class Result:
    verified: int
    head_seq: int
    head_hash: str
    broken: Break | None = None


def _links(cursor, batch_size: int) -> Iterator[tuple]:
    """Every link with its entry, in chain order, ``batch_size`` rows in memory at a time."""
    last = 0
    while True:
        cursor.execute(_SELECT_LINKS, [last, batch_size])
        rows = cursor.fetchall()
        yield from rows
        if len(rows) < batch_size:
            return
        last = rows[-1][0]


def verify(cursor, *, batch_size: int = 5000, progress: Callable[[int], None] | None = None):
    """Recompute the whole chain in Python; stop at the first link that does not hold.

    Checks, in chain order: positions run 1, 2, 3 ... with none missing; each link's
    ``prev_hash`` is the hash computed for the link before it; its entry still exists; and
    its ``hash`` equals sha256(previous hash + the entry's canonical form). Then that no
    entry is outside the chain. Call it inside one REPEATABLE READ transaction so the log
    is read as of one moment while the application keeps writing.
    """
    expected_hash, expected_seq, verified = GENESIS, 1, 0
    prev_timestamp = None
    for seq, entry_id, prev_hash, stored_hash, present, *values in _links(cursor, batch_size):
        row = dict(zip(COLUMNS, values, strict=True))
        broken = None
        if seq != expected_seq:
            broken = f"chain positions {expected_seq} to {seq - 1} are missing"
        elif prev_hash != expected_hash:
            broken = "its link does not follow the link before it (reordered or replaced)"
        elif not present:
            after = prev_timestamp.isoformat() if prev_timestamp else "the start"
            broken = f"the entry is missing from the log (deleted); the one before is from {after}"
        elif link_hash(expected_hash, canonical(row)) != stored_hash:
            broken = "its contents do not match its hash (altered), or its hash was altered"
        if broken:
            when = row["timestamp"] if present else prev_timestamp
            return Result(
                verified, expected_seq - 1, expected_hash, Break(entry_id, when, seq, broken)
            )
        expected_hash, expected_seq, verified = stored_hash, seq + 1, verified + 1
        prev_timestamp = row["timestamp"]
        if progress and verified % batch_size == 0:
            progress(verified)
    cursor.execute(_UNCHAINED)
    outside = cursor.fetchone()
    result = Result(verified, expected_seq - 1, expected_hash)
    if outside:
        entry_id, timestamp, count = outside
        result.broken = Break(
            entry_id, timestamp, 0, f"not in the chain ({count} entries are outside it)"
        )
    return result
