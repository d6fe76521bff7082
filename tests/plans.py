"""Walking a PostgreSQL plan (``EXPLAIN (FORMAT JSON)``) in the tests that assert its shape."""

from __future__ import annotations

from collections.abc import Iterator


def plan_nodes(node: dict) -> Iterator[dict]:
    """``node`` and every node under it."""
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)
