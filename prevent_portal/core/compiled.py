"""Reads the ORM compiles once per process and then runs with another id.

Building and compiling a queryset costs the same each time, whatever it then reads. Some
reads run on every request with nothing but one id changing: the access module's two reads
of who the user is (their memberships and their permissions) cost about 1.3 ms of a page's
CPU, most of it compiling. ``CompiledPerId`` compiles such a read once per database alias,
with a stand-in id, and from then on runs that statement with the id put where the stand-in
was. The statement is the ORM's own, so what runs is what the queryset would have run; it
goes through the connection's cursor, so the row-level security wall and query capture see
it as they see any other.

Only for reads whose columns need no conversion from the database (integers and text): the
rows are the cursor's, not the ORM's. A test compares them with the ORM's rows on every
database the project runs on.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.utils import DEFAULT_DB_ALIAS

# An id no row has: the stand-in put where the real id goes. Negative and far from any
# boolean or small constant a statement also carries (True == 1 in Python).
STAND_IN = -2_000_000_011


class CompiledPerId:
    """``build(id)``'s rows for any id, compiled once per database alias. ``build`` must
    return a ``values_list`` queryset whose only parameter that varies is the id."""

    def __init__(self, build: Callable[[int], models.QuerySet]):
        self._build = build
        self._compiled: dict[str, tuple[str, tuple, tuple[int, ...]]] = {}

    def _statement(self, using: str) -> tuple[str, tuple, tuple[int, ...]]:
        compiled = self._compiled.get(using)
        if compiled is None:
            query = self._build(STAND_IN).query
            sql, params = query.get_compiler(using=using).as_sql()
            slots = tuple(i for i, p in enumerate(params) if type(p) is int and p == STAND_IN)
            if not slots:
                raise ImproperlyConfigured(f"No id among the parameters of {sql}")
            compiled = self._compiled[using] = (sql, tuple(params), slots)
        return compiled

    def rows(self, pk: int, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        sql, params, slots = self._statement(using)
        values = list(params)
        for slot in slots:
            values[slot] = pk
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)
            return [tuple(row) for row in cursor.fetchall()]
