"""The second wall: PostgreSQL row-level security on every area-owned table (ADR 0011).

The access module (prevent_portal/accounts/access.py) decides what a user may see. This module
makes the database refuse the rows of the areas a request, task or command does not act for,
so that a query written without the access module still cannot reach another council's cases.

- **Area-owned tables** are found, never listed: every concrete model with a field named
  ``area`` that is a foreign key to ``areas.Area`` (what ``area_field()`` makes).
- **Policy.** Each such table has row-level security ENABLEd and FORCEd (FORCE because
  migrations, CI and the tests run as the table owner, which a plain ENABLE exempts), and one
  policy, ``area_wall``, for every command (USING and WITH CHECK): a row passes only when its
  ``area_id`` is among the areas in the transaction's ``prevent.areas`` setting, a comma list
  of area ids, or when that setting is exactly ``all``. No setting, an empty one, or anything
  else: no rows, and no writes (fail closed). A record two areas share (a request from one
  area's Coordinators to another's) names its area fields in ``AREA_FIELDS``; a row passes
  when either area is declared (``area_columns``).
- **Declaring areas.** ``acting_for(areas)`` declares, for the code inside it, the areas it
  acts for: the middleware does it once per request (the signed-in user's areas; anonymous:
  none), the task base class once per Celery task, the command base class once per management
  command (``ALL`` for sweeps that act for every area).
- **Transaction-scoped.** The declaration lives in a context variable, not in the database
  session. An execute wrapper on every PostgreSQL connection stamps it onto each transaction
  that needs it with ``set_config('prevent.areas', value, true)``: at the start of every
  transaction opened by ``atomic()``, and around each autocommit statement that names an
  area-owned table (that statement then runs in a short transaction of its own). Nothing
  outlives its transaction, so a pooled or reused connection never carries one request's areas
  into the next.

SQLite (the demo) has no row-level security: there the wall does not exist and only the
access module protects the data (docs/security.md).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connections

SETTING = "prevent.areas"
POLICY = "area_wall"
# The value that lets every area's rows through: migrations, and sweeps and commands that act
# for every area, say so explicitly.
ALL = "all"

# A row passes when the setting is "all", or when its area is in the comma list. nullif turns
# "all" and "" into NULL before the cast, so neither can fail the cast; NULL matches nothing.
_SETTING_SQL = f"current_setting('{SETTING}', true)"
_AREAS_SQL = f"string_to_array(nullif(nullif({_SETTING_SQL}, '{ALL}'), ''), ',')::bigint[]"


def policy_expression(columns: Iterable[str] = ("area_id",)) -> str:
    """The policy's test: the setting is "all", or one of ``columns`` names a declared area.

    The area test is wrapped as ``nullif(test, false) IS NOT NULL``: true exactly when the test
    is true (false and NULL both refuse the row, as before), but an expression the planner has
    no statistics for, so it estimates it as keeping every row. The access module filters the
    same column by the same areas (rule 8: ``area_id IN (...)``); written plainly, the planner
    multiplied the two filters as if independent and expected one area's share of one area's
    rows (177 rows for 3,917), then chose plans for the wrong size: a sort instead of an index
    walk on a Coordinator's list, a nested loop running a user's scope once per agenda row.
    The wall filters exactly as before; only its estimate is left to the access module's own
    filter (ADR 0011, "The planner counts the area once").

    The setting is read, split and cast once per statement, not once per row: each read is an
    uncorrelated scalar subquery, which PostgreSQL runs once as an InitPlan (ADR 0011, "The
    setting is read once per statement"); the rows let through are the same."""
    tests = " OR ".join(f"{column} = ANY ((SELECT {_AREAS_SQL})::bigint[])" for column in columns)
    return f"((SELECT {_SETTING_SQL}) = '{ALL}' OR nullif({tests}, false) IS NOT NULL)"


POLICY_EXPRESSION = policy_expression()

# The areas declared by the code running now: None (nothing declared: no rows), ALL, or a
# callable giving the value lazily (a request's areas are read only if it touches a wall).
_declared: contextvars.ContextVar[str | Callable[[], str] | None] = contextvars.ContextVar(
    "prevent_areas", default=None
)
# What code that declared nothing acts for: none. Only the test suite changes it
# (``undeclared_code_acts_for``): its set-up code, and the threads its tests start, act for
# every area; requests, tasks and commands still act for what they declare.
_undeclared_value = ""


def enabled(using: str = "default") -> bool:
    """Whether the wall is up on this database: PostgreSQL, and the AREA_RLS setting on."""
    return connections[using].vendor == "postgresql" and settings.AREA_RLS


def area_columns(model) -> tuple[str, ...]:
    """The columns whose area lets a row of ``model`` through: ``area_id`` for a record of one
    area; for a record two areas share (a request from one area's Coordinators to another's),
    the column of each foreign key to areas.Area named in the model's ``AREA_FIELDS``. Empty
    for a model that is not area-owned."""
    area_model = apps.get_model("areas", "Area")
    meta = model._meta
    if meta.proxy or not meta.managed or meta.abstract:
        return ()
    columns = []
    for name in getattr(model, "AREA_FIELDS", ("area",)):
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if getattr(field, "many_to_one", False) and field.related_model is area_model:
            columns.append(field.column)
    return tuple(columns)


def area_owned_models() -> list[type]:
    """Every concrete, managed model with an area column (``area_columns``)."""
    owned = [model for model in apps.get_models() if area_columns(model)]
    return sorted(owned, key=lambda m: m._meta.db_table)


def area_owned_tables() -> list[str]:
    return [model._meta.db_table for model in area_owned_models()]


def value_for(areas: Iterable[int] | str) -> str:
    """The setting's text for a set of area ids, or ALL."""
    if areas == ALL:
        return ALL
    return ",".join(str(int(pk)) for pk in sorted(set(areas)))


# --- Declaring the areas ---------------------------------------------------------------------


@contextlib.contextmanager
def acting_for(areas: Iterable[int] | str | Callable[[], Iterable[int]]) -> Iterator[None]:
    """Declare the areas the code inside acts for: a set of area ids, ALL, or a callable
    returning area ids (evaluated at most once, when a query first needs it). The previous
    declaration comes back on exit, and any transaction open at entry or exit is stamped at
    once, so a request made inside a test's transaction sees exactly its own areas."""
    if callable(areas):
        source = areas
        cached: list[str] = []

        def value() -> str:
            if not cached:
                # Reading the areas runs queries, which come back through the wrapper: they
                # touch no area-owned table, and see no areas meanwhile.
                cached.append("")
                try:
                    cached[0] = value_for(source())
                except BaseException:
                    cached.clear()
                    raise
            return cached[0]

        declared: str | Callable[[], str] = value
    else:
        declared = value_for(areas)
    token = _declared.set(declared)
    _stamp_open_transactions()
    try:
        yield
    finally:
        _declared.reset(token)
        _stamp_open_transactions()


def current_value() -> str:
    """The declared value now ("" when nothing is declared: no rows)."""
    declared = _declared.get()
    if declared is None:
        return _undeclared_value
    return declared() if callable(declared) else declared


@contextlib.contextmanager
def undeclared_code_acts_for(areas: Iterable[int] | str) -> Iterator[None]:
    """For tests only: what code that declared nothing acts for, in every thread (a test's
    module-scoped data and its worker threads included). Requests, tasks and commands
    declare their own, and the stamped transactions follow."""
    global _undeclared_value
    previous, _undeclared_value = _undeclared_value, value_for(areas)
    try:
        yield
    finally:
        _undeclared_value = previous


# --- Stamping transactions -------------------------------------------------------------------

_IDLE, _INERROR = 0, 3  # psycopg2.extensions.TRANSACTION_STATUS_IDLE / _INERROR


def _status(connection) -> int | None:
    raw = connection.connection
    return None if raw is None else raw.get_transaction_status()


def _set(connection, value: str) -> None:
    # A fresh raw DB-API cursor: the wrapper does not see its own statement, and the
    # statement's own cursor may be a named (server-side) one that runs a single query.
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, value])


