"""Migration audit/0002's SQL, frozen as it was when that migration was written (ADR 0008).

``chain.INSTALL_SQL`` has moved on (ADR 0010 keys the chain); 0002 must keep installing what
it always installed so that a fresh database migrates through the same steps as an old one.
Not a migration: the loader skips modules whose name starts with "_".
"""

INSTALL_SQL = r"""
CREATE OR REPLACE FUNCTION audit_chain_field(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v IS NULL THEN '-' ELSE length(v)::text || ':' || v END
$$;

CREATE OR REPLACE FUNCTION audit_chain_canonical(e auditlog_logentry) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT audit_chain_field(e.id::text)
        || audit_chain_field(e.content_type_id::text)
        || audit_chain_field(e.object_pk::text)
        || audit_chain_field(e.object_id::text)
        || audit_chain_field(e.object_repr::text)
        || audit_chain_field(e.serialized_data::text)
        || audit_chain_field(e.action::text)
        || audit_chain_field(e.changes_text::text)
        || audit_chain_field(e.changes::text)
        || audit_chain_field(e.actor_id::text)
        || audit_chain_field(e.cid::text)
        || audit_chain_field(e.remote_addr::text)
        || audit_chain_field(e.remote_port::text)
        || audit_chain_field(((extract(epoch FROM e."timestamp") * 1000000)::bigint)::text)
        || audit_chain_field(e.additional_data::text)
        || audit_chain_field(e.actor_email::text)
$$;

CREATE OR REPLACE FUNCTION audit_chain_append(e auditlog_logentry) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_hash text;
BEGIN
    -- Held to the end of the transaction: the next appender reads this link as its head.
    PERFORM pg_advisory_xact_lock(7008000001);
    SELECT seq, hash INTO head_seq, head_hash FROM audit_auditchainlink ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        head_seq := 0;
        head_hash := '0000000000000000000000000000000000000000000000000000000000000000';
    END IF;
    INSERT INTO audit_auditchainlink (seq, entry_id, prev_hash, hash)
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
             WHERE NOT EXISTS (SELECT 1 FROM audit_auditchainlink k WHERE k.entry_id = l.id)
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
    BEFORE UPDATE OR DELETE ON audit_auditchainlink
    FOR EACH ROW EXECUTE FUNCTION prevent_audit_append_only();
"""

UNINSTALL_SQL = r"""
DROP TRIGGER IF EXISTS audit_chain_append_only ON audit_auditchainlink;
DROP TRIGGER IF EXISTS auditlog_logentry_chain ON auditlog_logentry;
DROP FUNCTION IF EXISTS audit_chain_on_insert();
DROP FUNCTION IF EXISTS audit_chain_append(auditlog_logentry);
DROP FUNCTION IF EXISTS audit_chain_canonical(auditlog_logentry);
DROP FUNCTION IF EXISTS audit_chain_field(text);
"""
