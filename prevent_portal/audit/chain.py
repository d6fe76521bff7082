"""The audit hash chain: its canonical serialisation, the trigger that writes it, and the
independent Python check behind ``manage.py verify_audit`` (ADR 0008, keyed by ADR 0010).

An entry's canonical form is its columns in ``COLUMNS`` order, each written as
``<length>:<text>`` (length in characters) or ``-`` for NULL, concatenated. The text of a
column is what PostgreSQL prints for it, except the timestamp, written as whole microseconds
since 1970-01-01 UTC so that no session time zone can change it. JSON columns use jsonb's
own text form (keys in jsonb order), which is a property of the stored value.

    hash(n) = sha256_hex(hash(n - 1) + canonical(entry n)),   hash(0) = "0" * 64

The trigger computes this in SQL when the inserting transaction commits; ``verify`` computes
it again in Python from the stored columns and compares.

The hash alone can be recomputed by anyone who can write SQL, so each link also carries

    mac(n) = hmac_sha256_hex(AUDIT_CHAIN_KEY, "<n>:<hash(n)>"),   key_id = sha256_hex(key)[:16]

The key is never stored in the database: the application hands it to each of its own
sessions as the startup option ``prevent.audit_chain_key`` (settings.py), and the trigger
refuses to link an entry in a session without it. Someone with the database superuser but
not the key can no longer rewrite, reorder or forge a link; cutting entries from the end is
caught against the signed anchors kept outside the database (``anchors.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# Changing COLUMNS or the canonical form needs a new migration that re-installs INSTALL_SQL
# (migration audit/0002 imports it), and a plan for chains already written in the old form.
GENESIS = "0" * 64
# pg_advisory_xact_lock key: one appender at a time, so the chain stays linear.
LOCK_KEY = 7_008_000_001
LINK_TABLE = "audit_auditchainlink"
# The per-session setting through which the application gives the trigger its key.
KEY_SETTING = "prevent.audit_chain_key"

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


def key_id(key: str) -> str:
    """A short public name for a key, so that links signed before a rotation can be checked
    with the old key. It reveals nothing useful about the key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def link_mac(key: str, seq: int, hash_: str) -> str:
    return hmac.new(key.encode("utf-8"), f"{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()


def chain_keys(current: str, previous: list[str] | tuple[str, ...] = ()) -> dict[str, str]:
    """{key id: key} for the current key and any retired ones still needed to check old links."""
    return {key_id(key): key for key in (current, *previous) if key}


_CANONICAL_SQL = "\n        || ".join(
    f"audit_chain_field({_sql_text(column, 'e')})" for column in COLUMNS
)

# Installed by migration audit/0003 over what 0002 installed (frozen in
# migrations/_chain_v1.py). The functions are owned by the role that runs migrations; the
# trigger function runs with its rights (SECURITY DEFINER), so the application's role needs no
# INSERT on the link table and cannot write a link except by writing an audit entry.
INSTALL_SQL = f"""
-- HMAC-SHA256 (RFC 2104) from the built-in sha256(): pgcrypto is not guaranteed. The key
-- block is XORed with the pads 8 bytes at a time, as bigints (a third faster than by byte).
CREATE OR REPLACE FUNCTION audit_chain_hmac(key bytea, message bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    block bytea;
    chunk bigint;
    inner_pad bytea := '';
    outer_pad bytea := '';
BEGIN
    block := CASE WHEN length(key) > 64 THEN sha256(key) ELSE key END;
    block := block || decode(repeat('00', 64 - length(block)), 'hex');
    FOR i IN 0..7 LOOP
        chunk := ('x' || encode(substring(block FROM i * 8 + 1 FOR 8), 'hex'))::bit(64)::bigint;
        -- 0x3636363636363636 and 0x5c5c5c5c5c5c5c5c
        inner_pad := inner_pad || decode(lpad(to_hex(chunk # 3906369333256140342), 16, '0'), 'hex');
        outer_pad := outer_pad || decode(lpad(to_hex(chunk # 6655295901103053916), 16, '0'), 'hex');
    END LOOP;
    RETURN encode(sha256(outer_pad || sha256(inner_pad || message)), 'hex');
END;
$$;

CREATE OR REPLACE FUNCTION audit_chain_append(e auditlog_logentry) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    chain_key text;
    head_seq bigint;
    head_hash text;
    new_hash text;
BEGIN
    -- The key comes from the session, never from a table: a session that was not opened by
    -- the application (psql, a stolen dump restored elsewhere) cannot extend the chain.
    chain_key := current_setting('{KEY_SETTING}', true);
    IF chain_key IS NULL OR chain_key = '' THEN
        RAISE EXCEPTION 'The audit chain key is not set in this session: only the application '
            'writes audit entries (AUDIT_CHAIN_KEY)' USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Held to the end of the transaction: the next appender reads this link as its head.
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    SELECT seq, hash INTO head_seq, head_hash FROM {LINK_TABLE} ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        head_seq := 0;
        head_hash := '{GENESIS}';
    END IF;
    new_hash := encode(sha256(convert_to(head_hash || audit_chain_canonical(e), 'UTF8')), 'hex');
    INSERT INTO {LINK_TABLE} (seq, entry_id, prev_hash, hash, key_id, mac)
    VALUES (
        head_seq + 1,
        e.id,
        head_hash,
        new_hash,
        left(encode(sha256(convert_to(chain_key, 'UTF8')), 'hex'), 16),
        audit_chain_hmac(
            convert_to(chain_key, 'UTF8'),
            convert_to((head_seq + 1)::text || ':' || new_hash, 'UTF8')
        )
    );
END;
$$;

CREATE OR REPLACE FUNCTION audit_chain_on_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM audit_chain_append(NEW);
    RETURN NULL;
END;
$$;

-- Only the trigger (running as the owner) may append: no role may call it with a made-up row.
REVOKE EXECUTE ON FUNCTION audit_chain_append(auditlog_logentry) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_chain_on_insert() FROM PUBLIC;
"""  # noqa: S608 - built from this module's constants only

# Back to what 0002 installed (its functions are then re-created by the migration).
UNINSTALL_SQL = """
DROP FUNCTION IF EXISTS audit_chain_hmac(bytea, bytea);
GRANT EXECUTE ON FUNCTION audit_chain_append(auditlog_logentry) TO PUBLIC;
GRANT EXECUTE ON FUNCTION audit_chain_on_insert() TO PUBLIC;
"""

_ENTRY_COLUMNS = ", ".join(_select_text(column, "e") for column in COLUMNS)
_SELECT_LINKS = f"""
SELECT l.seq, l.entry_id, l.prev_hash, l.hash, l.key_id, l.mac, e.id IS NOT NULL AS present,
       {_ENTRY_COLUMNS}
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
    head_mac: str | None = None


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


def _mac_problem(keys: dict[str, str], seq, stored_hash, key_id_, mac, keyed_before) -> str:
    if mac is None:
        if keyed_before:
            return "its link is not signed with the chain key (written outside the application)"
        return ""  # linked before the chain was keyed (ADR 0010): covered by later links
    key = keys.get(key_id_)
    if key is None:
        return f"its link is signed with a key this check was not given (key id {key_id_})"
    if not hmac.compare_digest(link_mac(key, seq, stored_hash), mac):
        return "its link's signature does not match (forged or rewritten without the key)"
    return ""


def verify(
    cursor,
    *,
    keys: dict[str, str],
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
):
    """Recompute the whole chain in Python; stop at the first link that does not hold.

    Checks, in chain order: positions run 1, 2, 3 ... with none missing; each link's
    ``prev_hash`` is the hash computed for the link before it; its entry still exists; its
    ``hash`` equals sha256(previous hash + the entry's canonical form); and its ``mac`` is the
    HMAC of its position and hash under one of ``keys`` (once one link is signed, every later
    one must be). Then that no entry is outside the chain. Call it inside one REPEATABLE READ
    transaction so the log is read as of one moment while the application keeps writing.
    """
    expected_hash, expected_seq, verified = GENESIS, 1, 0
    prev_timestamp, head_mac, keyed = None, None, False
    for row_values in _links(cursor, batch_size):
        seq, entry_id, prev_hash, stored_hash, link_key_id, mac, present, *values = row_values
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
        else:
            broken = _mac_problem(keys, seq, stored_hash, link_key_id, mac, keyed) or None
        if broken:
            when = row["timestamp"] if present else prev_timestamp
            return Result(
                verified,
                expected_seq - 1,
                expected_hash,
                Break(entry_id, when, seq, broken),
                head_mac,
            )
        expected_hash, expected_seq, verified = stored_hash, seq + 1, verified + 1
        prev_timestamp, head_mac, keyed = row["timestamp"], mac, keyed or mac is not None
        if progress and verified % batch_size == 0:
            progress(verified)
    cursor.execute(_UNCHAINED)
    outside = cursor.fetchone()
    result = Result(verified, expected_seq - 1, expected_hash, head_mac=head_mac)
    if outside:
        entry_id, timestamp, count = outside
        result.broken = Break(
            entry_id, timestamp, 0, f"not in the chain ({count} entries are outside it)"
        )
    return result
