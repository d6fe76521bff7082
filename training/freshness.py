"""When an area's compliance figures last changed: the mark the dashboard's training figures,
counted in the background (``governance.services.dashboard``), are checked against.

Every service that writes a return, a training type or a reporting period calls
``compliance_figures_changed`` inside its transaction (``tests/training/test_freshness.py``
walks the services and fails on one that writes them without it). The mark is the time the
transaction committed, kept in the shared cache (Redis in production) per council area, or
for every area when a type or a quarter changed:

- a count that started before the commit is older than the mark, so the next sweep counts
  again (within a minute); a count that starts after the commit sees the change;
- nothing is written when the transaction rolls back;
- a cache that does not answer drops the mark (logged): the figures are then counted again
  once they are DASHBOARD_CACHE_SECONDS old, as before there were marks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from prevent_portal.core import shared_cache

# As long as a count the marks are read against can be kept (figures_cache.WANTED_FOR).
MARK_FOR = timedelta(days=1)
EVERY_AREA = "all"


def mark_key(area: int | str) -> str:
    return f"training:figures-changed:v1:{area}"


def mark_keys(area_id: int) -> list[str]:
    """The marks that say an area's figures changed: its own and every area's."""
    return [mark_key(area_id), mark_key(EVERY_AREA)]


def compliance_figures_changed(area_ids: Iterable[int] | None) -> None:
    """Mark the compliance figures of ``area_ids`` (None: every area, as when a type or a
    quarter changes) as changed, when the current transaction commits."""
    if area_ids is None:
        keys = [mark_key(EVERY_AREA)]
    else:
        keys = [mark_key(a) for a in sorted(set(area_ids))]

    def mark() -> None:
        now = timezone.now()
        for key in keys:
            shared_cache.cache_set(key, now, int(MARK_FOR.total_seconds()))

    if keys:
        transaction.on_commit(mark)


def changed_at(marks: dict, area_id: int) -> datetime | None:
    """The latest mark of ``area_id`` among ``marks`` (values read for ``mark_keys``), or None
    when its figures have not changed since the marks were last forgotten."""
    times = [marks[key] for key in mark_keys(area_id) if marks.get(key) is not None]
    return max(times, default=None)


__all__ = ["changed_at", "compliance_figures_changed", "mark_keys"]
