"""The management dashboard: referrals, mental-health flags, panel meetings and attendance,
training compliance, the board schedule and the action plan's RAG, for a period.

Managers and the Coordinator. Aggregates only, never a person or a referral, so it writes no
access entries; small numbers are hidden for everyone (STATISTICS_SUPPRESS_BELOW), since
what is on this page is shown in meetings. Managers choose whole financial quarters or years
only (security finding F3); the Coordinator, any dates. The period is a GET form, so a
selection is a link that can be shared. The referral and Channel Panel figures are counted
by the worker, never in this request (``governance.services.dashboard``): the page shows them
as last counted and says when, or says they are being counted. So are the training figures,
for a reader who sees every return of the area; another reader's are counted here from the
returns they may see. They are the figures of one
council area, the reader's own (issue 18); someone reading in several areas chooses which,
and no one is shown an area where they hold no reader role.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from governance.dashboard import COUNT_NOW, dashboard_figures
from governance.forms.reports import PeriodForm
from governance.models.access import READER_ROLES
from governance.services.dashboard import (
    dashboard_period_figures,
    dashboard_training_figures,
    reader_areas,
    sees_every_return,
)
from prevent_portal.accounts.access import has_role, require_role
from prevent_portal.accounts.models import Role
from prevent_portal.core.forms import date_submitted
from prevent_portal.core.periods import financial_year_start
from referrals.views.statistics import manager_suppress_below

PERIOD_FIELDS = ("year", "date_from", "date_to")
# How often the page looks again while the worker counts a period's figures.
REFRESH_SECONDS = 15


def period_form(request, form_class=PeriodForm, **kwargs):
    """The period form bound to the query string, or to this financial year when the
    address names no period."""
    today = timezone.localdate()
    if any(date_submitted(request.GET, name) for name in PERIOD_FIELDS):
        data = request.GET
    else:
        data = {"year": str(financial_year_start(today).year)}
    return form_class(data, today=today, **kwargs)


def chosen_area(request, areas):
    """The area the address names (``?area=<short code>``) among the reader's ``areas``, else
    the first of them. A code of an area that is not theirs is not an error that says
    whether it exists: their own first area is shown."""
    wanted = request.GET.get("area")
    return next((a for a in areas if a.short_code == wanted), areas[0])


def chosen_training_type(request) -> int | None:
    """The training type the address names (``?training_type=<id>``): shown in full, the
    others one link away (issue 18: every type in full was most of the page's cost). An id
    that is not an active type's shows the first type."""
    try:
        return int(request.GET.get("training_type", ""))
    except ValueError:
        return None


@require_GET
def dashboard(request):
    require_role(request.user, *READER_ROLES)
    areas = reader_areas(request.user)
    if not areas:
        raise PermissionDenied("Your role is not held in any council area")
    area = chosen_area(request, areas)
    today = timezone.localdate()
    form = period_form(request, whole_periods_only=not has_role(request.user, Role.COORDINATOR))
    figures = None
    if form.is_valid():
        period = {
            "date_from": form.cleaned_data["date_from"],
            "date_to": form.cleaned_data["date_to"],
            "suppress": manager_suppress_below(),
        }
        training_type = chosen_training_type(request)
        training = COUNT_NOW  # a reader who sees only some returns: counted from those
        if sees_every_return(request.user, area):
            training = dashboard_training_figures(
                area=area, today=today, training_type=training_type, **period
            )
        figures = dashboard_figures(
            user=request.user,
            today=today,
            period=dashboard_period_figures(area=area, **period),
            areas=[area.pk],
            training_type=training_type,
            training=training,
            **period,
        )
    type_query = request.GET.copy()
    type_query.pop("training_type", None)
    response = render(
        request,
        "governance/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "today": today,
            "area": area,
            "areas": areas,
            "dashboard_cache_minutes": max(1, -(-settings.DASHBOARD_CACHE_SECONDS // 60)),
            "refresh_seconds": REFRESH_SECONDS,
            # The address of each other training type: this page with the type changed.
            "type_query": type_query.urlencode(),
        },
    )
    if figures is not None and not (figures.period_counted and figures.training_counted):
        # The worker counts them within a minute: look again (a header, no script).
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


urlpatterns = [path("dashboard/", dashboard, name="dashboard")]
