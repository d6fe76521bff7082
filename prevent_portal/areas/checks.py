"""areas.E002 / areas.W001: the row-level security wall is up where it should be (ADR 0011).

Database checks (``manage.py check --database default``, run by CI after migrate).
"""

from django.conf import settings
from django.core.checks import Error, Warning
from django.db import connections

from prevent_portal.areas import rls


def wall_check(app_configs=None, databases=None, **kwargs):
    """Every area-owned table has row-level security enabled and forced with the area_wall
    policy (AREA_RLS on), or none of it (AREA_RLS off: nothing would set the areas, so a left
    policy would hide every row). Warns when the connected role bypasses row-level security."""
    errors = []
    if rls.is_migrating():
        return errors
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        state = rls.wall_state(alias)
        for table in rls.area_owned_tables():
            enabled, forced, policy = state.get(table, (False, False, False))
            if settings.AREA_RLS and not (enabled and forced and policy):
                errors.append(
                    Error(
                        f"Area-owned table {table} lacks its row-level security wall",
                        hint="Run `manage.py migrate` (post_migrate puts the policies up).",
                        id="areas.E002",
                    )
                )
            elif not settings.AREA_RLS and (enabled or policy):
                errors.append(
                    Error(
                        f"AREA_RLS is off but {table} still has row-level security on",
                        hint="Run `manage.py migrate` to take the policies down.",
                        id="areas.E002",
                    )
                )
        if settings.AREA_RLS:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
                )
                (bypasses,) = cursor.fetchone()
            if bypasses:
                errors.append(
                    Warning(
                        "The database role is a superuser or has BYPASSRLS: the area wall "
                        "does not apply to it",
                        hint="Connect as the owner and application roles (ADR 0010).",
                        id="areas.W001",
                    )
                )
    return errors
