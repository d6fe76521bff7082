"""The regional aggregate, counted in the background (issue 18), like the dashboard's figures
(``governance.services.dashboard``: the same shared cache, ``figures_cache``, and the
same beat task).

- A region is the set of council areas a regional lead's agency serves; its figures are
  counted for that set, per financial year, into the shared cache, keyed by the areas, the
  year and the suppression threshold. The worker counts them acting for those areas only.
- ``regional_figures`` is what the page calls: the cached figures, or None when they have
  not been counted yet; the region and year are then recorded as wanted for the next sweep
  (in the demo, where tasks run inline, the sweep runs at once).
- ``regional_figures_refresh``: this financial year of every region a live regional lead
  has, and every region and year asked for in the last ``WANTED_FOR``, once older than
  DASHBOARD_CACHE_SECONDS.
Nothing here is personal: counts per area, hidden where small.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from governance.regional import RegionalFigures, regional_figures_count
from governance.services.figures_cache import cache_get, cache_set, wanted_add, wanted_fresh
from prevent_portal.accounts import access
from prevent_portal.accounts.models import Agency, Membership, Role
from prevent_portal.areas import rls
from prevent_portal.areas.models import Area
from prevent_portal.core.periods import financial_year, financial_year_start
from referrals.views.statistics import manager_suppress_below

WANTED_KEY = "governance:regional:v1:wanted"
# (the areas' ids, sorted), the financial year's first calendar year, the threshold
Region = tuple[tuple[int, ...], int, int]


def regional_key(area_ids: tuple[int, ...], year: int, suppress: int) -> str:
    return f"governance:regional:v1:{'-'.join(map(str, area_ids))}:{year}:{suppress}"


def regional_areas(user) -> list[Area]:
    """The council areas of ``user``'s region: those where they hold the regional lead role
    (the areas their agency serves), by name. None for anyone else."""
    ids = access.area_ids_for(user, [Role.REGIONAL_LEAD])
    return list(Area.objects.filter(pk__in=sorted(ids)).order_by("name", "pk"))


def _region(areas: list[Area], year: int) -> Region:
    return tuple(sorted(a.pk for a in areas)), year, manager_suppress_below()


def regional_figures_want(region: Region) -> None:
    """Record that a regional lead waits for a region's year, for the next sweep; in the demo
    (tasks inline, no worker) count it now."""
    wanted_add(WANTED_KEY, region)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        from governance.tasks import refresh_dashboard_figures  # tasks import this module

        refresh_dashboard_figures.apply()


def regional_figures(*, areas: list[Area], year: int) -> RegionalFigures | None:
    """The region's figures for the financial year starting in April ``year`` as last
    counted in the background, or None (then asked for). Never counts in the request, but
    in the demo. The caller gives the reader's own region (``regional_areas``)."""
    region = _region(areas, year)
    key = regional_key(*region)
    figures = cache_get(key)
    if figures is None:
        regional_figures_want(region)
        figures = cache_get(key)
    return figures


def _live_regions() -> set[tuple[int, ...]]:
    """The regions of the agencies where someone holds the regional lead role now."""
    agencies = (
        Membership.objects.active()
        .filter(role=Role.REGIONAL_LEAD)
        .values_list("agency_id", flat=True)
        .distinct()
    )
    regions: dict[int, set[int]] = {}
    through = Agency.areas.through.objects.filter(agency_id__in=agencies, area__is_active=True)
    for agency_id, area_id in through.values_list("agency_id", "area_id"):
        regions.setdefault(agency_id, set()).add(area_id)
    return {tuple(sorted(ids)) for ids in regions.values()}


def regional_figures_refresh(*, now: datetime | None = None) -> int:
    """Count into the shared cache every region's figures that are missing or older than
    DASHBOARD_CACHE_SECONDS: this financial year of every live region, and each region and
    year asked for in the last WANTED_FOR. Each is counted acting for its own areas only.
    Returns how many were counted."""
    now = now or timezone.now()
    fresh: dict[Region, datetime] = wanted_fresh(WANTED_KEY, now)
    this_year = financial_year_start(timezone.localdate(now)).year
    suppress = manager_suppress_below()
    asked = [(ids, this_year, suppress) for ids in sorted(_live_regions())] + list(fresh)
    max_age = timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS)
    names = dict(Area.objects.values_list("pk", "name"))
    counted = 0
    for ids, year, threshold in dict.fromkeys(asked):
        key = regional_key(ids, year, threshold)
        kept: RegionalFigures | None = cache_get(key)
        if kept is not None and now - kept.computed_at < max_age:
            continue
        span = financial_year(year)
        areas = sorted(((pk, names[pk]) for pk in ids if pk in names), key=lambda a: a[1])
        with rls.acting_for(ids):
            figures = regional_figures_count(
                areas=areas, date_from=span.start, date_to=span.end, suppress=threshold
            )
        cache_set(key, figures)
        counted += 1
    return counted


def this_year(today: date) -> int:
    return financial_year_start(today).year
