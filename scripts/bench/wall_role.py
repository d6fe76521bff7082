"""The bench's page requests behind the area wall, as production runs them (issue 18).

The row-level security wall (ADR 0011, docs/security.md) does not apply to a PostgreSQL
superuser or a BYPASSRLS role, and the bench connects as whoever ``DATABASE_URL`` names,
often the superuser: then the policies' cost is in no figure. So, unless told not to, the bench
measures its pages as a role the wall applies to, as the tests do (``become_wall_role`` in
tests/conftest.py):

- connected as a role the wall already applies to (the tables' owner with the wall FORCEd,
  or an application role): nothing to switch, the figures are behind the wall;
- connected as a superuser or BYPASSRLS role: ``SET ROLE`` to ``ROLE`` (made if missing:
  NOLOGIN, no superuser, no BYPASSRLS, with the application's rights on the tables) for the
  measured requests, and back after;
- the wall off (``AREA_RLS=false``) or its policies missing: there is no wall to measure,
  and the bench says so.

Set-up (data, the copies of the scoped measures) runs as the connected role.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection

ROLE = "bench_wall"


def _bypasses() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


def _wall_up() -> tuple[bool, str]:
    from prevent_portal.areas import rls

    if not rls.enabled():
        return False, "AREA_RLS is off: no wall"
    state = rls.wall_state()
    if not state or not all(all(flags) for flags in state.values()):
        return False, "the wall's policies are not all in place"
    return True, ""


def prepare(wanted: bool) -> dict:
    """Decide how the pages are measured; make the role if needed. Returns what was decided
    (``behind_wall``, ``role``, ``switch``, ``why``) for the report."""
    if not wanted:
        return {
            "behind_wall": not _bypasses() and _wall_up()[0],
            "switch": False,
            "role": None,
            "why": "asked to measure as the connected role",
        }
    up, why = _wall_up()
    if not up:
        return {"behind_wall": False, "switch": False, "role": None, "why": why}
    if not _bypasses():
        return {
            "behind_wall": True,
            "switch": False,
            "role": None,
            "why": "the connected role is behind the wall",
        }
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
            cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {ROLE}")
            cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
            cursor.execute(f"GRANT {ROLE} TO current_user")
    except Exception as error:  # noqa: BLE001 - any refusal: measure as connected, and say so
        return {
            "behind_wall": False,
            "switch": False,
            "role": None,
            "why": f"could not make the role {ROLE}: {error}",
        }
    return {
        "behind_wall": True,
        "switch": True,
        "role": ROLE,
        "why": f"SET ROLE {ROLE} (the connected role bypasses the wall)",
    }


@contextlib.contextmanager
def measured(decision: dict) -> Iterator[None]:
    """The measured requests run as the role (when switching), set-up code as connected."""
    if not decision["switch"]:
        yield
        return
    with connection.cursor() as cursor:
        # The copies the scoped measures read (schemas ``bench_*``, made as connected).
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [r"bench\_%"])
        for (schema,) in cursor.fetchall():
            cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {ROLE}")
            cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {ROLE}")
        cursor.execute(f"SET ROLE {ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


# Other agencies' generated rows go round every area (an InitPlan: the areas are read once).
AREA_FILLER = (
    "((SELECT array_agg(id ORDER BY id) FROM public.areas_area))"
    "[1 + g %% (SELECT count(*) FROM public.areas_area)::int]"
)


def wall_copy(cursor, schema: str, table: str) -> None:
    """Put the area wall on a copy of an area-owned table, as ``migrate`` puts it on the
    table it copies (the copies the scoped measures read through ``search_path``)."""
    from prevent_portal.areas import rls

    for statement in rls.policy_statements(table, on=True, schema=schema):
        cursor.execute(statement)


def copy_is_current(cursor, schema: str, tables) -> bool:
    """Whether the copies in ``schema`` of ``tables`` still have the indexes of the tables they
    copy (a copy reused from before a migration added one would measure without it), compared
    by definition, index and schema names aside. The caller rebuilds a copy that is not, and
    puts the current wall on one it reuses (``wall_copy``)."""
    for table in tables:
        found = {}
        for namespace in ("public", schema):
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
                [namespace, table],
            )
            found[namespace] = sorted(
                d.split(" ON ", 1)[1].replace(f"{namespace}.", "", 1) for (d,) in cursor.fetchall()
            )
        if found["public"] != found[schema]:
            return False
    return True
