"""When an area's compliance figures last changed: the mark the dashboard's training figures,
counted in the background (``governance.services.dashboard``), are checked against.

Every service that writes a return, a training type or a reporting period calls
``compliance_figures_changed`` inside its transaction (``tests/training/test_freshness.py``
walks the services and fails on one that writes them without it): a bulk write sends no
signal. Every other write of what the figures are counted from is marked by a receiver
(``connect``): a return, a type and its agencies, a quarter, an agency (its name, its end,
the areas it serves) and a membership (who the agency's SPOCs are), saved or deleted
anywhere, the admin included. The mark is the time the transaction committed, kept in the
shared cache (Redis in production) per council area, or for every area when anything but
a return changed:

- a count that started before the commit is older than the mark, so the next sweep counts
  again (within a minute); a count that starts after the commit sees the change. The mark is
  the web process's clock and the count's start the worker's: a count that started up to
  CLOCK_SLACK after the mark is counted again too (``changed_since``), so clocks that
  disagree by less than that never keep a change out of the figures;
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
# How far the web processes' and the worker's clocks may disagree (see the module's rules).
CLOCK_SLACK = timedelta(seconds=30)


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


def changed_since(changed: datetime | None, started_at: datetime) -> bool:
    """Whether figures whose count started at ``started_at`` may miss a change marked at
    ``changed`` (``changed_at``): marked after the count started, or up to CLOCK_SLACK
    before, by another machine's clock."""
    return changed is not None and changed >= started_at - CLOCK_SLACK


def _return_written(sender, instance, **kwargs) -> None:
    compliance_figures_changed([instance.area_id])


def _every_area(sender, **kwargs) -> None:
    compliance_figures_changed(None)


def connect() -> None:
    """Mark the figures changed whenever what they are counted from is saved, deleted or
    has its many-to-many changed, by any path (the app's ``ready``)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from prevent_portal.accounts.models import Agency, Membership
    from training.models import ComplianceReturn, ReportingPeriod, TrainingType

    uid = "training.freshness"
    for signal in (post_save, post_delete):
        signal.connect(_return_written, sender=ComplianceReturn, dispatch_uid=f"{uid}.return")
        for model in (TrainingType, ReportingPeriod, Agency, Membership):
            signal.connect(_every_area, sender=model, dispatch_uid=f"{uid}.{model.__name__}")
    for through in (TrainingType.agencies.through, Agency.areas.through):
        m2m_changed.connect(_every_area, sender=through, dispatch_uid=f"{uid}.{through.__name__}")


__all__ = [
    "CLOCK_SLACK",
    "changed_at",
    "changed_since",
    "compliance_figures_changed",
    "connect",
    "mark_keys",
]
