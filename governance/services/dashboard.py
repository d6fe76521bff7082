"""The management dashboard's period figures, counted in the background (issue 18).

The referral and Channel Panel figures of a period are the same for every reader of one
council area and the costliest part of the dashboard (about 100 ms of SQL at national
scale), so no reader waits for them: the worker counts them into Django's cache, which in
production is Redis, shared by every web process and the worker (settings.CACHE_URL). The
page reads them from there and says when they were counted.

- **Per area.** Managers see their own area's aggregates (issue 18): every cached figure is
  of one council area, its key names the area, and the worker counts each area acting for
  that area alone (``rls.acting_for``), the figures limited to the area explicitly too (the
  wall is not there on SQLite). A reader is given the figures of an area where they hold a
  reader role, and no other (``reader_areas``). With one area, the page is as it was.
- ``dashboard_figures_refresh`` is what beat runs every minute: it counts again, into the
  cache, the figures of this financial year (what the page shows when the address names no
  period) of every active area, and of every period and area a reader asked for in the last
  ``WANTED_FOR``, each once it is older than DASHBOARD_CACHE_SECONDS.
- ``dashboard_period_figures`` is what the page calls: the cached figures, or None when they
  have not been counted yet. Then the period is recorded as wanted, for the next sweep; in
  the demo (CELERY_TASK_ALWAYS_EAGER, no worker, a per-process cache) the task runs inline
  there and then, so the figures are shown at once.

Suppression is that of ``governance.dashboard.period_figures_count`` with the threshold in
the cache key, so a figure counted for one threshold is never shown under another. Nothing
here is personal: counts, percentages and "hidden".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from governance.dashboard import PeriodFigures, period_figures_count
from governance.models.access import READER_ROLES
from governance.services.figures_cache import (
    cache_get,
    cache_set,
    wanted_add,
    wanted_fresh,
)
from prevent_portal.accounts import access
from prevent_portal.areas import rls
from prevent_portal.areas.models import Area
from prevent_portal.core.periods import financial_year_start
from referrals.views.statistics import manager_suppress_below

WANTED_KEY = "governance:dashboard:v3:wanted"
Period = tuple[date, date, int]  # first day, last day, suppression threshold
AreaPeriod = tuple[int, date, date, int]  # the council area's id, then a Period


def figures_key(area_id: int, date_from: date, date_to: date, suppress: int) -> str:
    return (
        f"governance:dashboard:v3:{area_id}:{date_from.isoformat()}:{date_to.isoformat()}:"
        f"{suppress}"
    )


def reader_areas(user) -> list[Area]:
    """The council areas whose dashboard ``user`` may read: those where they hold a reader
    role (a manager's or Coordinator's council), by name. Another area's figures are not
    theirs to see, suppressed or not."""
    ids = access.area_ids_for(user, READER_ROLES)
    return list(Area.objects.filter(pk__in=sorted(ids)).order_by("name", "pk"))


def this_financial_year(today: date) -> Period:
    """What the dashboard shows when the address names no period."""
    start = financial_year_start(today)
    return start, date(start.year + 1, 3, 31), manager_suppress_below()


def dashboard_period_want(*, area_id: int, date_from: date, date_to: date, suppress: int) -> None:
    """Record that a reader is waiting for the figures of a period in an area, for the next
    sweep. In the demo (tasks inline, no worker) count them now, in this process."""
    wanted_add(WANTED_KEY, (area_id, date_from, date_to, suppress))
    if settings.CELERY_TASK_ALWAYS_EAGER:
        from governance.tasks import refresh_dashboard_figures  # tasks import this module

        refresh_dashboard_figures.apply()


def dashboard_period_figures(
    *, area: Area, date_from: date, date_to: date, suppress: int
) -> PeriodFigures | None:
    """The period's figures in ``area`` as last counted in the background, or None when
    they have not been counted yet (the period is then asked for:
    ``dashboard_period_want``). Never counts in the request, but in the demo where the task
    runs inline. The caller has checked that the reader reads this area
    (``reader_areas``)."""
    key = figures_key(area.pk, date_from, date_to, suppress)
    figures = cache_get(key)
    if figures is None:
        dashboard_period_want(
            area_id=area.pk, date_from=date_from, date_to=date_to, suppress=suppress
        )
        figures = cache_get(key)
    return figures


def dashboard_figures_refresh(*, now: datetime | None = None) -> int:
    """What beat runs every minute: count into the shared cache, area by area, the figures
    of this financial year in every active area and of each period and area asked for in
    the last WANTED_FOR that are missing or older than DASHBOARD_CACHE_SECONDS; forget the
    periods nobody asked for since. Each area is counted acting for that area only, so the
    row-level security wall keeps another area's rows out of its figures even if a query
    forgot the area. Returns how many (area, period) figures were counted."""
    now = now or timezone.now()
    fresh: dict[AreaPeriod, datetime] = wanted_fresh(WANTED_KEY, now)
    year = this_financial_year(timezone.localdate(now))
    areas = list(Area.objects.filter(is_active=True).values_list("pk", flat=True))
    asked = [(area_id, *year) for area_id in areas] + list(fresh)
    max_age = timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS)
    counted = 0
    for area_id, date_from, date_to, suppress in dict.fromkeys(asked):
        key = figures_key(area_id, date_from, date_to, suppress)
        kept: PeriodFigures | None = cache_get(key)
        if kept is not None and now - kept.computed_at < max_age:
            continue
        with rls.acting_for([area_id]):
            figures = period_figures_count(
                date_from=date_from, date_to=date_to, suppress=suppress, areas=[area_id]
            )
        cache_set(key, figures)
        counted += 1
    return counted
