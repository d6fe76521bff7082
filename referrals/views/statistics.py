"""The statistics page: the figures of ``manage.py prevent_statistics`` for a period.

Coordinator and manager only. It shows aggregates, never a person or a referral, so it
writes no access entries. Managers always get small counts hidden (STATISTICS_SUPPRESS_BELOW,
default 5), and may ask for whole financial quarters or years only (security finding F3:
two periods a day apart would give one referral away); the Coordinator sees exact counts
unless they ask for suppression, for any dates.
"""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from prevent_portal.accounts.access import area_ids_for, has_role, require_role
from prevent_portal.accounts.models import Role
from prevent_portal.core.exports import CSV_CONTENT_TYPE
from prevent_portal.core.forms import date_submitted
from prevent_portal.core.periods import financial_year, financial_year_start
from referrals.forms.imports import StatisticsForm
from referrals.measures import LABELS
from referrals.statistics import GROUPS, referral_statistics, statistics_csv

DEFAULT_MANAGER_SUPPRESS_BELOW = 5
GROUP_CAPTIONS = {
    "by_gender": "Gender",
    "by_age_group": "Adults and young people (age when referred)",
    "by_age_band": "Age band (age when referred)",
    "by_type_of_concern": "Type of concern",
    "by_sector": "Referring sector",
    "by_outcome": "Outcome",
}
FLAG_LABELS = {
    **LABELS,
    "reached_panel": "Reached the Channel Panel",
    "adopted": "Adopted as a Channel case",
}


def manager_suppress_below() -> int:
    return max(1, getattr(settings, "STATISTICS_SUPPRESS_BELOW", DEFAULT_MANAGER_SUPPRESS_BELOW))


def period_form(
    request,
    form_class,
    start: str = "date_from",
    end: str = "date_to",
    *,
    whole_periods_only: bool = False,
):
    """A period form bound to the query string, or, when the address names no period (so
    the page opens with figures), to this financial year: so far, or, for a reader held to
    whole periods, the whole year."""
    today = timezone.localdate()
    named = date_submitted(request.GET, start) or date_submitted(request.GET, end)
    data = request.GET if named else None
    first = financial_year_start(today)
    last = financial_year(first.year).end if whole_periods_only else today
    return form_class(
        data or {start: first.strftime("%d/%m/%Y"), end: last.strftime("%d/%m/%Y")},
        whole_periods_only=whole_periods_only,
    )


def suppress_below(form, *, exact: bool) -> int:
    """Counts below this are hidden: what the form asked for, for someone who may see exact
    counts; the managers' threshold, and no other, for anyone else. One threshold only:
    the same table suppressed below 5 and below 6 hides different larger cells, and the
    two side by side give away counts hidden in both (security finding F3, review 1)."""
    if not exact:
        return manager_suppress_below()
    return form.cleaned_data.get("suppress") or 0


@require_GET
def referral_statistics_page(request):
    require_role(request.user, Role.COORDINATOR, Role.MANAGER)
    exact = has_role(request.user, Role.COORDINATOR)
    form = period_form(request, StatisticsForm, whole_periods_only=not exact)
    figures = None
    suppress = 0 if exact else manager_suppress_below()
    if form.is_valid():
        suppress = suppress_below(form, exact=exact)
        # The reader's own council areas (issue 18): where the role giving this view of the
        # figures (exact for the Coordinator, suppressed for a manager) is held.
        figures = referral_statistics(
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
            suppress=suppress,
            areas=area_ids_for(request.user, [Role.COORDINATOR] if exact else [Role.MANAGER]),
        )
        if request.GET.get("format") == "csv":
            response = HttpResponse(statistics_csv(figures), content_type=CSV_CONTENT_TYPE)
            filename = f"prevent-statistics-{figures['from']}-to-{figures['to']}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    tables = []
    flags = []
    if figures:
        percent = figures["percent"]
        tables = [
            {
                "key": key,
                "caption": GROUP_CAPTIONS[key],
                "rows": [(k, v, percent[key][k]) for k, v in figures[key].items()],
            }
            for key in GROUPS
        ]
        flags = [(label, figures[key], percent[key]) for key, label in FLAG_LABELS.items()]
    csv_query = request.GET.copy()
    if figures:
        csv_query["date_from"] = figures["from"]
        csv_query["date_to"] = figures["to"]
        csv_query["suppress"] = suppress or ""
    csv_query["format"] = "csv"
    return render(
        request,
        "referrals/statistics.html",
        {
            "form": form,
            "figures": figures,
            "tables": tables,
            "flags": flags,
            "suppress": suppress,
            "is_manager_only": not has_role(request.user, Role.COORDINATOR),
            "csv_url": f"{request.path}?{csv_query.urlencode()}",
        },
    )


urlpatterns = [path("statistics/", referral_statistics_page, name="statistics")]
