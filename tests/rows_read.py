"""How many rows each query of a request returns: what a page reads into Python, which a
query count does not show (a page can run the same queries and still read every agency).
Portable: each SELECT is counted again as ``SELECT COUNT(*) FROM (...)`` with its own
parameters, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from django.db import connection


def rows_read(request) -> list[tuple[int, str]]:
    """(rows returned, SQL) of every SELECT that ``request()`` runs, most rows first."""
    selects: list[tuple[str, tuple]] = []

    def record(execute, sql, params, many, context):
        if not many and sql.lstrip().upper().startswith("SELECT"):
            selects.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        request()
    counted = []
    with connection.cursor() as cursor:
        for sql, params in selects:
            # The SQL is the ORM's own, just run by this request: nothing from outside.
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS counted", params)  # noqa: S608
            counted.append((cursor.fetchone()[0], sql))
    return sorted(counted, key=lambda pair: -pair[0])
