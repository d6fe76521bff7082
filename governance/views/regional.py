"""The regional aggregate (issue 18): for a regional lead, each council area's figures side
by side and the region's total, small numbers hidden per cell, no link to any record.

Regional leads only: the areas are those their agency serves (``regional_areas``). The
figures are counted in the background (``governance.services.regional``), never in this
request; the page says when, or that they are being counted. Aggregates only, so it writes
no access entries.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from governance.forms.regional import RegionalYearForm
from governance.services.regional import regional_areas, regional_figures, this_year
from prevent_portal.accounts.access import require_role
from prevent_portal.accounts.models import Role
from referrals.views.statistics import manager_suppress_below

REFRESH_SECONDS = 15


@require_GET
def regional(request):
    require_role(request.user, Role.REGIONAL_LEAD)
    areas = regional_areas(request.user)
    if not areas:
        raise PermissionDenied("Your role is not held in any council area")
    today = timezone.localdate()
    data = request.GET if "year" in request.GET else {"year": str(this_year(today))}
    form = RegionalYearForm(data, today=today)
    figures = None
    counted = False
    if form.is_valid():
        figures = regional_figures(areas=areas, year=int(form.cleaned_data["year"]))
        counted = figures is not None
    response = render(
        request,
        "governance/regional.html",
        {
            "form": form,
            "figures": figures,
            "areas": areas,
            "asked": form.is_valid(),
            "suppress": manager_suppress_below(),
            "cache_minutes": max(1, -(-settings.DASHBOARD_CACHE_SECONDS // 60)),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
    if form.is_valid() and not counted:
        response["Refresh"] = str(REFRESH_SECONDS)  # the worker counts them within a minute
    return response


urlpatterns = [path("regional/", regional, name="regional")]