def _stamp_open_transactions() -> None:
    """Stamp the declaration onto each connection's open transaction now (a transaction left
    unstamped would keep the previous declaration until its end)."""
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "postgresql" or not settings.AREA_RLS:
            continue
        state = getattr(connection, "_area_wall", None)
        if state is None:
            continue
        status = _status(connection)
        if status is None or status in (_IDLE, _INERROR):
            # No transaction open (the next one is stamped when it starts), or a failed one.
            state["stamped"] = None
            continue
        value = current_value()
        _set(connection, value)
        state["stamped"] = value


class AreaWall:
    """The execute wrapper installed on every PostgreSQL connection (``connection_created``)."""

    def __init__(self, connection):
        self.connection = connection
        self.state = {"stamped": None}
        connection._area_wall = self.state
        self.tables = tuple(area_owned_tables())

    def __call__(self, execute, sql, params, many, context):
        connection = self.connection
        status = _status(connection)
        if status == _INERROR:
            return execute(sql, params, many, context)
        if status == _IDLE:
            self.state["stamped"] = None
            if connection.get_autocommit():
                # Autocommit: this statement is a transaction of its own. Only one that names
                # an area-owned table needs the setting; it runs in a short transaction with it.
                if not self._touches_wall(sql):
                    return execute(sql, params, many, context)
                value = current_value()
                return self._in_own_transaction(execute, sql, params, many, context, value)
        # (Reading a request's areas may run a query of its own: it comes back through here.)
        value = current_value()
        if status == _IDLE:
            # The first statement of an atomic() block: psycopg2 opens the transaction with
            # the set_config, and the whole transaction carries it. SET TRANSACTION (an
            # isolation level, verify_audit's snapshot) must come first: the setting follows.
            if isinstance(sql, str) and sql.lstrip()[:15].upper() == "SET TRANSACTION":
                result = execute(sql, params, many, context)
                _set(connection, value)
                self.state["stamped"] = value
                return result
            _set(connection, value)
            self.state["stamped"] = value
            return execute(sql, params, many, context)
        if self.state["stamped"] != value:
            _set(connection, value)
            self.state["stamped"] = value
        return execute(sql, params, many, context)

    def _touches_wall(self, sql) -> bool:
        text = sql if isinstance(sql, str) else str(sql)
        return any(table in text for table in self.tables)

    def _in_own_transaction(self, execute, sql, params, many, context, value):
        # The driver stays in autocommit; the transaction is opened and ended here, the
        # BEGIN and the setting in one round trip.
        raw = self.connection.connection
        with raw.cursor() as cursor:
            cursor.execute("BEGIN; SELECT set_config(%s, %s, true)", [SETTING, value])
        try:
            result = execute(sql, params, many, context)
        except BaseException:
            with raw.cursor() as cursor:
                cursor.execute("ROLLBACK")
            raise
        with raw.cursor() as cursor:
            cursor.execute("COMMIT")
        return result


