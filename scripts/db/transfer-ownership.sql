-- Hand an existing Prevent Portal database, created before issue 14 by the postgres image's
-- superuser, to the owner role made by init-roles.sh (docs/operations.md, "Moving an
-- existing installation to the two roles"). REASSIGN OWNED cannot be used: the image's
-- superuser is the bootstrap role, which owns system objects.
--
--   psql -v ON_ERROR_STOP=1 -v owner=prevent_owner -d prevent_portal -f transfer-ownership.sql
--
-- Run it as the superuser, once, with web, worker and beat stopped; then run migrate as the
-- owner (it installs the keyed chain and grants the application role).
SELECT set_config('prevent.new_owner', :'owner', false);
BEGIN;
DO $$
DECLARE
    new_owner text := current_setting('prevent.new_owner');
    item record;
BEGIN
    EXECUTE format('ALTER DATABASE %I OWNER TO %I', current_database(), new_owner);
    -- Tables and views (a table takes its triggers, indexes and column sequences with it).
    FOR item IN
        SELECT c.oid::regclass AS name, c.relkind
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
    LOOP
        EXECUTE format(
            'ALTER %s %s OWNER TO %I',
            CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                ELSE 'TABLE' END,
            item.name,
            new_owner
        );
    END LOOP;
    -- Sequences no column owns.
    FOR item IN
        SELECT c.oid::regclass AS name
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
          AND NOT EXISTS (
              SELECT 1 FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.deptype IN ('a', 'i')
          )
    LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', item.name, new_owner);
    END LOOP;
    -- Functions, the audit triggers' among them.
    FOR item IN
        SELECT p.oid::regprocedure AS name
        FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', item.name, new_owner);
    END LOOP;
END;
$$;
COMMIT;
