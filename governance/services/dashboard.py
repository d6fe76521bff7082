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

**The training figures** (issue 18: counting them was about half of the request) are counted
the same way, by the same sweep, for the same periods and areas: ``training_figures_count``
of every return of the area, for the quarters ending in the period, on the day they are
counted (what is owed and overdue depends on it), every active type at once. They depend on
who reads them, so a reader is given them only when their sight of the area's returns is
exactly what they were counted for, every return of the area (the model-wide view
permission there: ``sees_every_return``); anyone else's are counted in the request from
what they may see, as before. The key names the area, the period and the day (a new day is
counted again); the first type's summary is kept with the chooser, each other type's under
a key of its own, so a page reads one type. A return entered or corrected marks its area
(``training.freshness``): a count older than the mark is counted again at the next sweep,
and in the demo at once.

Suppression is that of ``governance.dashboard.period_figures_count`` with the threshold in
the cache key, so a figure counted for one threshold is never shown under another. Nothing
here is personal: counts, percentages and "hidden".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from governance.dashboard import (
    PeriodFigures,
    TrainingFigures,
    period_figures_count,
    training_figures_count,
)
from governance.models.access import READER_ROLES
from governance.services.figures_cache import (
    cache_delete,
    cache_get,
    cache_get_many,
    cache_set,
    cache_set_many,
    wanted_add,
    wanted_fresh,
)
from prevent_portal.accounts import access
from prevent_portal.areas import rls
from prevent_portal.areas.models import Area
from prevent_portal.core.periods import financial_year_start
from referrals.views.statistics import manager_suppress_below
from training.freshness import changed_at, changed_since, mark_keys

WANTED_KEY = "governance:dashboard:v3:wanted"
Period = tuple[date, date, int]  # first day, last day, suppression threshold
AreaPeriod = tuple[int, date, date, int]  # the council area's id, then a Period


def figures_key(area_id: int, date_from: date, date_to: date, suppress: int) -> str:
    return (
        f"governance:dashboard:v3:{area_id}:{date_from.isoformat()}:{date_to.isoformat()}:"
        f"{suppress}"
    )


def training_key(area_id: int, date_from: date, date_to: date, today: date) -> str:
    return (
        f"governance:dashboard:training:v1:{area_id}:{date_from.isoformat()}:"
        f"{date_to.isoformat()}:{today.isoformat()}"
    )


def sees_every_return(user, area: Area) -> bool:
    """Whether ``user`` sees every compliance return of ``area`` and no other agency rule
    applies to them: the model-wide view permission in that area (training.models,
    ``ComplianceReturn.objects.visible_to`` and ``return_agency_scope``). Only such a reader
    is given the training figures counted in the background, which are of every return."""
    return area.pk in access.global_perm_area_ids(user, "training.view_compliancereturn")


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


def dashboard_training_figures(
    *,
    area: Area,
    date_from: date,
    date_to: date,
    suppress: int,
    today: date,
    training_type: int | None = None,
) -> TrainingFigures | None:
    """The training figures of every return of ``area`` for the period on ``today``, as last
    counted in the background, with the summary of the type shown (``training_type``, else
    the first): one read of the shared cache. None when they have not been counted yet; the
    period is then asked for, as ``dashboard_period_figures`` does. Figures counted before
    the area's last change (``training.freshness``) are shown until the next sweep counts
    them again; in the demo they are counted again at once. The caller has checked that the
    reader sees every return of the area (``sees_every_return``)."""
    key = training_key(area.pk, date_from, date_to, today)
    keys = [key, *mark_keys(area.pk)]
    if training_type is not None:
        keys.append(f"{key}:{training_type}")
    found = cache_get_many(keys)
    figures: TrainingFigures | None = found.get(key)
    changed = changed_at(found, area.pk)
    if figures is None or (
        settings.CELERY_TASK_ALWAYS_EAGER and changed_since(changed, figures.started_at)
    ):
        dashboard_period_want(
            area_id=area.pk, date_from=date_from, date_to=date_to, suppress=suppress
        )
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            return figures
        found = cache_get_many([k for k in keys if k not in mark_keys(area.pk)])
        figures = found.get(key)
    if figures is None:
        return None
    shown = figures.shown(training_type)
    if shown is not None and shown.pk not in figures.summaries:
        kept = found.get(f"{key}:{shown.pk}")
        if kept is None:  # dropped by the cache alone: forget the rest, to be counted again
            cache_delete(key)
            dashboard_period_want(
                area_id=area.pk, date_from=date_from, date_to=date_to, suppress=suppress
            )
            return None
        figures = replace(figures, summaries={**figures.summaries, shown.pk: kept})
    return figures


def _training_keep(key: str, figures: TrainingFigures) -> None:
    """Keep ``figures`` under ``key``, with the first type's summary; each other type's under
    a key of its own (a page shows one type: it reads that one only)."""
    first = figures.choices[0].training_type.pk if figures.choices else None
    kept = {pk: s for pk, s in figures.summaries.items() if pk == first}
    cache_set_many(
        {
            key: replace(figures, summaries=kept),
            **{f"{key}:{pk}": s for pk, s in figures.summaries.items() if pk != first},
        }
    )


def dashboard_figures_refresh(*, now: datetime | None = None) -> int:
    """What beat runs every minute: count into the shared cache, area by area, the figures
    of this financial year in every active area and of each period and area asked for in
    the last WANTED_FOR that are missing or older than DASHBOARD_CACHE_SECONDS; forget the
    periods nobody asked for since. Each area is counted acting for that area only, so the
    row-level security wall keeps another area's rows out of its figures even if a query
    forgot the area. The training figures of the same areas and periods, on this day, are
    counted again also when their area changed since (``training.freshness``). Returns for
    how many (area, period) anything was counted."""
    now = now or timezone.now()
    fresh: dict[AreaPeriod, datetime] = wanted_fresh(WANTED_KEY, now)
    year = this_financial_year(timezone.localdate(now))
    areas = list(Area.objects.filter(is_active=True).values_list("pk", flat=True))
    asked = [(area_id, *year) for area_id in areas] + list(fresh)
    max_age = timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS)
    today = timezone.localdate(now)
    marks = cache_get_many(sorted({k for area_id, *_ in asked for k in mark_keys(area_id)}))
    counted = 0
    training_done: set[str] = set()
    for area_id, date_from, date_to, suppress in dict.fromkeys(asked):
        key = figures_key(area_id, date_from, date_to, suppress)
        kept: PeriodFigures | None = cache_get(key)
        counted_here = False
        if kept is None or now - kept.computed_at >= max_age:
            with rls.acting_for([area_id]):
                figures = period_figures_count(
                    date_from=date_from, date_to=date_to, suppress=suppress, areas=[area_id]
                )
            cache_set(key, figures)
            counted_here = True
        # The training figures do not depend on the threshold: once per area and period.
        key = training_key(area_id, date_from, date_to, today)
        if key not in training_done:
            training_done.add(key)
            training: TrainingFigures | None = cache_get(key)
            changed = changed_at(marks, area_id)
            if (
                training is None
                or now - training.computed_at >= max_age
                or changed_since(changed, training.started_at)
            ):
                with rls.acting_for([area_id]):
                    training = training_figures_count(
                        area_id=area_id, date_from=date_from, date_to=date_to, today=today
                    )
                _training_keep(key, training)
                counted_here = True
        counted += counted_here
    return counted