def install(sender, connection, **kwargs) -> None:
    """connection_created: put the wall's wrapper on a new PostgreSQL connection."""
    if connection.vendor != "postgresql" or not settings.AREA_RLS:
        return
    if getattr(connection, "_area_wall", None) is not None:
        return
    connection.execute_wrappers.append(AreaWall(connection))


# --- Policies --------------------------------------------------------------------------------


def policy_statements(
    table: str, *, on: bool, columns: Iterable[str] = ("area_id",), schema: str | None = None
) -> list[str]:
    """The statements that put the wall up on ``table`` (or take it down), idempotently;
    ``schema``: a table outside the search path's first schema (the bench's copies)."""
    quoted = f'"{table}"' if schema is None else f'"{schema}"."{table}"'
    if not on:
        return [
            f"DROP POLICY IF EXISTS {POLICY} ON {quoted}",
            f"ALTER TABLE {quoted} NO FORCE ROW LEVEL SECURITY",
            f"ALTER TABLE {quoted} DISABLE ROW LEVEL SECURITY",
        ]
    return [
        f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {quoted}",
        f"CREATE POLICY {POLICY} ON {quoted} USING {policy_expression(columns)} "
        f"WITH CHECK {policy_expression(columns)}",
    ]


_MIGRATING = contextvars.ContextVar("prevent_areas_migrating", default=False)


@contextlib.contextmanager
def migrating() -> Iterator[None]:
    """While ``migrate`` runs: its own checks do not ask for the wall it is about to put up."""
    token = _MIGRATING.set(True)
    try:
        yield
    finally:
        _MIGRATING.reset(token)


def is_migrating() -> bool:
    return _MIGRATING.get()


def apply_policies(using: str = "default") -> None:
    """Put the wall up on every area-owned table (or, with AREA_RLS off, take it down)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    on = bool(settings.AREA_RLS)
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in area_owned_models():
            table = model._meta.db_table
            if table not in existing:
                continue
            for statement in policy_statements(table, on=on, columns=area_columns(model)):
                cursor.execute(statement)


def apply_policies_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate runs once per app; the last installed app's run sees every table."""
    last = [c for c in apps.get_app_configs() if c.models_module is not None][-1]
    if sender is last:
        apply_policies(using)


def wall_state(using: str = "default") -> dict[str, tuple[bool, bool, bool]]:
    """For each area-owned table: (RLS enabled, forced, the area_wall policy present)."""
    connection = connections[using]
    tables = area_owned_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, EXISTS ("
            "  SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s"
            "  AND p.polcmd = '*' AND p.polpermissive)"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relname = ANY(%s)",
            [POLICY, tables],
        )
        return {name: (enabled_, forced, policy) for name, enabled_, forced, policy in cursor}
